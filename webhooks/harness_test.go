package webhooks_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/jobs"
	jobssqlite "github.com/berth/berth/jobs/sqlitestore"
	"github.com/berth/berth/webhooks"
	"github.com/berth/berth/webhooks/sqlitestore"
)

// harness is a real Dispatcher on a real SQLite store, its deliveries run
// by a real job queue on the same database, with a resolver that knows
// only the names a test gives it and a dial guard that lets nothing but
// loopback connect.
type harness struct {
	d    *webhooks.Dispatcher
	q    *jobs.Queue
	logs *syncBuffer

	mu     sync.Mutex
	dialed []netip.AddrPort // addresses that passed the private-address check
}

// newHarness builds a harness; names maps host names to the addresses the
// resolver answers. A name it does not know fails the way a resolver does,
// naming an internal DNS server a publisher must not learn of.
func newHarness(t *testing.T, cfg webhooks.Config, names map[string][]netip.Addr) *harness {
	t.Helper()
	return newHarnessWith(t, cfg, jobs.Config{}, names)
}

// newHarnessWith is newHarness with the job queue configured by qcfg.
func newHarnessWith(t *testing.T, cfg webhooks.Config, qcfg jobs.Config, names map[string][]netip.Addr) *harness {
	t.Helper()
	db := sqldbtest.Open(t)
	store := storetesting.NewStore(t, db, sqlitestore.New)
	jobStore := storetesting.NewStore(t, db, jobssqlite.New)
	cfg.Master = []byte("webhook test master key")
	cfg.LookupIP = func(_ context.Context, _, host string) ([]netip.Addr, error) {
		if addrs, ok := names[host]; ok {
			return addrs, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, Server: "10.9.8.7:53", IsNotFound: true}
	}
	h := &harness{logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.q = jobs.New(qcfg, jobStore, log)
	h.d = webhooks.New(cfg, store, h.q, log)
	h.q.Handle(webhooks.DeliveryJob, h.d.Deliver)
	webhooks.GuardDials(h.d, func(ap netip.AddrPort) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.dialed = append(h.dialed, ap)
		if !ap.Addr().IsLoopback() {
			return fmt.Errorf("test guard: the check let %s through; not connecting", ap)
		}
		return nil
	})
	return h
}

// dials returns the addresses that passed the private-address check.
func (h *harness) dials() []netip.AddrPort {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]netip.AddrPort(nil), h.dialed...)
}

// deliverOnce registers url for a publisher, emits one event to it, runs
// the jobs due (one attempt: a retry is not yet due) and returns the
// delivery as stored, with the endpoint.
func (h *harness) deliverOnce(t *testing.T, url string) (webhooks.Delivery, webhooks.Endpoint) {
	t.Helper()
	ctx := context.Background()
	ep, _, err := h.d.AddEndpoint(ctx, "pub-1", url, []string{webhooks.EventPull})
	if err != nil {
		t.Fatalf("AddEndpoint(%s): %v", url, err)
	}
	if err := h.d.Emit(ctx, "pub-1", webhooks.EventPull, map[string]string{"tag": "1.0"}); err != nil {
		t.Fatalf("Emit: %v", err)
	}
	if err := h.q.RunDue(ctx); err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	ds, err := h.d.Deliveries(ctx, "pub-1", ep.ID, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("Deliveries: %v %+v, want one", err, ds)
	}
	return ds[0], ep
}

// counter is a loopback HTTP server that answers every request with its
// handler and counts the requests.
type counter struct {
	*httptest.Server
	mu   sync.Mutex
	hits int
}

func newCounter(t *testing.T, handler http.HandlerFunc) *counter {
	c := &counter{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.hits++
		c.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *counter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits
}

// port is c's loopback port.
func (c *counter) port() uint16 {
	return netip.MustParseAddrPort(c.Listener.Addr().String()).Port()
}

// syncBuffer is a log sink safe for the client's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}
