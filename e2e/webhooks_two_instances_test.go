package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/server"
	"github.com/berth/berth/signing"
)

// TestWebhookDeliveredOnceAcrossInstances runs two Berth instances over one
// data directory, so one job queue that both work, with a 2 s job lease,
// and an endpoint that holds every delivery 3 s before answering: longer
// than the lease, so that only the heartbeat of the worker posting it keeps
// the other instance's workers off the delivery's job. Uploads are pushed
// and signed through both instances; each promotion emits one
// upload.verified delivery. Each delivery must reach the endpoint exactly
// once (counted by its Berth-Delivery ID), also after both queues had
// time to run it again, and the endpoint's history shows each delivered
// on its first attempt.
func TestWebhookDeliveredOnceAcrossInstances(t *testing.T) {
	const hold = 3 * time.Second
	var (
		mu       sync.Mutex
		received = map[string]int{} // Berth-Delivery → posts
		digests  = map[string]int{} // the promoted digest a body names → posts
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev struct {
			Data struct{ Digest string }
		}
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		received[r.Header.Get("Berth-Delivery")]++
		digests[ev.Data.Digest]++
		mu.Unlock()
		select {
		case <-time.After(hold):
		case <-r.Context().Done():
		}
	}))
	defer receiver.Close()

	w := newPublisherWorld(t, func(c *server.Config) {
		c.WebhookAllowPrivate = true
		c.JobLease = 2 * time.Second
	})
	second := start(t, w.in.cfg)
	instances := []*instance{w.in, second}
	var ep struct{ ID string }
	if status := w.in.call("POST", "/api/v1/publishers/ottosoft/webhooks", "ottmar", "ottmar-password",
		map[string]any{"url": receiver.URL + "/hook", "events": []string{"upload.verified"}}, &ep); status != http.StatusCreated {
		t.Fatalf("adding a webhook: %d", status)
	}

	const uploads = 4
	pushed := map[string]bool{}
	for i := range uploads {
		img, err := random.Image(1024, 1)
		must(t, err)
		via := instances[i%2]
		tag := twoTag(i)
		must(t, remote.Write(registryRepo(t, via, "staging/otto/app").Tag(tag), img, w.pushAuth()))
		d, err := img.Digest()
		must(t, err)
		pushed[d.String()] = true
		staging := registryRepo(t, instances[(i+1)%2], "staging/otto/app")
		must(t, signing.Attach(context.Background(), staging, d.String(), staging.Name(), w.key, w.pushAuth()))
	}

	type delivery struct {
		ID, Event, Status string
		Attempts          int
	}
	deliveries := func() []delivery {
		var ds struct{ Deliveries []delivery }
		w.in.call("GET", "/api/v1/publishers/ottosoft/webhooks/"+ep.ID+"/deliveries", "ottmar", "ottmar-password", nil, &ds)
		return ds.Deliveries
	}
	var ds []delivery
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		ds = deliveries()
		done := len(ds) == uploads
		for _, d := range ds {
			done = done && d.Status == "delivered"
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries %+v; want %d, all delivered", ds, uploads)
		}
	}
	// Both queues poll every second and the lease is 2 s: give a second
	// post, were there one, a lease and a hold to arrive.
	time.Sleep(2*time.Second + hold)

	mu.Lock()
	defer mu.Unlock()
	for _, d := range ds {
		if d.Event != "upload.verified" || d.Attempts != 1 {
			t.Errorf("delivery %+v; want upload.verified, delivered on its first attempt", d)
		}
		if received[d.ID] != 1 {
			t.Errorf("delivery %s reached the endpoint %d times, want once", d.ID, received[d.ID])
		}
	}
	if len(received) != uploads {
		t.Errorf("the endpoint got %d distinct deliveries, want %d: %v", len(received), uploads, received)
	}
	for digest := range pushed {
		if digests[digest] != 1 {
			t.Errorf("the promotion of %s was posted %d times, want once", digest, digests[digest])
		}
	}
}
