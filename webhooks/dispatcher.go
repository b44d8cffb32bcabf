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
	"time"

	"github.com/berth/berth/internal/netguard"
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
	// Timeout bounds one attempt, from dial to the answer's end (default
	// 10 s).
	Timeout time.Duration
	// LookupIP resolves endpoints' host names (default
	// net.DefaultResolver.LookupNetIP). Every address it answers still
	// passes the private-address check at dial time; tests map names to
	// the addresses they want refused without any DNS.
	LookupIP func(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// DeliveryJob is the kind of job that posts one delivery: one job per
// delivery, keyed by the delivery's ID (see deliveryJobID), so enqueueing
// it again does nothing. The queue's attempts and backoff are the
// delivery's.
const DeliveryJob = "webhook.delivery"

// Queue is what the dispatcher needs of the job queue.
type Queue interface {
	Enqueue(ctx context.Context, kind, id string, payload []byte) (bool, error)
}

// Dispatcher turns events into deliveries, each run by a job on the
// queue, and posts them (Deliver is the jobs' handler).
type Dispatcher struct {
	cfg    Config
	store  Store
	queue  Queue
	client *http.Client
	guard  *netguard.Guard
	log    *slog.Logger
	now    func() time.Time
}

// New returns a Dispatcher that enqueues deliveries on queue; have the
// queue run DeliveryJob with Deliver.
func New(cfg Config, store Store, queue Queue, log *slog.Logger) *Dispatcher {
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.LookupIP == nil {
		cfg.LookupIP = net.DefaultResolver.LookupNetIP
	}
	d := &Dispatcher{cfg: cfg, store: store, queue: queue, log: log, now: time.Now,
		guard: &netguard.Guard{AllowPrivate: cfg.AllowPrivate, LookupIP: cfg.LookupIP}}
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
// it; data becomes the body's "data". Each delivery's job is enqueued
// before its record is written: a process that stops between the two
// leaves a job that writes the record itself, never a record no job will
// deliver.
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
		del := Delivery{ID: id, Endpoint: e.ID, Publisher: publisher, Event: event, Payload: body,
			Status: DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
		job, err := json.Marshal(jobOf(del))
		if err != nil {
			return err
		}
		if _, err := d.queue.Enqueue(ctx, DeliveryJob, deliveryJobID(id), job); err != nil {
			return err
		}
		ds = append(ds, del)
	}
	return d.store.AddDeliveries(ctx, ds)
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
