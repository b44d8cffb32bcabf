package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/berth/berth/demo"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/registry"
)

// seedDemo seeds the demo catalog, retrying while the registry is not up
// yet (in the compose stack it starts after Berth), until ctx ends.
func (s *Server) seedDemo(ctx context.Context) {
	for attempt := 1; ; attempt++ {
		err := seed(ctx, s.Backend, s.registryDial, s.service, s.log)
		if err == nil {
			s.demoSeeded.Store(true)
			return
		}
		s.log.Warn("seeding demo catalog failed; retrying", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(time.Duration(attempt)*time.Second, 15*time.Second)):
		}
	}
}

// seed pushes the demo catalog to the registry at registryURL with a token
// Berth signs for itself, straight to the buyer-facing repositories, and
// counter-signs and records each image as it goes: when seed returns,
// every demo image is pullable, carries Berth's signature (naming
// registryHost/repo, as the pipeline's do) and is in the catalog. Nothing
// waits for the registry's notifications, which arrive meanwhile and are
// applied from the job queue.
func seed(ctx context.Context, b *Backend, registryURL, registryHost string, log *slog.Logger) error {
	var access []licensing.Access
	for _, repo := range demo.Repositories() {
		access = append(access, licensing.Access{Type: "repository", Name: repo, Actions: []string{"pull", "push"}})
	}
	tok, err := b.Tokens.Sign(licensing.InternalSubject+"seed", access)
	if err != nil {
		return err
	}
	u, err := url.Parse(registryURL)
	if err != nil {
		return fmt.Errorf("parsing registry URL: %w", err)
	}
	start := time.Now()
	report, err := demo.Seed(ctx, demo.Deps{
		Catalog:    b.Stores.Catalog,
		Publishers: b.Stores.Publishers,
		Registry:   u.Host,
		Auth:       authn.FromConfig(authn.AuthConfig{RegistryToken: tok.Token}),
		Insecure:   u.Scheme == "http",
		Logger:     log,
		Published:  counterSign(b, registryHost),
	})
	if err != nil {
		return fmt.Errorf("seeding demo catalog: %w", err)
	}
	log.Info("demo catalog seeded", "report", fmt.Sprintf("%+v", report), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// counterSign signs a demo image with Berth's key, as the publishing
// pipeline signs what it promotes, and records its tag as signed; a tag
// the catalog already has signed at that digest is left alone.
func counterSign(b *Backend, registryHost string) func(ctx context.Context, repo, tag, digest string) error {
	return func(ctx context.Context, repo, tag, digest string) error {
		if t, err := b.Stores.Tags.Tag(ctx, repo, tag); err == nil && t.Digest == digest && t.Signed {
			return nil
		}
		if err := b.Registry.Attach(ctx, repo, digest, registryHost+"/"+repo, b.Keys.CosignSigner()); err != nil {
			return err
		}
		return b.RecordSignedTag(ctx, repo, tag)
	}
}

// SeedDemo seeds the demo catalog without serving: into the external
// registry when one is configured, else through a registry embedded for
// the duration over the data directory's storage.
func SeedDemo(ctx context.Context, cfg Config, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	registryURL, service := cfg.RegistryURL, cfg.RegistryService
	var ln net.Listener
	if cfg.Embedded() {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fmt.Errorf("listening for the seeding registry: %w", err)
		}
		defer ln.Close()
		registryURL = dialURLFor(ln.Addr())
		service = "berth-seed"
	}
	if service == "" {
		service = hostOf(orDefault(cfg.RegistryPublicURL, cfg.RegistryURL))
	}
	b, err := OpenBackend(ctx, cfg, service, registryURL, "", log)
	if err != nil {
		return err
	}
	defer b.Close(context.WithoutCancel(ctx))
	if ln != nil {
		stop, err := serveSeedRegistry(ctx, cfg, b, ln, service, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	// Berth's signatures name the registry clients pull from, as a
	// serving Berth's do.
	host := orDefault(cfg.RegistryService, hostOf(orDefault(cfg.RegistryPublicURL, orDefault(cfg.RegistryURL, "http://"+cfg.RegistryAddr))))
	return seed(ctx, b, registryURL, host, log)
}

// serveSeedRegistry serves the data directory's registry storage on ln,
// trusting b's keys, with no notifications.
func serveSeedRegistry(ctx context.Context, cfg Config, b *Backend, ln net.Listener, service string, log *slog.Logger) (func(), error) {
	s := &Server{cfg: cfg, Backend: b}
	if err := s.writeTrustBundle(); err != nil {
		return nil, err
	}
	storage, err := cfg.RegistryStorage()
	if err != nil {
		return nil, err
	}
	reg, err := registry.NewEmbedded(ctx, registry.Config{
		Storage:        storage,
		Realm:          "http://localhost/token",
		Service:        service,
		Issuer:         cfg.TokenIssuer,
		RootCertBundle: s.rootCertFile(),
		HTTPSecret:     secret.Token(""),
		Logger:         log,
		Wrap:           b.Gate(log),
	})
	if err != nil {
		return nil, err
	}
	go func() { _ = reg.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = reg.Shutdown(ctx)
	}, nil
}
