package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/stripetest"
)

// TestTokenExpiryBeyondStores: an access-token expiry the stores cannot
// keep (past 2262-04-11, where Unix nanoseconds end) or further ahead than
// account.MaxTokenYears is refused with a 422 on expires_at that names the
// bound, and nothing is stored; an expiry within the bound is listed back
// exactly and the token works, on both stores.
func TestTokenExpiryBeyondStores(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testTokenExpiryBeyondStores(t, b) })
	}
}

func testTokenExpiryBeyondStores(t *testing.T, b backend) {
	in := start(t, config(t, b))
	signUp(t, in, "tara", "tara@example.com")
	for _, expires := range []string{"2300-01-01T00:00:00Z", "2262-04-12T00:00:00Z", time.Now().AddDate(account.MaxTokenYears, 1, 0).Format(time.RFC3339)} {
		var e apiErr
		status := in.call("POST", "/api/v1/user/tokens", "tara", "tara-password", map[string]any{"name": "ci", "expires_at": expires}, &e)
		if status != http.StatusUnprocessableEntity || e.Error.Field != "expires_at" || !strings.Contains(e.Error.Message, fmt.Sprintf("at most %d years ahead", account.MaxTokenYears)) {
			t.Errorf("expires_at %s: %d %+v; want 422 on expires_at naming the bound", expires, status, e.Error)
		}
	}
	if got := listTokens(t, in, "tara"); len(got) != 0 {
		t.Fatalf("refused tokens were stored: %+v", got)
	}

	expires := time.Now().AddDate(account.MaxTokenYears-1, 0, 0).UTC().Truncate(time.Second)
	var created struct{ Secret string }
	if status := in.call("POST", "/api/v1/user/tokens", "tara", "tara-password", map[string]any{"name": "ci", "expires_at": expires}, &created); status != http.StatusCreated {
		t.Fatalf("an expiry %d years ahead: status %d; want 201", account.MaxTokenYears-1, status)
	}
	got := listTokens(t, in, "tara")
	if len(got) != 1 || got[0].ExpiresAt == nil || !got[0].ExpiresAt.Equal(expires) {
		t.Fatalf("listed tokens = %+v; want one expiring at %v", got, expires)
	}
	if status := in.call("GET", "/api/v1/user", "tara", created.Secret, nil, nil); status != http.StatusOK {
		t.Errorf("the token expiring in %d years does not authenticate: status %d", account.MaxTokenYears-1, status)
	}
}

type listedToken struct {
	ID        string
	Name      string
	ExpiresAt *time.Time `json:"expires_at"`
}

func listTokens(t *testing.T, in *instance, user string) []listedToken {
	t.Helper()
	var list struct{ Tokens []listedToken }
	if status := in.call("GET", "/api/v1/user/tokens", user, user+"-password", nil, &list); status != http.StatusOK {
		t.Fatalf("listing %s's tokens: status %d", user, status)
	}
	return list.Tokens
}

func signUp(t *testing.T, in *instance, username, email string) {
	t.Helper()
	var e apiErr
	if status := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": username, "email": email, "password": username + "-password"}, &e); status != http.StatusCreated {
		t.Fatalf("signing up %s: %d %+v", username, status, e.Error)
	}
}

// TestInvisibleCharactersRefused: bidirectional overrides, isolates and
// marks and other control or format characters are refused in every
// account text field the API takes, with a 422 naming the field and the
// character, and nothing changes.
func TestInvisibleCharactersRefused(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	signUp(t, in, "ines", "ines@example.com")
	if status := in.call("POST", "/api/v1/orgs", "ines", "ines-password", map[string]string{"name": "harbour"}, nil); status != http.StatusCreated {
		t.Fatalf("creating harbour: %d", status)
	}
	for _, tc := range []struct {
		name, method, path, user string
		body                     map[string]string
		field                    string
		char                     rune
	}{
		{"sign-up email with a right-to-left override", "POST", "/api/v1/users", "", map[string]string{
			"username": "mallory", "email": "mallory\u202E@example.com", "password": "mallory-password"}, "email", '\u202E'},
		{"sign-up email with a first-strong isolate", "POST", "/api/v1/users", "", map[string]string{
			"username": "mallory", "email": "mallory@exa\u2068mple.com", "password": "mallory-password"}, "email", '\u2068'},
		{"sign-up username with a right-to-left mark", "POST", "/api/v1/users", "", map[string]string{
			"username": "mall\u200Fory", "email": "mallory@example.com", "password": "mallory-password"}, "username", '\u200F'},
		{"changed email with a left-to-right embedding", "PATCH", "/api/v1/user", "ines", map[string]string{
			"email": "ines\u202A@example.com"}, "email", '\u202A'},
		{"organisation display name with a pop isolate", "POST", "/api/v1/orgs", "ines", map[string]string{
			"name": "quay", "display_name": "Quay \u2069Ltd"}, "display_name", '\u2069'},
		{"organisation name with a zero-width space", "POST", "/api/v1/orgs", "ines", map[string]string{
			"name": "qu\u200Bay"}, "name", '\u200B'},
		{"team description with a left-to-right mark", "POST", "/api/v1/orgs/harbour/teams", "ines", map[string]string{
			"name": "ops", "description": "runs \u200Ethings"}, "description", '\u200E'},
		{"token name with a right-to-left override", "POST", "/api/v1/user/tokens", "ines", map[string]string{
			"name": "ci\u202Eyolped"}, "name", '\u202E'},
		{"token name with an escape", "POST", "/api/v1/user/tokens", "ines", map[string]string{
			"name": "ci\x1b[31m"}, "name", '\x1b'},
	} {
		pass := ""
		if tc.user != "" {
			pass = tc.user + "-password"
		}
		var e apiErr
		status := in.call(tc.method, tc.path, tc.user, pass, tc.body, &e)
		if status != http.StatusUnprocessableEntity || e.Error.Code != "invalid" || e.Error.Field != tc.field ||
			!strings.Contains(e.Error.Message, fmt.Sprintf("U+%04X", tc.char)) {
			t.Errorf("%s: %d %+v; want 422 invalid on %s naming U+%04X", tc.name, status, e.Error, tc.field, tc.char)
		}
	}
	var me struct{ Email string }
	in.call("GET", "/api/v1/user", "ines", "ines-password", nil, &me)
	if me.Email != "ines@example.com" {
		t.Errorf("ines's email is %q after refused changes", me.Email)
	}
	if status := in.call("GET", "/api/v1/orgs/quay", "ines", "ines-password", nil, nil); status != http.StatusNotFound {
		t.Errorf("the refused organisation quay: status %d; want 404", status)
	}
	if got := listTokens(t, in, "ines"); len(got) != 0 {
		t.Errorf("refused tokens were stored: %+v", got)
	}
	if status := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "mallory", "email": "mallory@example.com", "password": "mallory-password"}, nil); status != http.StatusCreated {
		t.Errorf("signing up mallory plainly after the refusals: %d; want 201", status)
	}
}

// TestPaidTierAlreadyLicensed: a paid tier cannot be bought again while its
// owner (the buyer, or the organisation bought for) holds an active,
// unexpired license of it: 409 already_licensed naming the product and tier
// (the license in license_id), and no
// order. Another tier, another owner, an expired license and a refunded one
// do not stand in the way.
func TestPaidTierAlreadyLicensed(t *testing.T) {
	w := newBillingWorld(t, backends[0])
	ctx := context.Background()
	bea := w.user(t, "bea")
	order, session := w.checkout(t, "bea", "plain", 1)
	pi := "pi_" + secret.ID()
	if status := w.send(t, sessionCompleted(order, session, pi, 500)); status != http.StatusOK {
		t.Fatalf("checkout.session.completed: status %d", status)
	}
	license := w.order(t, "bea", order.ID).License
	if license == "" {
		t.Fatal("the paid order issued no license")
	}
	w.refuseCheckout(t, "bea", "", "plain", license)
	if n := len(w.orders(t, "bea")); n != 1 {
		t.Errorf("bea has %d orders after the refused checkout; want 1", n)
	}

	w.checkout(t, "bea", "team", 1) // another tier of the same product

	if _, err := w.in.srv.Backend.Accounts.CreateOrg(ctx, bea, "bridge", ""); err != nil {
		t.Fatal(err)
	}
	// bea's own license is not the organisation's.
	w.checkoutFor(t, "bea", "bridge", "plain")
	org, err := w.in.srv.Backend.Accounts.Org(ctx, "bridge")
	must(t, err)
	granted := w.grant(t, org.ID, "plain", time.Time{})
	w.refuseCheckout(t, "bea", "bridge", "plain", granted.License.ID)

	cal := w.user(t, "cal")
	w.grant(t, cal.ID, "plain", time.Now().Add(-time.Hour)) // expired an hour ago
	w.checkout(t, "cal", "plain", 1)

	if status := w.send(t, refunded(pi, 500)); status != http.StatusOK {
		t.Fatalf("charge.refunded: status %d", status)
	}
	w.checkout(t, "bea", "plain", 1)
}

// refuseCheckout checks that user's checkout of tier (for org, if set) is
// refused with 409 already_licensed: the message names the product and the
// tier as the buyer knows them, and license_id the license held.
func (w *billingWorld) refuseCheckout(t *testing.T, user, org, tier, held string) {
	t.Helper()
	var e struct {
		Error struct {
			Code, Message string
			LicenseID     string `json:"license_id"`
		}
	}
	body := map[string]any{"tier": tier, "organization": org, "accept_terms": true}
	status := w.in.call("POST", "/api/v1/products/vendor-app/checkout", user, user+"-password", body, &e)
	want := "you already hold an active license for Vendor App (Plain)"
	if status != http.StatusConflict || e.Error.Code != "already_licensed" || e.Error.Message != want || e.Error.LicenseID != held {
		t.Errorf("buying %s again (for %q): %d %+v; want 409 already_licensed, %q, license_id %s", tier, org, status, e.Error, want, held)
	}
}

// checkoutFor starts a paid checkout for an organisation.
func (w *billingWorld) checkoutFor(t *testing.T, user, org, tier string) {
	t.Helper()
	var e apiErr
	body := map[string]any{"tier": tier, "organization": org, "accept_terms": true}
	if status := w.in.call("POST", "/api/v1/products/vendor-app/checkout", user, user+"-password", body, &e); status != http.StatusCreated {
		t.Fatalf("buying %s for %s: %d %+v; want 201", tier, org, status, e.Error)
	}
}

func (w *billingWorld) orders(t *testing.T, user string) []orderResp {
	t.Helper()
	var list struct{ Orders []orderResp }
	if status := w.in.call("GET", "/api/v1/orders", user, user+"-password", nil, &list); status != http.StatusOK {
		t.Fatalf("orders of %s: status %d", user, status)
	}
	return list.Orders
}

// refunded is Stripe's event for a full refund of the payment intent pi.
func refunded(pi string, amount int64) stripetest.Event {
	return stripetest.NewEvent("charge.refunded", map[string]any{
		"id": "ch_" + secret.ID(), "object": "charge", "payment_intent": pi, "refunded": true, "amount": amount, "amount_refunded": amount,
		"currency": "usd", "refunds": map[string]any{"object": "list", "data": []any{map[string]any{"id": "re_" + secret.ID(), "object": "refund", "amount": amount}}},
	})
}
