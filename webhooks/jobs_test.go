package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/berth/berth/jobs"
	"github.com/berth/berth/webhooks"
)

// TestDeadDeliveryRetriedFromTheQueue: a delivery whose attempts are used
// up is failed, its job a dead letter; retried through the queue, it is
// posted again with the same Berth-Delivery ID (the body's "id", what a
// receiver de-duplicates by), delivered, and its history keeps counting.
func TestDeadDeliveryRetriedFromTheQueue(t *testing.T) {
	ctx := context.Background()
	var (
		mu   sync.Mutex
		ids  []string
		down = true
	)
	receiver := newCounter(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b struct{ ID string }
		_ = json.Unmarshal(body, &b)
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Berth-Delivery") != b.ID {
			t.Errorf("Berth-Delivery %q, body id %q; want them equal", r.Header.Get("Berth-Delivery"), b.ID)
		}
		ids = append(ids, b.ID)
		if down {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	h := newHarnessWith(t, webhooks.Config{AllowPrivate: true}, jobs.Config{MaxAttempts: 1}, nil)
	del, ep := h.deliverOnce(t, receiver.URL+"/hook")
	if del.Status != webhooks.DeliveryFailed || del.Attempts != 1 || del.LastStatus != 503 {
		t.Fatalf("delivery after its only attempt: %+v; want failed, 503", del)
	}
	dead, err := h.q.Failed(ctx, webhooks.DeliveryJob, 10, 0)
	if err != nil || len(dead) != 1 || !strings.Contains(dead[0].ID, del.ID) || dead[0].LastError != "the endpoint answered HTTP 503" {
		t.Fatalf("dead letters %+v, %v; want the delivery's job with the endpoint's answer", dead, err)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if _, err := h.q.Retry(ctx, dead[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := h.q.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	ds, err := h.d.Deliveries(ctx, "pub-1", ep.ID, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("Deliveries: %v %+v", err, ds)
	}
	if d := ds[0]; d.Status != webhooks.DeliveryDelivered || d.Attempts != 2 || d.LastStatus != 200 || d.LastError != "" {
		t.Errorf("delivery after the retry: %+v; want delivered on attempt 2", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 2 || ids[0] != del.ID || ids[1] != del.ID {
		t.Errorf("the receiver saw delivery IDs %q, want %s twice", ids, del.ID)
	}
	if logs := h.logs.String(); strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "level=WARN") {
		t.Errorf("an endpoint's failure was logged above INFO:\n%s", logs)
	}
}

// TestDeletedEndpointFailsItsDelivery: a delivery whose endpoint was
// deleted before its attempt fails at once, saying so, without a retry.
func TestDeletedEndpointFailsItsDelivery(t *testing.T) {
	ctx := context.Background()
	receiver := newCounter(t, func(http.ResponseWriter, *http.Request) {})
	h := newHarness(t, webhooks.Config{AllowPrivate: true}, nil)
	ep, _, err := h.d.AddEndpoint(ctx, "pub-1", receiver.URL+"/hook", nil)
	must(t, err)
	must(t, h.d.Emit(ctx, "pub-1", webhooks.EventPull, map[string]string{"tag": "1.0"}))
	must(t, h.d.DeleteEndpoint(ctx, "pub-1", ep.ID))
	must(t, h.q.RunDue(ctx))
	dead, err := h.q.Failed(ctx, webhooks.DeliveryJob, 10, 0)
	if err != nil || len(dead) != 1 || dead[0].Attempts != 1 || dead[0].LastError != "the endpoint was deleted" {
		t.Errorf("dead letters %+v, %v; want the delivery's job, failed at its first attempt", dead, err)
	}
	if receiver.count() != 0 {
		t.Errorf("the deleted endpoint's receiver got %d requests", receiver.count())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestJobWritesAMissingRecord: a delivery whose job was enqueued but whose
// record was never written (Emit stopped between the two) is delivered,
// and its record written, by the job; enqueueing it again is a no-op.
func TestJobWritesAMissingRecord(t *testing.T) {
	ctx := context.Background()
	receiver := newCounter(t, func(http.ResponseWriter, *http.Request) {})
	h := newHarness(t, webhooks.Config{AllowPrivate: true}, nil)
	ep, _, err := h.d.AddEndpoint(ctx, "pub-1", receiver.URL+"/hook", nil)
	must(t, err)
	del := webhooks.Delivery{ID: "d-1", Endpoint: ep.ID, Publisher: "pub-1", Event: webhooks.EventPull, Payload: []byte(`{"id":"d-1"}`)}
	must(t, webhooks.EnqueueOnly(ctx, h.d, del))
	must(t, webhooks.EnqueueOnly(ctx, h.d, del))
	must(t, h.q.RunDue(ctx))
	ds, err := h.d.Deliveries(ctx, "pub-1", ep.ID, 10)
	if err != nil || len(ds) != 1 || ds[0].ID != "d-1" || ds[0].Status != webhooks.DeliveryDelivered || ds[0].Attempts != 1 {
		t.Errorf("deliveries %+v, %v; want d-1 delivered on its first attempt", ds, err)
	}
	if receiver.count() != 1 {
		t.Errorf("the receiver got %d requests, want 1", receiver.count())
	}
}
