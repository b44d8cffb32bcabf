package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrNotPublic marks a connection refused before it was made because the
// address is not globally reachable.
var ErrNotPublic = errors.New("the address is not public")

// Guard resolves and dials on a user's behalf, refusing addresses that are
// not globally reachable unless AllowPrivate is set. Its zero value is
// usable and strict.
type Guard struct {
	// AllowPrivate lets connections go to loopback and private addresses
	// (tests, and installations that want it).
	AllowPrivate bool
	// LookupIP resolves host names (default net.DefaultResolver.LookupNetIP).
	// Every address it answers is still checked before any connect; tests
	// map names to the addresses they want refused without any DNS.
	LookupIP func(ctx context.Context, network, host string) ([]netip.Addr, error)
	// DialTimeout bounds one connect (default 5 s).
	DialTimeout time.Duration
	// Last, when set (only by tests), has the last word on every address
	// that passed the check, so that no test ever connects out.
	Last func(netip.AddrPort) error
}

// Allowed reports whether ap may be connected to, with ErrNotPublic (or
// Last's error) when it may not.
func (g *Guard) Allowed(ap netip.AddrPort) error {
	if !g.AllowPrivate && !GloballyReachable(ap.Addr()) {
		return fmt.Errorf("refusing to connect to %s: %w", ap.Addr(), ErrNotPublic)
	}
	if g.Last != nil {
		return g.Last(ap)
	}
	return nil
}

// Resolve returns host's addresses, host itself when it is an IP literal,
// keeping only those Allowed with port. Callers that cannot dial through
// DialContext connect to one of these literals, never to the name again.
func (g *Guard) Resolve(ctx context.Context, host string, port uint16) ([]netip.Addr, error) {
	addrs, err := g.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	var ok []netip.Addr
	var refused error
	for _, a := range addrs {
		if err := g.Allowed(netip.AddrPortFrom(a, port)); err != nil {
			refused = err
			continue
		}
		ok = append(ok, a)
	}
	if len(ok) == 0 {
		return nil, refused
	}
	return ok, nil
}

// DialContext resolves address's host and connects to its addresses in
// turn; Control refuses each one that is not allowed before it connects.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("splitting %q: %w", address, err)
	}
	addrs, err := g.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	timeout := g.DialTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	d := &net.Dialer{Timeout: timeout, Control: g.Control}
	var errs []error
	for _, a := range addrs {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// Control is a net.Dialer's last word on each address, called after the
// socket is made and before it connects.
func (g *Guard) Control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing %q, not an address: %w", address, ErrNotPublic)
	}
	return g.Allowed(ap)
}

// lookup returns host's addresses: host itself when it is an IP literal,
// else what the resolver answers.
func (g *Guard) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	lookup := g.LookupIP
	if lookup == nil {
		lookup = net.DefaultResolver.LookupNetIP
	}
	addrs, err := lookup(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolving %s: no addresses", host)
	}
	return addrs, nil
}

// IPLiteral reports whether host is an IP address, including the forms
// inet_aton reads as IPv4 ("127.1", "2130706433", "0x7f000001"): a host
// whose last label is a number. No top-level domain is numeric (RFC 3696).
func IPLiteral(host string) bool {
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	last := strings.ToLower(labels[len(labels)-1])
	if hex, ok := strings.CutPrefix(last, "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}
