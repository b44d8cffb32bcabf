package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/berth/berth/internal/secret"
)

// TestBrowserPaidCheckout walks a buyer through the paid flow in a browser
// up to the redirect to Stripe Checkout (the browser has no internet: the
// test sees where it is sent), then plays Stripe's webhook and watches the
// order page, which waits for it, turn into the license.
func TestBrowserPaidCheckout(t *testing.T) {
	w := newBillingWorld(t, backend{name: "sqlite"})
	ctx := browser(t)
	register(t, w.in, "petra")
	signIn(t, ctx, w.in, "petra", "petra-password", "/products/vendor-app")

	redirected := make(chan string, 4)
	must(t, chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && strings.HasPrefix(e.Request.URL, "https://checkout.stripe.com/") {
			select {
			case redirected <- e.Request.URL:
			default:
			}
		}
	}))
	form := `form[action="/products/vendor-app/checkout"]:has(input[name="tier"][value="plain"])`
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(form+` input[name="accept"]`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "paid-tier.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(form+` button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	select {
	case u := <-redirected:
		t.Logf("sent to %s", u)
	case <-time.After(15 * time.Second):
		t.Fatalf("the browser was not sent to Stripe Checkout (at %s)", location(t, ctx))
	}

	// The order the checkout made, as the API lists it.
	var orders struct {
		Orders []orderResp `json:"orders"`
	}
	if status := w.in.call("GET", "/api/v1/orders", "petra", "petra-password", nil, &orders); status != http.StatusOK || len(orders.Orders) != 1 {
		t.Fatalf("orders: %d %+v; want the one pending order", status, orders)
	}
	order := orders.Orders[0]
	open(t, ctx, w.in.URL+"/orders/"+order.ID+"?checkout=success")
	if got := text(t, ctx, "#license-waiting h2"); !strings.Contains(got, "Waiting for Stripe") {
		t.Fatalf("order page before the webhook says %q; want that it waits for Stripe", got)
	}
	screenshot(t, ctx, "order-waiting.png")
	session := "cs_test_" + secret.ID() // the completion names the order by its metadata
	if status := w.send(t, sessionCompleted(order, session, "pi_"+secret.ID(), 500)); status != http.StatusOK {
		t.Fatalf("webhook: %d", status)
	}
	// The page looks again every two seconds by itself.
	deadline := time.Now().Add(15 * time.Second)
	for text(t, ctx, "#license-ready h2") == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the order page did not show the license (it says %q)", text(t, ctx, "article.order"))
		}
		time.Sleep(250 * time.Millisecond)
	}
	screenshot(t, ctx, "order-licensed.png")
	if got := navigation(t, ctx, chromedp.Click(chromedp.CSS(`#license-ready a.button`))); !strings.HasSuffix(got.Path, "/key") {
		t.Fatalf("making a key went to %s; want the confirm page", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[name="confirm"]`))); err != nil {
		t.Fatal(err)
	}
	if got := submit(t, ctx, `.license-key-confirm button[type=submit]`); !strings.HasSuffix(got.Path, "/issued") {
		t.Fatalf("showing a key landed on %s", got)
	}
	key := strings.TrimSpace(text(t, ctx, "#license-key"))
	if err := w.pull(t, "2.0.0", "x", key); err != nil {
		t.Errorf("the key shown after paying does not pull: %v", err)
	}
	open(t, ctx, w.in.URL+"/orders")
	if page := text(t, ctx, "#orders"); !strings.Contains(page, "paid") || !strings.Contains(page, "$5.00") {
		t.Errorf("orders page = %q; want the paid order of $5.00", page)
	}
	screenshot(t, ctx, "orders.png")
}
