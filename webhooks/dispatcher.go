package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"syscall"
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
	// MaxAttempts bounds retries of one delivery.
	MaxAttempts int
}

// Dispatcher turns events into deliveries and posts them.
type Dispatcher struct {
	cfg    Config
	store  Store
	client *http.Client
	log    *slog.Logger
	now    func() time.Time
	wake   chan struct{}
	mu     sync.Mutex
}

// New returns a Dispatcher; call Run to deliver.
func New(cfg Config, store Store, log *slog.Logger) *Dispatcher {
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 8
	}
	d := &Dispatcher{cfg: cfg, store: store, log: log, now: time.Now, wake: make(chan struct{}, 1)}
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: d.refusePrivate}
	d.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext},
		// A redirect could lead into the private network.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return d
}

// refusePrivate stops connections to loopback, private and link-local
// addresses unless allowed: endpoint URLs come from publishers.
func (d *Dispatcher) refusePrivate(_, address string, _ syscall.RawConn) error {
	if d.cfg.AllowPrivate {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() {
		return fmt.Errorf("refusing to post to %s: a private address", ip)
	}
	return nil
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

// ValidURL reports why an endpoint URL is not acceptable: it must be an
// absolute https URL, or http when private addresses are allowed.
func (d *Dispatcher) ValidURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || len(raw) > 2000 {
		return errors.New("url must be an absolute http(s) URL without credentials")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && d.cfg.AllowPrivate) {
		return errors.New("url must use https")
	}
	return nil
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
			del.Status, del.LastError = DeliveryFailed, "the endpoint was deleted"
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

// attempt posts one delivery and records the outcome.
func (d *Dispatcher) attempt(ctx context.Context, ep Endpoint, del *Delivery) {
	del.Attempts++
	now := d.now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(del.Payload))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Berth-Webhooks/1")
		req.Header.Set("Berth-Event", del.Event)
		req.Header.Set("Berth-Delivery", del.ID)
		req.Header.Set("Berth-Signature", Sign(d.Secret(ep.ID), now, del.Payload))
		var resp *http.Response
		if resp, err = d.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			del.LastStatus = resp.StatusCode
			if resp.StatusCode >= 200 && resp.StatusCode < 300 {
				del.Status, del.LastError = DeliveryDelivered, ""
				return
			}
			err = fmt.Errorf("the endpoint answered %d", resp.StatusCode)
		}
	}
	del.LastError = err.Error()
	if del.Attempts >= d.cfg.MaxAttempts {
		del.Status = DeliveryFailed
		return
	}
	// 1 s, 2 s, 4 s … up to an hour.
	del.NextAttemptAt = now.UTC().Add(min(time.Second<<min(del.Attempts-1, 12), time.Hour))
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
