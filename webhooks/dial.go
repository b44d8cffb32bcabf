package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// errNotPublic marks a connection refused before it was made because the
// address is not globally reachable.
var errNotPublic = errors.New("the address is not public")

// newClient returns the HTTP client deliveries go through. Every address
// it connects to passes d.control first, and nothing can route around it:
// no proxy (a proxy would resolve and connect for us, out of our sight,
// and HTTP_PROXY in the environment must not change where we post), and no
// redirects (a 3xx answer is the endpoint's answer, recorded as a failure).
func (d *Dispatcher) newClient() *http.Client {
	d.dialer = &net.Dialer{Timeout: 5 * time.Second, Control: d.control}
	return &http.Client{
		Timeout: d.cfg.Timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         d.dial,
			TLSHandshakeTimeout: 5 * time.Second,
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// dial resolves address's host with the configured resolver and connects
// to its addresses in turn; d.control refuses each one that is not public
// before it connects.
func (d *Dispatcher) dial(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("splitting %q: %w", address, err)
	}
	addrs, err := d.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, a := range addrs {
		conn, err := d.dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
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

// resolve returns host's addresses: host itself when it is an IP literal,
// else what the configured resolver answers.
func (d *Dispatcher) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	addrs, err := d.cfg.LookupIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolving %s: no addresses", host)
	}
	return addrs, nil
}

// control is the dialer's last word on each address, called after the
// socket is made and before it connects: it refuses addresses that are not
// globally reachable unless private ones are allowed.
func (d *Dispatcher) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing %q, not an address: %w", address, errNotPublic)
	}
	if !d.cfg.AllowPrivate && !globallyReachable(ap.Addr()) {
		return fmt.Errorf("refusing to connect to %s: %w", ap.Addr(), errNotPublic)
	}
	if d.dialGuard != nil {
		return d.dialGuard(ap)
	}
	return nil
}
