package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/stripetest"
)

// TestTrialStarts: a tier with a trial offers "Start the 14-day free
// trial" where Berth takes payments; the checkout is a Stripe subscription
// whose completed session needs no payment, and the license it issues is a
// trial that pulls.
func TestTrialStarts(t *testing.T) {
	w := newBillingWorld(t, backend{name: "sqlite"})
	w.user(t, "tia")
	if page := w.get(t, "/products/vendor-app", "tia"); !strings.Contains(page, "Start the 14-day free trial") {
		t.Errorf("the product page does not offer the trial")
	}
	order, session := w.checkout(t, "tia", "yearly", 1)
	if order.Mode != "subscription" {
		t.Fatalf("trial order = %+v; want a subscription", order)
	}
	// The session's metadata carries the terms version the buyer accepted
	// (the tier's terms are at version 1).
	event := stripetest.NewEvent("checkout.session.completed", map[string]any{
		"id": session, "object": "checkout.session", "mode": "subscription", "payment_status": "no_payment_required", "status": "complete",
		"amount_total": 0, "currency": "usd", "customer": "cus_test", "subscription": "sub_" + secret.ID(),
		"client_reference_id": order.ID, "metadata": map[string]any{"order_id": order.ID, "terms_version": "1"},
	})
	if status := w.send(t, event); status != http.StatusOK {
		t.Fatalf("webhook: %d", status)
	}
	var list struct {
		Licenses []struct {
			Tier  string `json:"tier"`
			Trial bool   `json:"trial"`
		}
	}
	w.in.call("GET", "/api/v1/licenses", "tia", "tia-password", nil, &list)
	if len(list.Licenses) != 1 || list.Licenses[0].Tier != "yearly" || !list.Licenses[0].Trial {
		t.Fatalf("licenses after the trial started = %+v; want one yearly trial", list.Licenses)
	}
	if !w.pulls(t, "tia") {
		t.Errorf("the trial license does not pull")
	}
}
