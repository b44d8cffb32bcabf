package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth/berth/server"
	"github.com/berth/berth/webhooks"
)

// TestOutboundWebhooks: a publisher registers an endpoint; a verified
// upload and a pull reach it signed with the endpoint's secret; an
// endpoint that fails at first gets the delivery again, and the delivery
// log shows the attempts and answers.
func TestOutboundWebhooks(t *testing.T) {
	var (
		mu       sync.Mutex
		received = map[string][]byte{} // event → body
		headers  = map[string]http.Header{}
		failed   bool
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if !failed { // the first delivery fails: it must come again
			failed = true
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		received[r.Header.Get("Berth-Event")] = body
		headers[r.Header.Get("Berth-Event")] = r.Header.Clone()
	}))
	defer receiver.Close()

	w := newPublisherWorld(t, func(c *server.Config) { c.WebhookAllowPrivate = true })
	var ep struct{ ID, Secret string }
	if status := w.in.call("POST", "/api/v1/publishers/ottosoft/webhooks", "ottmar", "ottmar-password",
		map[string]any{"url": receiver.URL + "/hook", "events": []string{"upload.verified", "upload.rejected", "pull"}}, &ep); status != http.StatusCreated ||
		!strings.HasPrefix(ep.Secret, webhooks.SecretPrefix) {
		t.Fatalf("adding a webhook: %d %+v", status, ep)
	}
	if status := w.in.call("POST", "/api/v1/publishers/ottosoft/webhooks", "ottmar", "ottmar-password",
		map[string]any{"url": "ftp://example.com/x"}, nil); status != http.StatusUnprocessableEntity {
		t.Errorf("an ftp endpoint: %d, want 422", status)
	}

	digest := w.pushStaging(t, "7.0", builtImage(t, nil, "7.0", "echo hook"))
	w.sign(t, digest, w.key)
	if status, reason := w.upload(t, "7.0"); status != "promoted" {
		t.Fatalf("upload: %s (%s)", status, reason)
	}
	if err := w.buyerPulls(t, "otto/app", "7.0"); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		done := received["upload.verified"] != nil && received["pull"] != nil
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries received: %v", keys(received))
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for event, body := range received {
		sig := headers[event].Get("Berth-Signature")
		ts, _, _ := strings.Cut(strings.TrimPrefix(sig, "t="), ",")
		at, _ := time.Parse(time.RFC3339, time.Unix(parseInt(ts), 0).UTC().Format(time.RFC3339))
		if want := webhooks.Sign(ep.Secret, at, body); sig != want {
			t.Errorf("%s: Berth-Signature %q does not match the body signed with the secret (%q)", event, sig, want)
		}
	}
	if !strings.Contains(string(received["upload.verified"]), digest) || !strings.Contains(string(received["pull"]), `"tag":"7.0"`) {
		t.Errorf("bodies: %s / %s", received["upload.verified"], received["pull"])
	}
	var ds struct {
		Deliveries []struct {
			Event, Status string
			Attempts      int
			LastStatus    int `json:"last_status"`
		}
	}
	w.in.call("GET", "/api/v1/publishers/ottosoft/webhooks/"+ep.ID+"/deliveries", "ottmar", "ottmar-password", nil, &ds)
	retried := false
	for _, d := range ds.Deliveries {
		if d.Status == "delivered" && d.Attempts == 2 && d.LastStatus == 200 {
			retried = true
		}
	}
	if !retried {
		t.Errorf("deliveries %+v; want one delivered on its second attempt", ds.Deliveries)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func parseInt(s string) int64 {
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int64(r-'0')
	}
	return n
}
