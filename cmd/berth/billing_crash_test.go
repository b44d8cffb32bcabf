package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/stripetest"
)

// TestWebhookCrashThenRetry kills the real binary between issuing a paid
// order's license and recording the Stripe event as processed (the
// billing-after-issue failpoint exits the process there, as a kill -9
// would), restarts it on the same data directory and delivers the event
// again, as Stripe retries one that got no answer: the order ends paid with
// exactly one license, and later deliveries change nothing.
func TestWebhookCrashThenRetry(t *testing.T) {
	stripeURL := stripetest.Start(t)
	dir := t.TempDir()
	vars := map[string]string{"BERTH_ADDR": "localhost:0", "BERTH_REGISTRY_ADDR": "localhost:0", "BERTH_DATA_DIR": dir,
		"BERTH_LOG_FORMAT": "json", "BERTH_DEMO": "true", "BERTH_STRIPE_SECRET_KEY": stripetest.SecretKey,
		"BERTH_STRIPE_WEBHOOK_SECRET": stripetest.WebhookSecret, "BERTH_STRIPE_API_URL": stripeURL}
	crashing := map[string]string{"BERTH_FAILPOINT": "billing-after-issue"}
	for k, v := range vars {
		crashing[k] = v
	}
	p, rec := startServe(t, crashing)
	web := rec["web"].(string)
	waitReady(t, web)

	call(t, "POST", web+"/api/v1/users", "", map[string]string{"username": "cleo", "email": "cleo@example.com", "password": "cleo-password"}, http.StatusCreated, nil)
	var co struct {
		SessionID string `json:"session_id"`
		Order     struct{ ID string }
	}
	call(t, "POST", web+"/api/v1/products/netscaler-adm-agent/checkout", "cleo:cleo-password",
		map[string]any{"tier": "standard", "accept_terms": true}, http.StatusCreated, &co)
	event := stripetest.NewEvent("checkout.session.completed", map[string]any{
		"id": co.SessionID, "object": "checkout.session", "mode": "payment", "payment_status": "paid", "amount_total": 49900,
		"currency": "usd", "customer": "cus_test", "payment_intent": "pi_" + secret.ID(),
		"metadata": map[string]any{"order_id": co.Order.ID, "terms_version": "1"},
	})
	payload := event.Payload()
	deliver := func(base string) (int, error) {
		req, _ := http.NewRequest("POST", base+"/billing/webhook", bytes.NewReader(payload))
		req.Header.Set("Stripe-Signature", stripetest.Sign(payload, stripetest.WebhookSecret, time.Now()))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if status, err := deliver(web); err == nil {
		t.Fatalf("the failpoint did not fire: the webhook answered %d", status)
	}
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatal("berth still running after its failpoint fired")
	}
	if !strings.Contains(p.logs(), "failpoint billing-after-issue") {
		t.Fatalf("berth exited, but not at the failpoint:\n%s", p.logs())
	}

	_, rec = startServe(t, vars)
	web = rec["web"].(string)
	waitReady(t, web)
	for i := range 3 {
		if status, err := deliver(web); err != nil || status != http.StatusOK {
			t.Fatalf("delivery %d after the restart: %d %v", i+1, status, err)
		}
	}
	var order struct{ Status, License string }
	call(t, "GET", web+"/api/v1/orders/"+co.Order.ID, "cleo:cleo-password", nil, http.StatusOK, &order)
	var list struct {
		Licenses []struct{ ID, Product string }
	}
	call(t, "GET", web+"/api/v1/licenses", "cleo:cleo-password", nil, http.StatusOK, &list)
	if order.Status != "paid" || len(list.Licenses) != 1 || list.Licenses[0].ID != order.License {
		t.Fatalf("after the crash and the retries: order %+v, licenses %+v; want paid with exactly its one license", order, list.Licenses)
	}
}

// waitReady polls /readyz until it answers 200 (the demo is seeded).
func waitReady(t *testing.T, web string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(web + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 90s", web)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// call sends a JSON request (basic credentials as "user:password") and
// checks the status, decoding the answer into out when set.
func call(t *testing.T, method, url, creds string, body any, want int, out any) {
	t.Helper()
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Content-Type", "application/json")
	if user, pass, ok := strings.Cut(creds, ":"); ok {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		t.Fatalf("%s %s: %d %s; want %d", method, url, resp.StatusCode, b.String(), want)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}
