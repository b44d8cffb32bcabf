package server

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/berth/berth/demo"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/publishing"
	"github.com/berth/berth/registry"
	"github.com/berth/berth/signing"
)

// seedDemo seeds the demo catalog, retrying while the registry is not up
// yet (in the compose stack it starts after Berth), until ctx ends.
func (s *Server) seedDemo(ctx context.Context) {
	for attempt := 1; ; attempt++ {
		err := seed(ctx, s.Backend, s.registryDial, s.log, true)
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
// Berth signs for itself. Through the pipeline (a running server), each
// image goes to its staging repository signed by its demo publisher's key,
// and seed waits until the pipeline has promoted every tag, so that every
// buyer-facing demo image carries Berth's signature.
func seed(ctx context.Context, b *Backend, registryURL string, log *slog.Logger, pipeline bool) error {
	var access []licensing.Access
	for _, repo := range demo.Repositories() {
		access = append(access, licensing.Access{Type: "repository", Name: repo, Actions: []string{"pull", "push"}},
			licensing.Access{Type: "repository", Name: publishing.StagingPrefix + repo, Actions: []string{"pull", "push"}})
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
		Sign:       demoSigner(b, u.Host, pipeline),
	})
	if err != nil {
		return fmt.Errorf("seeding demo catalog: %w", err)
	}
	if pipeline {
		if err := awaitPromotion(ctx, b); err != nil {
			return err
		}
	}
	log.Info("demo catalog seeded", "report", fmt.Sprintf("%+v", report), "took", time.Since(start).Round(time.Millisecond))
	return nil
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
	// No server runs here, so no pipeline: the images go straight to
	// their repositories.
	return seed(ctx, b, registryURL, log, false)
}

// serveSeedRegistry serves the data directory's registry storage on ln,
// trusting b's keys, with no notifications.
func serveSeedRegistry(ctx context.Context, cfg Config, b *Backend, ln net.Listener, service string, log *slog.Logger) (func(), error) {
	s := &Server{cfg: cfg, Backend: b}
	if err := s.writeTrustBundle(); err != nil {
		return nil, err
	}
	reg, err := registry.NewEmbedded(ctx, registry.Config{
		RootDirectory:  filepath.Join(cfg.DataDir, "registry"),
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

// demoSigner signs staged demo images as their publishers would, with a
// key derived from the publisher's namespace (the demo's keys are no
// secret), registered with the publisher on first use; nil when not
// publishing through the pipeline.
func demoSigner(b *Backend, registryHost string, pipeline bool) func(ctx context.Context, stagingRepo, digest string) error {
	if !pipeline || b.Registry == nil {
		return nil
	}
	var mu sync.Mutex
	registered := map[string]bool{}
	return func(ctx context.Context, stagingRepo, digest string) error {
		target, ok := publishing.Target(stagingRepo)
		if !ok {
			return fmt.Errorf("%s is not a staging repository", stagingRepo)
		}
		ns, _, _ := strings.Cut(target, "/")
		seed := sha256.Sum256([]byte("berth demo publisher key: " + ns))
		key := ed25519.NewKeyFromSeed(seed[:])
		mu.Lock()
		done := registered[ns]
		mu.Unlock()
		if !done {
			pub, err := b.Stores.Publishers.PublisherByNamespace(ctx, ns)
			if err != nil {
				return fmt.Errorf("the demo publisher of %s: %w", ns, err)
			}
			pemKey, err := signing.MarshalPublicKey(key.Public())
			if err != nil {
				return err
			}
			err = b.Stores.Publishers.AddKey(ctx, publisher.Key{ID: signing.Fingerprint(key.Public()), Publisher: pub.ID,
				Name: "demo release key", PEM: string(pemKey), CreatedAt: time.Now().UTC()})
			if err != nil && !errors.Is(err, publisher.ErrConflict) {
				return fmt.Errorf("registering the demo key of %s: %w", pub.Slug, err)
			}
			mu.Lock()
			registered[ns] = true
			mu.Unlock()
		}
		return b.Registry.Attach(ctx, stagingRepo, digest, registryHost+"/"+stagingRepo, key)
	}
}

// awaitPromotion waits until every demo tag points at its image in its
// buyer-facing repository.
func awaitPromotion(ctx context.Context, b *Backend) error {
	want, err := demo.Tags()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(3 * time.Minute)
	for ref, digest := range want {
		repo, tag, _ := strings.Cut(ref, ":")
		for {
			got, err := b.Registry.Resolve(ctx, repo, tag)
			if err == nil && got == digest {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("demo image %s not promoted within 3 minutes (see the publisher's uploads)", ref)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}
