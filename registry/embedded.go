// Package registry embeds the CNCF distribution registry in Berth's process
// and holds Berth's own dealings with a registry: readiness, notifications.
package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"

	// The token access controller registers itself with distribution's
	// factory when imported (the storage drivers: storage.go).
	_ "github.com/distribution/distribution/v3/registry/auth/token"
)

// Config is what the embedded registry needs from Berth.
type Config struct {
	Storage        Storage // where content is kept (FilesystemStorage, LoadStorage)
	Realm          string  // token endpoint clients are sent to
	Service        string  // audience tokens are issued for
	Issuer         string  // issuer tokens must carry
	RootCertBundle string  // PEM file of the certificates token chains must reach
	NotifyURL      string  // where push and pull events are posted
	NotifyToken    string  // bearer token sent with each notification
	HTTPSecret     string  // signs upload state between requests
	Logger         *slog.Logger
	// Wrap, when set, puts Berth's own handler in front of distribution's.
	Wrap func(http.Handler) http.Handler
}

// Embedded is a distribution registry served from Berth's process.
type Embedded struct {
	handler  http.Handler
	server   *http.Server
	stopLogs func()
}

// NewEmbedded builds the registry application. distribution panics on bad
// configuration; that becomes an error here.
func NewEmbedded(ctx context.Context, cfg Config) (e *Embedded, err error) {
	stopLogs := routeLogs(cfg.Logger, cfg.NotifyURL)
	defer func() {
		if r := recover(); r != nil {
			stopLogs()
			err = fmt.Errorf("starting embedded registry: %v", r)
		}
	}()
	app := handlers.NewApp(ctx, configurationOf(cfg))
	h := http.Handler(app)
	if cfg.Wrap != nil {
		h = cfg.Wrap(h)
	}
	return &Embedded{
		handler: h,
		server: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
		},
		stopLogs: stopLogs,
	}, nil
}

func configurationOf(cfg Config) *configuration.Configuration {
	c := &configuration.Configuration{Version: "0.1"}
	c.Log.Level = "warn"
	c.HTTP.Secret = cfg.HTTPSecret
	c.HTTP.Headers = http.Header{"X-Content-Type-Options": []string{"nosniff"}}
	c.Storage = withBerthSettings(cfg.Storage)
	// Layers with foreign URLs (non-distributable layers) are accepted
	// when the URLs are https: clients fetch and verify them by digest.
	// distribution's default refuses every URL, and answers 500.
	c.Validation.Manifests.URLs.Allow = []string{"^https://"}
	// Berth's gate checks that an index's manifests exist, by any digest
	// (distribution finds a manifest by its sha256 digest only).
	c.Validation.Manifests.Indexes.Platforms = "none"
	c.Auth = configuration.Auth{"token": configuration.Parameters{
		"realm":          cfg.Realm,
		"service":        cfg.Service,
		"issuer":         cfg.Issuer,
		"rootcertbundle": cfg.RootCertBundle,
		// Pin the algorithm, or distribution accepts HS* tokens too.
		"signingalgorithms": []any{"ES256"},
	}}
	if cfg.NotifyURL != "" {
		c.Notifications.Endpoints = []configuration.Endpoint{{
			Name:    "berth",
			URL:     cfg.NotifyURL,
			Headers: http.Header{"Authorization": []string{"Bearer " + cfg.NotifyToken}},
			Timeout: 5 * time.Second,
			// distribution (v3.1.x has no maxretries) retries an event that
			// is not answered 2xx for ever, the first Threshold tries at
			// once, then one try per Backoff, holding up the events behind
			// it. Berth answers 202 once an event is stored, and accepts
			// an event it failed to store registry.MaxDeliveries times
			// (about a minute at these settings), logging what was lost.
			Threshold: 3,
			Backoff:   3 * time.Second,
			// Blob events are noise: Berth counts manifests.
			Ignore: configuration.Ignore{MediaTypes: []string{"application/octet-stream"}},
		}}
	}
	return c
}

// Handler returns the registry's HTTP handler, for wrapping or tests.
func (e *Embedded) Handler() http.Handler { return e.handler }

// Serve answers registry requests on ln until Shutdown.
func (e *Embedded) Serve(ln net.Listener) error {
	if err := e.server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving registry: %w", err)
	}
	return nil
}

// Shutdown stops accepting requests and waits for those in flight until ctx ends.
// Its notification sinks, which distribution never closes, go quiet.
func (e *Embedded) Shutdown(ctx context.Context) error {
	defer e.stopLogs()
	return e.server.Shutdown(ctx)
}
