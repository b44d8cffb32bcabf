package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/berth/berth/registry/errcode"
)

// Front serves an external registry's API through Berth: a streaming reverse
// proxy (no body limit, nothing buffered) behind Berth's own handler, so that
// what registry token scopes cannot say (tags a license covers, pull quotas,
// pull attribution) is enforced in production exactly as with the embedded
// registry. The upstream still checks every token itself.
type Front struct {
	server *http.Server
}

// NewFront proxies to upstream (http://registry:5000), wrapped by wrap.
func NewFront(upstream string, wrap func(http.Handler) http.Handler, log *slog.Logger) (*Front, error) {
	target, err := url.Parse(upstream)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("BERTH_REGISTRY_URL: not a URL: %q", upstream)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			// The registry builds upload locations from Host and
			// X-Forwarded-*: keep the address the client used.
			r.Out.Host = r.In.Host
			r.SetXForwarded()
		},
		// Stream layers as they come.
		FlushInterval: -1,
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log.Warn("registry upstream failed", "method", r.Method, "path", r.URL.Path, "err", err)
			errcode.Write(w, http.StatusBadGateway, errcode.Unavailable, "the registry behind Berth did not answer; try again")
		},
	}
	h := http.Handler(proxy)
	if wrap != nil {
		h = wrap(h)
	}
	return &Front{server: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}}, nil
}

// Serve answers registry requests on ln until Shutdown.
func (f *Front) Serve(ln net.Listener) error {
	if err := f.server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving registry front: %w", err)
	}
	return nil
}

// Shutdown stops accepting requests and waits for those in flight until ctx ends.
func (f *Front) Shutdown(ctx context.Context) error {
	return f.server.Shutdown(ctx)
}
