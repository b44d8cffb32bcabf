package frontend

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientKey identifies the client behind a request for rate limiting.
//
// Behind a load balancer every request comes from the balancer, so the
// address is taken from X-Forwarded-For, but only when the peer is one of
// the trusted proxies, and then from the right: the first address that is
// not itself a trusted proxy is the one the nearest trusted hop saw, which
// a client cannot forge. IPv6 clients are keyed by their /64, the block one
// host is usually given.
func clientKey(trusted []netip.Prefix) func(*fiber.Ctx) string {
	return func(c *fiber.Ctx) string {
		addr, err := netip.ParseAddr(c.Context().RemoteIP().String())
		if err != nil {
			return c.Context().RemoteIP().String()
		}
		if isTrusted(trusted, addr) {
			hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
			for i := len(hops) - 1; i >= 0; i-- {
				hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
				if err != nil {
					break
				}
				addr = hop
				if !isTrusted(trusted, hop) {
					break
				}
			}
		}
		addr = addr.Unmap()
		if addr.Is6() {
			p, _ := addr.Prefix(64)
			return p.String()
		}
		return addr.String()
	}
}

func isTrusted(trusted []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
