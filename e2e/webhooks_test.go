package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth/berth/server"
	"github.com/berth/berth/webhooks"
)

// TestOutboundWebhooks: a publisher registers an endpoint; a verified
// upload and a pull reach it signed with the endpoint's secret as the
// README documents; an endpoint that fails at first gets the delivery
// again, and the delivery log shows the attempts and answers. An endpoint
// nothing listens on shows the publisher a generic reason, not the dial
// error.
func TestOutboundWebhooks(t *testing.T) {
	start := time.Now()
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
	nobody, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	nobodyURL := "http://" + nobody.Addr().String() + "/hook"
	nobody.Close()

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
	var dead struct{ ID string }
	if status := w.in.call("POST", "/api/v1/publishers/ottosoft/webhooks", "ottmar", "ottmar-password",
		map[string]any{"url": nobodyURL, "events": []string{"pull"}}, &dead); status != http.StatusCreated {
		t.Fatalf("adding a webhook nothing listens on: %d", status)
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
		checkSignature(t, event, headers[event].Get("Berth-Signature"), ep.Secret, body, start)
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
	// The delivery that failed is retried with backoff, perhaps after the
	// events above arrived by other deliveries: wait for it, bounded.
	retried := false
	for retryBy := time.Now().Add(20 * time.Second); !retried && time.Now().Before(retryBy); {
		mu.Unlock()
		w.in.call("GET", "/api/v1/publishers/ottosoft/webhooks/"+ep.ID+"/deliveries", "ottmar", "ottmar-password", nil, &ds)
		for _, d := range ds.Deliveries {
			retried = retried || (d.Status == "delivered" && d.Attempts == 2 && d.LastStatus == 200)
		}
		if !retried {
			time.Sleep(200 * time.Millisecond)
		}
		mu.Lock()
	}
	if !retried {
		t.Errorf("deliveries %+v; want one delivered on its second attempt", ds.Deliveries)
	}
	checkGenericFailure(t, w, dead.ID)
}

// checkSignature verifies a Berth-Signature header by the documented
// scheme, computed here rather than by the server's own code:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>", with t
// between the test's start and now.
func checkSignature(t *testing.T, event, header, secret string, body []byte, start time.Time) {
	t.Helper()
	ts, v1, ok := strings.Cut(header, ",")
	ts, okT := strings.CutPrefix(ts, "t=")
	v1, okV := strings.CutPrefix(v1, "v1=")
	sent, errT := strconv.ParseInt(ts, 10, 64)
	got, errV := hex.DecodeString(v1)
	if !ok || !okT || !okV || errT != nil || errV != nil || len(got) != sha256.Size {
		t.Errorf("%s: Berth-Signature %q is not t=<unix seconds>,v1=<hex HMAC-SHA256>", event, header)
		return
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		t.Errorf("%s: Berth-Signature %q is not the HMAC-SHA256 of \"<t>.<body>\" with the secret", event, header)
	}
	if sent < start.Unix() || sent > time.Now().Unix() {
		t.Errorf("%s: signed at %d, not between the test's start (%d) and now", event, sent, start.Unix())
	}
}

// checkGenericFailure waits for the first attempt at the dead endpoint's
// delivery and checks the publisher reads a generic reason, not the dial
// error with its address.
func checkGenericFailure(t *testing.T, w *publisherWorld, endpoint string) {
	t.Helper()
	var ds struct {
		Deliveries []struct {
			Status     string
			LastError  string `json:"last_error"`
			Attempts   int
			LastStatus int `json:"last_status"`
		}
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		w.in.call("GET", "/api/v1/publishers/ottosoft/webhooks/"+endpoint+"/deliveries", "ottmar", "ottmar-password", nil, &ds)
		if len(ds.Deliveries) > 0 && ds.Deliveries[0].Attempts > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no attempt at the dead endpoint: %+v", ds.Deliveries)
		}
	}
	if d := ds.Deliveries[0]; d.LastError != "could not connect to the endpoint" || d.LastStatus != 0 {
		t.Errorf("the dead endpoint's delivery shows %d %q, want 0 \"could not connect to the endpoint\"", d.LastStatus, d.LastError)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
