package webhooks

import (
	"net/http"
	"time"

	"github.com/berth/berth/internal/netguard"
)

// errNotPublic marks a connection refused before it was made because the
// address is not globally reachable.
var errNotPublic = netguard.ErrNotPublic

// newClient returns the HTTP client deliveries go through. Every address
// it connects to passes d.guard first, and nothing can route around it:
// no proxy (a proxy would resolve and connect for us, out of our sight,
// and HTTP_PROXY in the environment must not change where we post), and no
// redirects (a 3xx answer is the endpoint's answer, recorded as a failure).
func (d *Dispatcher) newClient() *http.Client {
	return &http.Client{
		Timeout: d.cfg.Timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         d.guard.DialContext,
			TLSHandshakeTimeout: 5 * time.Second,
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
