package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/berth/berth/frontend"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/registry"
)

// shutdownGrace bounds how long a stopping server waits for registry
// requests in flight (a layer upload may take a while) and the database.
const shutdownGrace = 10 * time.Second

// webGrace bounds the wait for web requests in flight, which are short;
// connections still open after it are closed.
const webGrace = 3 * time.Second

// Server is a running Berth: web and API, token server, and (unless an
// external registry is configured) the embedded registry.
type Server struct {
	cfg     Config
	log     *slog.Logger
	Backend *Backend

	web    *fiber.App
	routes []frontend.Route
	webLn  *trackingListener
	reg    registryServer
	regLn  net.Listener

	// PublicURL is where clients reach the store; RegistryURL where they
	// reach the registry; registryDial where this process reaches it.
	PublicURL    string
	RegistryURL  string
	registryDial string
	service      string
	notifyToken  string
	notifyURL    string // where the embedded registry posts its events
	demoSeeded   atomic.Bool
	background   sync.WaitGroup // work that must end before the database closes
	httpClient   *http.Client
}

// Routes lists every route of the web app and API with the permission it
// declares, and the fiber app's own list of registered routes (method and
// path), so that a test can prove that none was registered undeclared.
func (s *Server) Routes() ([]frontend.Route, [][2]string) {
	var registered [][2]string
	for _, r := range s.web.GetRoutes(true) {
		registered = append(registered, [2]string{r.Method, r.Path})
	}
	return s.routes, registered
}

// New opens the listeners, the database and the registry. Nothing is served
// until Run. ctx bounds the registry's background work.
func New(ctx context.Context, cfg Config, log *slog.Logger) (_ *Server, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, httpClient: &http.Client{Timeout: 5 * time.Second}}
	defer func() {
		if err != nil {
			s.closeListeners()
		}
	}()
	if err := s.listen(); err != nil {
		return nil, err
	}
	if s.Backend, err = OpenBackend(ctx, cfg, s.service, s.registryDial, s.PublicURL, log); err != nil {
		return nil, err
	}
	if s.Backend.Registry != nil {
		s.Backend.openBuilds(cfg, s.RegistryURL, s.PublicURL)
	}
	if err := s.writeTrustBundle(); err != nil {
		_ = s.Backend.Close(ctx)
		return nil, err
	}
	if err := s.build(ctx); err != nil {
		_ = s.Backend.Close(ctx)
		return nil, err
	}
	return s, nil
}

// listen opens the web (and embedded registry) listeners and derives the
// URLs clients are told.
func (s *Server) listen() error {
	var err error
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("BERTH_ADDR: listening on %s: %w", s.cfg.Addr, err)
	}
	s.webLn = track(ln)
	s.PublicURL = orDefault(s.cfg.PublicURL, publicURLFor(s.webLn.Addr()))
	// The registry's address is Berth's either way: the embedded registry,
	// or the front of an external one (BERTH_REGISTRY_URL).
	if s.regLn, err = net.Listen("tcp", s.cfg.RegistryAddr); err != nil {
		return fmt.Errorf("BERTH_REGISTRY_ADDR: listening on %s: %w", s.cfg.RegistryAddr, err)
	}
	s.RegistryURL = orDefault(s.cfg.RegistryPublicURL, publicURLFor(s.regLn.Addr()))
	s.registryDial = dialURLFor(s.regLn.Addr())
	u, _ := url.Parse(s.RegistryURL)
	s.service = orDefault(s.cfg.RegistryService, u.Host)
	return nil
}

func orDefault(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// rootCertFile is where registries find the certificates they trust.
func (s *Server) rootCertFile() string {
	return orDefault(s.cfg.RootCertFile, filepath.Join(s.cfg.DataDir, "keys", "root-certs.pem"))
}

// writeTrustBundle writes the root certificate for registries, atomically.
// It is public, but like every file Berth writes it is its owner's only
// (0600, in a 0700 directory when Berth creates it): a registry in another
// container reads it as root, or its operator loosens it.
func (s *Server) writeTrustBundle() error {
	path := s.rootCertFile()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("BERTH_ROOT_CERT_FILE: %w", err)
	}
	tmp := path + ".tmp"
	// A leftover temporary file would keep its mode through WriteFile.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("BERTH_ROOT_CERT_FILE: %w", err)
	}
	if err := os.WriteFile(tmp, s.Backend.Keys.RootPEM(), 0o600); err != nil {
		return fmt.Errorf("BERTH_ROOT_CERT_FILE: writing trust bundle: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("BERTH_ROOT_CERT_FILE: %w", err)
	}
	return nil
}

// registryServer is the embedded registry or the front of an external one.
type registryServer interface {
	Serve(ln net.Listener) error
	Shutdown(ctx context.Context) error
}

// build makes the registry and the web application.
func (s *Server) build(ctx context.Context) error {
	s.notifyToken = s.cfg.NotifySecret
	if s.cfg.Embedded() {
		if s.notifyToken == "" {
			s.notifyToken = secret.Token("")
		}
		s.notifyURL = dialURLFor(s.webLn.Addr()) + "/internal/registry/events"
		storage, err := s.cfg.RegistryStorage()
		if err != nil {
			return err
		}
		reg, err := registry.NewEmbedded(ctx, registry.Config{
			Storage:        storage,
			Realm:          s.PublicURL + "/token",
			Service:        s.service,
			Issuer:         s.cfg.TokenIssuer,
			RootCertBundle: s.rootCertFile(),
			NotifyURL:      s.notifyURL,
			NotifyToken:    s.notifyToken,
			HTTPSecret:     secret.Token(""),
			Logger:         s.log,
			Wrap:           s.Backend.Gate(s.log),
		})
		if err != nil {
			return err
		}
		s.reg = reg
	} else {
		front, err := registry.NewFront(s.cfg.RegistryURL, s.Backend.Gate(s.log), s.log)
		if err != nil {
			return err
		}
		s.reg = front
	}
	proxies, _ := s.cfg.trustedProxies() // validated in New
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	web, routes, err := frontend.New(frontend.Deps{
		Access:       s.Backend.Access,
		Security:     s.Backend.Security,
		Accounts:     s.Backend.Accounts,
		Licenses:     s.Backend.Licenses,
		Billing:      s.Backend.Billing,
		Tokens:       s.Backend.Tokens,
		Keys:         s.Backend.Keys,
		Handovers:    s.Backend.Handovers,
		Products:     s.Backend.Stores.Catalog,
		Repositories: s.Backend.Repositories,
		Community:    s.Backend.Community,
		Stars:        s.Backend.Stores.Stars,
		Tags:         s.Backend.Stores.Tags,
		Events:       s.Backend.Events,
		Webhooks:     s.Backend.Webhooks,
		Builds:       s.Backend.Builds,
		Jobs:         s.Backend.Jobs,
		Publishers: &frontend.Supply{Service: s.Backend.Publishers, BuildKeys: s.Backend.BuildKeys, Listings: s.Backend.Listings, Analytics: s.Backend.Analytics,
			Withdrawals: s.Backend.Withdrawals},
		Registry:     s.Backend.Registry,
		RegistryHost: hostOf(s.RegistryURL),
		PublicURL:    s.PublicURL,
		TokenIssuer:  s.cfg.TokenIssuer,
		NotifyToken:  s.notifyToken,
		Ready:        s.ready,
		Metrics:      metrics,
		Logger:       s.log,
		// Trusted load balancers' X-Forwarded-For names the client.
		TrustedProxies: proxies,
		Directory:      s.Backend.Directory.frontend(s.Backend.Sealer),
	})
	s.web, s.routes = web, routes
	return err
}

func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	return u.Host
}

// ready checks the database, the registry and, with --demo, the seed.
func (s *Server) ready(ctx context.Context) error {
	if err := s.Backend.Stores.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if err := registry.Ping(ctx, s.httpClient, s.registryDial); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	if s.cfg.Demo && !s.demoSeeded.Load() {
		return errors.New("demo catalog is still being seeded")
	}
	return nil
}

// Run serves until ctx ends, then shuts down within shutdownGrace.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- s.web.Listener(s.webLn) }()
	if s.reg != nil {
		go func() { errc <- s.reg.Serve(s.regLn) }()
	}
	s.log.Info("berth is listening", "web", s.PublicURL, "registry", s.RegistryURL,
		"token_realm", s.PublicURL+"/token", "service", s.service, "database", s.databaseName())
	runCtx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	tasks := []func(context.Context){s.sweep, s.reloadKeys, s.syncTags, s.Backend.Jobs.Run, s.syncDirectory}
	if s.Backend.Pipeline != nil {
		tasks = append(tasks, s.Backend.Pipeline.Resume)
	}
	if s.Backend.BuildJobs != nil {
		tasks = append(tasks, s.Backend.BuildJobs.Run)
	}
	if s.cfg.Demo {
		tasks = append(tasks, s.seedDemo)
	}
	for _, task := range tasks {
		s.background.Add(1)
		go func() { defer s.background.Done(); task(runCtx) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("serving: %w", err)
	}
	stopBackground()
	return errors.Join(err, s.shutdown())
}

func (s *Server) databaseName() string {
	if s.cfg.MongoURI != "" {
		return "mongodb (database " + s.cfg.MongoDatabase + ")"
	}
	return "sqlite " + filepath.Join(s.cfg.DataDir, "berth.db")
}

// shutdown stops the registry first, so that pulls in flight can still get
// tokens, and waits for its notifications to reach the web side (which
// stores them as jobs for the next start); then the web side; then, once background work has ended, the database. Each stage has
// its own grace period.
func (s *Server) shutdown() error {
	var errs []error
	stage := func(what string, grace time.Duration, stop func(context.Context) error) {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		start := time.Now()
		if err := stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
		s.log.Debug("shutdown stage done", "stage", what, "took", time.Since(start))
	}
	if s.reg != nil {
		stage("stopping registry", shutdownGrace, s.reg.Shutdown)
	}
	if s.notifyURL != "" {
		stage("delivering the registry's last events", webGrace, func(ctx context.Context) error {
			return registry.DrainNotifications(ctx, s.notifyURL)
		})
	}
	stage("stopping web", webGrace, s.stopWeb)
	s.background.Wait()
	stage("closing database", shutdownGrace, s.Backend.Close)
	s.log.Info("berth stopped")
	return errors.Join(errs...)
}

// stopWeb stops the web side gracefully; connections a client still holds
// open without a request when the grace period ends are closed.
func (s *Server) stopWeb(ctx context.Context) error {
	err := s.web.ShutdownWithContext(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("closing web connections still open after the grace period", "connections", s.webLn.closeAll())
		return nil
	}
	return err
}

func (s *Server) closeListeners() {
	if s.webLn != nil {
		s.webLn.Close()
	}
	if s.regLn != nil {
		s.regLn.Close()
	}
}
