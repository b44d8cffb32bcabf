package frontend

import (
	"net"
	"net/netip"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

func TestClientKey(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name, peer, forwarded, want string
	}{
		{"direct client", "203.0.113.7", "", "203.0.113.7"},
		{"untrusted peer cannot claim another address", "203.0.113.7", "198.51.100.1", "203.0.113.7"},
		{"trusted balancer: the client it saw", "10.1.2.3", "198.51.100.1", "198.51.100.1"},
		{"a forged left-most hop is ignored", "10.1.2.3", "1.2.3.4, 198.51.100.1", "198.51.100.1"},
		{"chains of trusted proxies are skipped", "10.1.2.3", "198.51.100.1, 10.9.9.9", "198.51.100.1"},
		{"garbage in the header stops the walk", "10.1.2.3", "198.51.100.1, nonsense", "10.1.2.3"},
		{"IPv6 clients share their /64", "2001:db8:1:2:aaaa::1", "", "2001:db8:1:2::/64"},
	}
	key := clientKey(trusted)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := fiber.New()
			fctx := &fasthttp.RequestCtx{}
			fctx.SetRemoteAddr(&net.TCPAddr{IP: net.ParseIP(tt.peer), Port: 1234})
			if tt.forwarded != "" {
				fctx.Request.Header.Set("X-Forwarded-For", tt.forwarded)
			}
			c := app.AcquireCtx(fctx)
			defer app.ReleaseCtx(c)
			if got := key(c); got != tt.want {
				t.Errorf("clientKey = %q, want %q", got, tt.want)
			}
		})
	}
}
