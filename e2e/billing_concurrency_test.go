package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/stripetest"
)

// TestWebhookConcurrentEventsOfOneOrder posts the Stripe events of one
// subscription order all at once, each twice, half of them to a second
// Berth instance that shares the first one's data directory (its SQLite
// database): the session's completion, the first invoice and a
// subscription update, each setting fields of the order the others do not.
// Every change must land, whatever order the two instances apply them in,
// with exactly one license and one sale per order.
//
// It runs on SQLite only: the suite's MongoDB is FerretDB, which applies
// the order's compare-and-swap as a read, then a write, so it does not keep
// concurrent updates exact (internal/mongotest BenchmarkAtomicity); MongoDB
// itself does (see billing/mongostore UpdateOrder).
func TestWebhookConcurrentEventsOfOneOrder(t *testing.T) {
	w := newBillingWorld(t, backend{name: "sqlite"})
	second := start(t, w.in.cfg)
	urls := []string{w.in.URL, second.URL}
	const orders = 6
	type placed struct {
		buyer, session, sub string
		order               orderResp
		events              []stripetest.Event
	}
	now := time.Now()
	end := now.AddDate(0, 2, 0).Truncate(time.Second) // later than any first-period guess
	updatedAt := now.Add(-time.Minute).Truncate(time.Second)
	var all []placed
	for i := range orders {
		buyer := fmt.Sprintf("conc%d", i)
		w.user(t, buyer)
		order, session := w.checkout(t, buyer, "team", 2)
		sub := "sub_" + secret.ID()
		completed := sessionCompleted(order, session, "", 19800)
		completed.Object["subscription"], completed.Object["customer"] = sub, "cus_"+buyer
		updated := subscription("customer.subscription.updated", order, sub, "active", 2, end, updatedAt, nil)
		paid := invoice("invoice.paid", order, sub, 19800, end, now)
		all = append(all, placed{buyer: buyer, session: session, sub: sub, order: order,
			events: []stripetest.Event{completed, paid, updated}})
	}

	var wg sync.WaitGroup
	statuses := make(chan string, orders*6)
	ready := make(chan struct{})
	for _, p := range all {
		for delivery := range 2 {
			for j, e := range p.events {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-ready
					url := urls[(j+delivery)%2]
					payload := e.Payload()
					status := post(t, url, payload, stripetest.Sign(payload, stripetest.WebhookSecret, time.Now()))
					if status != http.StatusOK {
						statuses <- fmt.Sprintf("%s to %s: status %d", e.Type, url, status)
					}
				}()
			}
		}
	}
	close(ready)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		t.Error(s)
	}

	ctx := context.Background()
	for _, p := range all {
		o, err := second.srv.Backend.Stores.Billing.Order(ctx, p.order.ID)
		must(t, err)
		want := map[string][2]any{
			"status (completion or invoice)": {o.Status, billing.OrderPaid},
			"customer (completion)":          {o.CustomerID, "cus_" + p.buyer},
			"subscription (all)":             {o.SubscriptionID, p.sub},
			"session (checkout)":             {o.SessionID, p.session},
			"receipt (invoice)":              {o.ReceiptURL, "https://invoice.stripe.com/i/test"},
			"invoice set (invoice)":          {o.InvoiceID != "", true},
			"period end (invoice, update)":   {o.PeriodEnd.Unix(), end.Unix()},
			"event time (update)":            {o.EventAt.Unix(), updatedAt.Unix()},
			"quantity":                       {o.Quantity, 2},
		}
		for what, v := range want {
			if v[0] != v[1] {
				t.Errorf("order of %s: %s = %v, want %v (a change was lost)", p.buyer, what, v[0], v[1])
			}
		}
		if n := w.licenseCount(t, p.buyer); n != 1 {
			t.Errorf("%s holds %d licenses, want exactly 1", p.buyer, n)
		}
		l, err := w.in.srv.Backend.Licenses.License(ctx, o.LicenseID)
		if err != nil || !l.ExpiresAt.Equal(end.Add(time.Hour)) || l.Seats != 4 {
			t.Errorf("license of %s: %+v, %v; want 4 seats until the period's end and the hour of grace", p.buyer, l, err)
		}
	}
	var earnings struct{ Months []struct{ Sales int } }
	if status := w.in.call("GET", "/api/v1/publishers/vendor/earnings", "vera", "vera-password", nil, &earnings); status != http.StatusOK ||
		len(earnings.Months) != 1 || earnings.Months[0].Sales != orders {
		t.Errorf("earnings: %d %+v; want one month of %d sales, one per invoice", status, earnings, orders)
	}
}

// post posts a signed payload to url's webhook endpoint and returns the
// status; it is safe to call from several goroutines.
func post(t *testing.T, url string, payload []byte, signature string) int {
	req, _ := http.NewRequest("POST", url+"/billing/webhook", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("posting to %s: %v", url, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebhookRefundBesideRenewal posts a full refund and a renewal's
// invoice.paid of one subscription at once, to two instances sharing one
// database, for a dozen orders. Both touch the license: the refund revokes
// it, the renewal extends it. Taken one at a time, in either order, the
// order ends refunded and its license revoked; if the renewal's write of
// the license read it before the revocation and stored it after, the
// license would come back to life.
func TestWebhookRefundBesideRenewal(t *testing.T) {
	w := newBillingWorld(t, backend{name: "sqlite"})
	second := start(t, w.in.cfg)
	urls := []string{w.in.URL, second.URL}
	now := time.Now()
	end := now.AddDate(0, 1, 0)
	type placed struct {
		buyer, id string
		events    []stripetest.Event
	}
	var all []placed
	for i := range 12 {
		buyer := fmt.Sprintf("ref%d", i)
		w.user(t, buyer)
		order, _ := w.checkout(t, buyer, "team", 1)
		sub := "sub_" + secret.ID()
		if status := w.send(t, invoice("invoice.paid", order, sub, 9900, end, now)); status != http.StatusOK {
			t.Fatalf("the first invoice of %s: status %d", buyer, status)
		}
		refund := stripetest.NewEvent("charge.refunded", map[string]any{
			"id": "ch_" + secret.ID(), "object": "charge", "refunded": true, "amount": 9900, "amount_refunded": 9900,
			"currency": "usd", "metadata": map[string]any{"order_id": order.ID},
			"refunds": map[string]any{"object": "list", "data": []any{map[string]any{"id": "re_" + secret.ID(), "object": "refund", "amount": 9900}}},
		})
		renewal := invoice("invoice.paid", order, sub, 9900, end.AddDate(0, 1, 0), now.Add(time.Second))
		all = append(all, placed{buyer: buyer, id: order.ID, events: []stripetest.Event{refund, renewal}})
	}
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for _, p := range all {
		for j, e := range p.events {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-ready
				payload := e.Payload()
				if status := post(t, urls[j], payload, stripetest.Sign(payload, stripetest.WebhookSecret, time.Now())); status != http.StatusOK {
					t.Errorf("%s of %s: status %d", e.Type, p.buyer, status)
				}
			}()
		}
	}
	close(ready)
	wg.Wait()
	ctx := context.Background()
	for _, p := range all {
		o, err := w.in.srv.Backend.Stores.Billing.Order(ctx, p.id)
		must(t, err)
		l, err := second.srv.Backend.Licenses.License(ctx, o.LicenseID)
		must(t, err)
		if o.Status != billing.OrderRefunded || l.Status != "revoked" {
			t.Errorf("%s after a refund beside a renewal: order %s, license %s; want refunded and revoked", p.buyer, o.Status, l.Status)
		}
	}
}

// TestWebhookWaitsOutADeadClaim leaves an order claimed, as an instance
// that died while applying an event would, and delivers the order's
// completion: it waits for the claim to run out and then lands.
func TestWebhookWaitsOutADeadClaim(t *testing.T) {
	w := newBillingWorld(t, backend{name: "sqlite"})
	w.user(t, "dora")
	order, session := w.checkout(t, "dora", "plain", 1)
	ctx := context.Background()
	store := w.in.srv.Backend.Stores.Billing
	o, err := store.Order(ctx, order.ID)
	must(t, err)
	o.ClaimedUntil = time.Now().Add(time.Second)
	must(t, store.UpdateOrder(ctx, o))
	if status := w.send(t, sessionCompleted(order, session, "pi_"+secret.ID(), 500)); status != http.StatusOK {
		t.Fatalf("the completion of a claimed order: status %d", status)
	}
	if got := w.order(t, "dora", order.ID); got.Status != "paid" || got.License == "" {
		t.Errorf("after the dead claim ran out: %+v; want paid with a license", got)
	}
	if got, err := store.Order(ctx, order.ID); err != nil || !got.ClaimedUntil.IsZero() {
		t.Errorf("the order is left claimed until %v (%v); want unclaimed", got.ClaimedUntil, err)
	}
}
