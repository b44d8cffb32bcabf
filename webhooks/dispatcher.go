package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/berth/berth/internal/secret"
)

// SecretPrefix starts every endpoint's signing secret.
const SecretPrefix = "whsec_"

// Config sets delivery.
type Config struct {
	// Master derives each endpoint's signing secret (HMAC of the endpoint
	// ID), so that no secret is stored: the publisher is shown it once.
	Master []byte
	// AllowPrivate lets endpoints resolve to loopback and private
	// addresses (tests, and installations that want it); by default Berth
	// refuses to post into its own network.
	AllowPrivate bool
	// MaxAttempts bounds retries of one delivery (default 8).
	MaxAttempts int
	// Timeout bounds one attempt, from dial to the answer's end (default
	// 10 s).
	Timeout time.Duration
	// LookupIP resolves endpoints' host names (default
	// net.DefaultResolver.LookupNetIP). Every address it answers still
	// passes the private-address check at dial time; tests map names to
	// the addresses they want refused without any DNS.
	LookupIP func(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dispatcher turns events into deliveries and posts them.
type Dispatcher struct {
	cfg    Config
	store  Store
	client *http.Client
	dialer *net.Dialer
	// dialGuard, when set (only by tests), has the last word on every
	// address that passed control, so that no test ever dials out.
	dialGuard func(netip.AddrPort) error
	log       *slog.Logger
	now       func() time.Time
	wake      chan struct{}
	mu        sync.Mutex
}

// New returns a Dispatcher; call Run to deliver.
func New(cfg Config, store Store, log *slog.Logger) *Dispatcher {
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.LookupIP == nil {
		cfg.LookupIP = net.DefaultResolver.LookupNetIP
	}
	d := &Dispatcher{cfg: cfg, store: store, log: log, now: time.Now, wake: make(chan struct{}, 1)}
	d.client = d.newClient()
	return d
}

// Secret returns an endpoint's signing secret.
func (d *Dispatcher) Secret(endpointID string) string {
	m := hmac.New(sha256.New, d.cfg.Master)
	m.Write([]byte("berth webhook endpoint " + endpointID))
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Sign returns the Berth-Signature header of body sent at t with secret:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// AddEndpoint registers an endpoint and returns it with its secret, shown
// this once. A URL or event it cannot take is an InvalidError.
func (d *Dispatcher) AddEndpoint(ctx context.Context, publisher, rawURL string, events []string) (Endpoint, string, error) {
	if err := d.ValidURL(rawURL); err != nil {
		return Endpoint{}, "", &InvalidError{Field: "url", Message: err.Error()}
	}
	if len(events) == 0 {
		events = slices.Clone(Events)
	}
	for _, e := range events {
		if !slices.Contains(Events, e) {
			return Endpoint{}, "", &InvalidError{Field: "events", Message: fmt.Sprintf("event %q is not one of %v", e, Events)}
		}
	}
	e := Endpoint{ID: secret.ID(), Publisher: publisher, URL: rawURL, Events: events, CreatedAt: d.now().UTC()}
	if err := d.store.AddEndpoint(ctx, e); err != nil {
		return Endpoint{}, "", err
	}
	return e, d.Secret(e.ID), nil
}

// Emit records event for every endpoint of the publisher that asked for
// it; data becomes the body's "data".
func (d *Dispatcher) Emit(ctx context.Context, publisher, event string, data any) error {
	if d == nil {
		return nil
	}
	eps, err := d.store.Endpoints(ctx, publisher)
	if err != nil {
		return err
	}
	now := d.now().UTC()
	var ds []Delivery
	for _, e := range eps {
		if !slices.Contains(e.Events, event) {
			continue
		}
		id := secret.ID()
		body, err := json.Marshal(map[string]any{"id": id, "type": event, "created": now.Unix(), "data": data})
		if err != nil {
			return err
		}
		ds = append(ds, Delivery{ID: id, Endpoint: e.ID, Publisher: publisher, Event: event, Payload: body,
			Status: DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now})
	}
	if len(ds) == 0 {
		return nil
	}
	if err := d.store.AddDeliveries(ctx, ds); err != nil {
		return err
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return nil
}

// Run delivers due deliveries whenever woken and at least every second,
// until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if err := d.RunDue(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("webhook delivery pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-tick.C:
		}
	}
}

// RunDue attempts every delivery due now.
func (d *Dispatcher) RunDue(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	due, err := d.store.DueDeliveries(ctx, d.now().UTC(), 64)
	if err != nil {
		return err
	}
	endpoints := map[string]Endpoint{}
	for _, del := range due {
		ep, ok := endpoints[del.Endpoint]
		if !ok {
			eps, err := d.store.Endpoints(ctx, del.Publisher)
			if err != nil {
				return err
			}
			for _, e := range eps {
				endpoints[e.ID] = e
			}
			ep, ok = endpoints[del.Endpoint]
		}
		if !ok {
			del.Status, del.LastError = DeliveryFailed, reasonNoEndpoint
		} else {
			d.attempt(ctx, ep, &del)
		}
		del.UpdatedAt = d.now().UTC()
		if err := d.store.UpdateDelivery(ctx, del); err != nil {
			return err
		}
	}
	return nil
}

// Endpoints returns a publisher's endpoints.
func (d *Dispatcher) Endpoints(ctx context.Context, publisher string) ([]Endpoint, error) {
	return d.store.Endpoints(ctx, publisher)
}

// DeleteEndpoint removes one of a publisher's endpoints.
func (d *Dispatcher) DeleteEndpoint(ctx context.Context, publisher, id string) error {
	return d.store.DeleteEndpoint(ctx, publisher, id)
}

// Deliveries returns an endpoint's latest deliveries, if the endpoint is
// the publisher's.
func (d *Dispatcher) Deliveries(ctx context.Context, publisher, endpoint string, limit int) ([]Delivery, error) {
	eps, err := d.store.Endpoints(ctx, publisher)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(eps, func(e Endpoint) bool { return e.ID == endpoint }) {
		return nil, ErrNotFound
	}
	return d.store.Deliveries(ctx, endpoint, limit)
}
