package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/stripetest"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/server"
)

// billingWorld is the entitlement world with Stripe configured against
// stripe-mock, a grace period of an hour, and a publisher "vendor" whose
// member "vera" sees the earnings.
type billingWorld struct {
	*entitlementWorld
}

func newBillingWorld(t *testing.T, b backend) *billingWorld {
	t.Helper()
	stripeURL := stripetest.Start(t)
	w := newEntitlementWorldOn(t, b, func(c *server.Config) {
		c.StripeSecretKey, c.StripeWebhookSecret, c.StripeAPIURL = stripetest.SecretKey, stripetest.WebhookSecret, stripeURL
		c.BillingGrace = time.Hour
	})
	vera := w.user(t, "vera")
	_, err := w.in.srv.Backend.Stores.Publishers.PutPublisher(context.Background(), publisher.Publisher{
		Slug: "vendor", Name: "Vendor", Namespaces: []string{"vendor"}, Members: []string{vera.ID}})
	must(t, err)
	return &billingWorld{w}
}

// orderJSON is an order as the API answers it.
type orderResp struct {
	ID, Status, License, Mode, Currency string
	Amount                              int64
	Quantity                            int
}

// checkout starts a paid checkout through the API.
func (w *billingWorld) checkout(t *testing.T, user, tier string, quantity int) (orderResp, string) {
	t.Helper()
	var out struct {
		CheckoutURL string    `json:"checkout_url"`
		SessionID   string    `json:"session_id"`
		Order       orderResp `json:"order"`
	}
	body := map[string]any{"tier": tier, "accept_terms": true, "quantity": quantity}
	if status := w.in.call("POST", "/api/v1/products/vendor-app/checkout", user, user+"-password", body, &out); status != http.StatusCreated {
		t.Fatalf("paid checkout of %s: status %d", tier, status)
	}
	if !strings.HasPrefix(out.CheckoutURL, "https://") || !strings.HasPrefix(out.SessionID, "cs_") || out.Order.Status != "pending" || out.Order.License != "" {
		t.Fatalf("checkout = %+v; want a Stripe URL, a session and a pending order without a license", out)
	}
	return out.Order, out.SessionID
}

// send posts an event to the webhook, signed now, and returns the status.
func (w *billingWorld) send(t *testing.T, e stripetest.Event) int {
	t.Helper()
	payload := e.Payload()
	return w.post(t, payload, stripetest.Sign(payload, stripetest.WebhookSecret, time.Now()))
}

func (w *billingWorld) post(t *testing.T, payload []byte, signature string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", w.in.URL+"/billing/webhook", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", signature)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func (w *billingWorld) order(t *testing.T, user, id string) orderResp {
	t.Helper()
	var o orderResp
	if status := w.in.call("GET", "/api/v1/orders/"+id, user, user+"-password", nil, &o); status != http.StatusOK {
		t.Fatalf("order %s: status %d", id, status)
	}
	return o
}

func (w *billingWorld) licenseCount(t *testing.T, user string) int {
	t.Helper()
	var list struct{ Licenses []struct{ ID string } }
	if status := w.in.call("GET", "/api/v1/licenses", user, user+"-password", nil, &list); status != http.StatusOK {
		t.Fatalf("licenses: status %d", status)
	}
	return len(list.Licenses)
}

// pulls reports whether user's password pulls 2.0.0.
func (w *billingWorld) pulls(t *testing.T, user string) bool {
	t.Helper()
	return w.pull(t, "2.0.0", user, user+"-password") == nil
}

func sessionCompleted(order orderResp, session, paymentIntent string, amount int64) stripetest.Event {
	return stripetest.NewEvent("checkout.session.completed", map[string]any{
		"id": session, "object": "checkout.session", "mode": order.Mode, "payment_status": "paid", "status": "complete",
		"amount_total": amount, "currency": "usd", "customer": "cus_test", "payment_intent": paymentIntent,
		"client_reference_id": order.ID, "metadata": map[string]any{"order_id": order.ID, "terms_version": "0"},
	})
}

// TestPaidCheckoutToPull is the paid path end to end: checkout through
// stripe-mock, the signed webhook (delivered five times), the license, a
// pull with the buyer's password and with a revealed key, the publisher's
// earnings, bad and stale signatures refused, and a refund that revokes.
func TestPaidCheckoutToPull(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testPaidCheckoutToPull(t, b) })
	}
}

func testPaidCheckoutToPull(t *testing.T, b backend) {
	w := newBillingWorld(t, b)
	w.user(t, "bea")
	order, session := w.checkout(t, "bea", "plain", 1)
	if order.Amount != 500 || order.Mode != "payment" {
		t.Errorf("order = %+v; want 500 cents, one-time", order)
	}
	if w.pulls(t, "bea") {
		t.Fatal("pulled before paying")
	}

	pi := "pi_" + secret.ID()
	completed := sessionCompleted(order, session, pi, 500)
	payload := completed.Payload()
	// A forged signature and a replayed one outside the tolerance change nothing.
	if status := w.post(t, payload, stripetest.Sign(payload, "whsec_someone_else", time.Now())); status != http.StatusBadRequest {
		t.Errorf("bad signature: status %d, want 400", status)
	}
	if status := w.post(t, payload, stripetest.Sign(payload, stripetest.WebhookSecret, time.Now().Add(-10*time.Minute))); status != http.StatusBadRequest {
		t.Errorf("timestamp outside tolerance: status %d, want 400", status)
	}
	if o := w.order(t, "bea", order.ID); o.Status != "pending" || o.License != "" {
		t.Fatalf("after refused events the order is %+v; want it still pending", o)
	}

	for i := range 5 {
		if status := w.send(t, completed); status != http.StatusOK {
			t.Fatalf("delivery %d of checkout.session.completed: status %d", i+1, status)
		}
	}
	o := w.order(t, "bea", order.ID)
	if o.Status != "paid" || o.License == "" {
		t.Fatalf("after the webhook the order is %+v; want paid with a license", o)
	}
	if n := w.licenseCount(t, "bea"); n != 1 {
		t.Errorf("bea holds %d licenses after five deliveries; want exactly 1", n)
	}
	if !w.pulls(t, "bea") {
		t.Error("the buyer's password does not pull after payment")
	}
	var revealed struct{ License struct{ Key string } }
	if status := w.in.call("POST", "/api/v1/licenses/"+o.License+"/key", "bea", "bea-password", nil, &revealed); status != http.StatusCreated ||
		!strings.HasPrefix(revealed.License.Key, "berth_lk_") {
		t.Fatalf("revealing a key: %d %+v", status, revealed)
	}
	if err := w.pull(t, "2.0.0", "ci", revealed.License.Key); err != nil {
		t.Errorf("the revealed key does not pull: %v", err)
	}

	// The publisher's earnings: one sale, 20 % to the platform.
	var earnings struct {
		Months []struct {
			Sales            int
			Gross, Fee, Net  int64
			Month            string
			PlatformFeeCheck int64 `json:"platform_fee"`
		}
	}
	if status := w.in.call("GET", "/api/v1/publishers/vendor/earnings", "vera", "vera-password", nil, &earnings); status != http.StatusOK ||
		len(earnings.Months) != 1 || earnings.Months[0].Sales != 1 || earnings.Months[0].Gross != 500 ||
		earnings.Months[0].PlatformFeeCheck != 100 || earnings.Months[0].Net != 400 {
		t.Errorf("earnings: %d %+v; want one sale of 500 split 100/400", status, earnings)
	}
	if status := w.in.call("GET", "/api/v1/publishers/vendor/earnings", "bea", "bea-password", nil, nil); status != http.StatusNotFound {
		t.Errorf("a buyer reading the publisher's earnings: %d, want 404", status)
	}
	// Analytics: the sale per tier and month, the active license, and the
	// buyer among the customers who pull.
	var an struct {
		Sales []struct {
			Tier  string
			Sales int
			Gross int64
		}
		Active []struct {
			Tier   string
			Active int
		} `json:"active_licenses"`
		Customers []struct{ Name string } `json:"top_customers"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		w.in.call("GET", "/api/v1/publishers/vendor/analytics", "vera", "vera-password", nil, &an)
		if len(an.Customers) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(an.Sales) != 1 || an.Sales[0].Tier != "plain" || an.Sales[0].Sales != 1 || an.Sales[0].Gross != 500 ||
		len(an.Active) != 1 || an.Active[0].Active != 1 || len(an.Customers) == 0 || an.Customers[0].Name != "bea" {
		t.Errorf("analytics = %+v; want one plain sale of 500, one active license, bea pulling", an)
	}
	if csvText := w.get(t, "/api/v1/publishers/vendor/analytics.csv?kind=sales", "vera"); !strings.Contains(csvText, "vendor-app,plain,usd,1,500,400") {
		t.Errorf("sales CSV = %q", csvText)
	}

	// A full refund revokes the license and counts against the earnings.
	refund := stripetest.NewEvent("charge.refunded", map[string]any{
		"id": "ch_" + secret.ID(), "object": "charge", "payment_intent": pi, "refunded": true, "amount": 500, "amount_refunded": 500,
		"currency": "usd", "refunds": map[string]any{"object": "list", "data": []any{map[string]any{"id": "re_" + secret.ID(), "object": "refund", "amount": 500}}},
	})
	if status := w.send(t, refund); status != http.StatusOK {
		t.Fatalf("charge.refunded: status %d", status)
	}
	if o := w.order(t, "bea", order.ID); o.Status != "refunded" {
		t.Errorf("after the refund the order is %s; want refunded", o.Status)
	}
	if w.pulls(t, "bea") {
		t.Error("the buyer still pulls after a full refund")
	}
	// The completion delivered once more, late: the refund stands.
	late := sessionCompleted(order, session, pi, 500)
	if status := w.send(t, late); status != http.StatusOK || w.pulls(t, "bea") {
		t.Errorf("a late completion after the refund: status %d, and the license must stay revoked", status)
	}
	csvReport := w.get(t, "/api/v1/publishers/vendor/earnings.csv", "vera")
	rows, err := csv.NewReader(strings.NewReader(csvReport)).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][1] != "sale" || rows[2][1] != "refund" || rows[2][6] != "-500" || rows[2][10] != "-4.00" {
		t.Errorf("payout CSV: %v %q; want a header, the sale and the refund", err, csvReport)
	}
}

// get GETs an API path as user and returns the body.
func (w *billingWorld) get(t *testing.T, path, user string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", w.in.URL+path, nil)
	req.SetBasicAuth(user, user+"-password")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// invoice is an invoice event for the subscription order, paying the
// period ending at end.
func invoice(typ string, order orderResp, sub string, amount int64, end time.Time, created time.Time) stripetest.Event {
	e := stripetest.NewEvent(typ, map[string]any{
		"id": "in_" + secret.ID(), "object": "invoice", "subscription": sub, "amount_paid": amount, "currency": "usd",
		"hosted_invoice_url": "https://invoice.stripe.com/i/test", "period_end": end.Unix(),
		"subscription_details": map[string]any{"metadata": map[string]any{"order_id": order.ID}},
		"lines": map[string]any{"object": "list", "data": []any{map[string]any{"id": "il_1", "object": "line_item",
			"period": map[string]any{"start": end.AddDate(0, -1, 0).Unix(), "end": end.Unix()}}}},
	})
	e.Created = created
	return e
}

func subscription(typ string, order orderResp, sub, status string, quantity int, periodEnd time.Time, created time.Time, extra map[string]any) stripetest.Event {
	obj := map[string]any{"id": sub, "object": "subscription", "status": status, "current_period_end": periodEnd.Unix(),
		"metadata": map[string]any{"order_id": order.ID},
		"items":    map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_1", "object": "subscription_item", "quantity": quantity}}}}
	for k, v := range extra {
		obj[k] = v
	}
	e := stripetest.NewEvent(typ, obj)
	e.Created = created
	return e
}

// TestSubscriptionLifecycle follows a subscription through Stripe's events,
// some out of order, with a pull after each that must succeed or fail
// accordingly: first invoice before the session's completion, a stale
// update, a seat change, a failed renewal past its grace, the recovery, and
// the cancellation.
func TestSubscriptionLifecycle(t *testing.T) {
	w := newBillingWorld(t, backend{name: "sqlite"})
	w.user(t, "sam")
	order, session := w.checkout(t, "sam", "team", 2)
	if order.Mode != "subscription" || order.Amount != 19800 || order.Quantity != 2 {
		t.Fatalf("order = %+v; want a subscription of 2 × 9900", order)
	}
	sub := "sub_" + secret.ID()
	now := time.Now()

	// The first invoice arrives before the session's completion: paid is
	// paid, the license is issued.
	if status := w.send(t, invoice("invoice.paid", order, sub, 19800, now.Add(-30*time.Minute), now.Add(-time.Minute))); status != http.StatusOK {
		t.Fatalf("invoice.paid: %d", status)
	}
	o := w.order(t, "sam", order.ID)
	if o.Status != "paid" || o.License == "" || !w.pulls(t, "sam") {
		t.Fatalf("after the first invoice: %+v; want paid, licensed and pulling (the period ended 30 min ago, the hour of grace runs)", o)
	}
	var lic struct{ Seats int }
	w.in.call("GET", "/api/v1/licenses/"+o.License, "sam", "sam-password", nil, &lic)
	if lic.Seats != 4 {
		t.Errorf("license seats %d; want 2 units × 2 seats", lic.Seats)
	}
	completed := sessionCompleted(order, session, "", 19800)
	completed.Object["subscription"] = sub
	if status := w.send(t, completed); status != http.StatusOK || w.licenseCount(t, "sam") != 1 {
		t.Errorf("the completion after the invoice: status %d, %d licenses; want one", status, w.licenseCount(t, "sam"))
	}
	// A subscription.created older than what the order reflects changes nothing.
	if status := w.send(t, subscription("customer.subscription.created", order, sub, "incomplete", 1, now.Add(-60*24*time.Hour), now.Add(-2*time.Hour), nil)); status != http.StatusOK {
		t.Fatalf("stale subscription.created: %d", status)
	}
	if !w.pulls(t, "sam") {
		t.Error("a stale subscription event ended the license")
	}

	// The renewal fails; the failure is two hours old, so the hour of grace
	// after it is over: no pull.
	if status := w.send(t, invoice("invoice.payment_failed", order, sub, 0, now.Add(-30*time.Minute), now.Add(-2*time.Hour))); status != http.StatusOK {
		t.Fatalf("invoice.payment_failed: %d", status)
	}
	if o := w.order(t, "sam", order.ID); o.Status != "past_due" || w.pulls(t, "sam") {
		t.Errorf("after a failed renewal past its grace: %s, and the pull must fail", o.Status)
	}
	// Recovered: the renewal is paid for the next month.
	if status := w.send(t, invoice("invoice.paid", order, sub, 19800, now.AddDate(0, 1, 0), now)); status != http.StatusOK {
		t.Fatalf("renewal invoice.paid: %d", status)
	}
	if o := w.order(t, "sam", order.ID); o.Status != "paid" || !w.pulls(t, "sam") {
		t.Errorf("after the recovered renewal: %s, and the pull must succeed", o.Status)
	}
	// Three units now: six seats.
	if status := w.send(t, subscription("customer.subscription.updated", order, sub, "active", 3, now.AddDate(0, 1, 0), now.Add(time.Second), nil)); status != http.StatusOK {
		t.Fatalf("subscription.updated: %d", status)
	}
	w.in.call("GET", "/api/v1/licenses/"+o.License, "sam", "sam-password", nil, &lic)
	if lic.Seats != 6 {
		t.Errorf("after the quantity change the license has %d seats; want 6", lic.Seats)
	}
	// Cancelled: the subscription ended a minute ago.
	ended := subscription("customer.subscription.deleted", order, sub, "canceled", 3, now.Add(-time.Minute), now.Add(2*time.Second),
		map[string]any{"ended_at": now.Add(-time.Minute).Unix()})
	if status := w.send(t, ended); status != http.StatusOK {
		t.Fatalf("subscription.deleted: %d", status)
	}
	if o := w.order(t, "sam", order.ID); o.Status != "canceled" || w.pulls(t, "sam") {
		t.Errorf("after the cancellation: %s, and the pull must fail", o.Status)
	}
	// Unknown events are acknowledged.
	if status := w.send(t, stripetest.NewEvent("customer.tax_id.created", map[string]any{"id": "txi_1", "object": "tax_id"})); status != http.StatusOK {
		t.Errorf("an unknown event: %d, want 200", status)
	}
}

// TestTermsReacceptance: publishing new terms stops pulls through licenses
// accepted under the old ones, with the reason and where to accept, until
// the holder accepts the current version.
func TestTermsReacceptance(t *testing.T) {
	w := newEntitlementWorld(t)
	ctx := context.Background()
	u := w.user(t, "tess")
	catalogStore := w.in.srv.Backend.Stores.Catalog
	p, err := catalogStore.ProductBySlug(ctx, "vendor-app")
	must(t, err)
	for i := range p.Tiers {
		if p.Tiers[i].ID == "lts2" {
			p.Tiers[i].Terms, p.Tiers[i].TermsVersion = "Version one.", 1
		}
	}
	_, err = catalogStore.PutProduct(ctx, p)
	must(t, err)
	var out struct{ License struct{ ID string } }
	if status := w.in.call("POST", "/api/v1/products/vendor-app/checkout", "tess", "tess-password", map[string]any{"tier": "lts2", "accept_terms": true}, &out); status != http.StatusCreated {
		t.Fatalf("taking lts2: %d", status)
	}
	if err := w.pull(t, "2.0.0", "tess", "tess-password"); err != nil {
		t.Fatalf("pull under the accepted terms: %v", err)
	}
	for i := range p.Tiers {
		if p.Tiers[i].ID == "lts2" {
			p.Tiers[i].Terms, p.Tiers[i].TermsVersion = "Version two.", 2
		}
	}
	_, err = catalogStore.PutProduct(ctx, p)
	must(t, err)
	// The token server sees new terms within its cache's lifetime.
	deadline := time.Now().Add(10 * time.Second)
	var pullErr error
	for {
		pullErr = w.pull(t, "2.0.0", "tess", "tess-password")
		if pullErr != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status, msg := registryStatus(pullErr); status != http.StatusForbidden || !strings.Contains(msg, "new license terms") ||
		!strings.Contains(msg, "/licenses/"+out.License.ID) {
		t.Fatalf("pull after new terms: %v; want 403 naming the terms and the license page", pullErr)
	}
	if status := w.in.call("POST", "/api/v1/licenses/"+out.License.ID+"/terms", "tess", "tess-password", map[string]any{"version": 1}, nil); status != http.StatusConflict {
		t.Errorf("accepting the old version: %d, want 409", status)
	}
	if status := w.in.call("POST", "/api/v1/licenses/"+out.License.ID+"/terms", "tess", "tess-password", map[string]any{"version": 2}, nil); status != http.StatusOK {
		t.Fatalf("accepting version 2: %d", status)
	}
	if err := w.pull(t, "2.0.0", "tess", "tess-password"); err != nil {
		t.Errorf("pull after accepting the new terms: %v", err)
	}
	_ = u
}
