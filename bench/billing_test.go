package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/billing"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/stripetest"
	"github.com/berth/berth/server"
)

// paidWorld runs Berth with Stripe configured (stripe-mock; nothing in the
// measured path calls it) and a product with a paid one-time tier.
func paidWorld(b *testing.B) (*server.Server, func()) {
	stripeURL := stripetest.Start(b)
	srv, stop := running(b, func(c *server.Config) {
		c.StripeSecretKey, c.StripeWebhookSecret, c.StripeAPIURL = stripetest.SecretKey, stripetest.WebhookSecret, stripeURL
	})
	_, err := srv.Backend.Stores.Catalog.PutProduct(context.Background(), catalog.Product{
		Slug: "paid", Name: "Paid", Publisher: "bench", Kind: catalog.KindImage, Repositories: []string{"bench/paid"},
		Tiers: []catalog.Tier{{ID: "pro", Name: "Pro", Price: 2500, Currency: "usd", Repositories: []string{"bench/paid"}}},
	})
	if err != nil {
		b.Fatal(err)
	}
	return srv, stop
}

// pendingOrder records an order as a checkout would, for owner.
func pendingOrder(b *testing.B, srv *server.Server, owner string) billing.Order {
	now := time.Now().UTC()
	o := billing.Order{ID: secret.ID(), SessionID: "cs_" + secret.ID(), Buyer: owner, Owner: owner, OwnerName: owner, Product: "paid",
		ProductName: "Paid", Tier: "pro", TierName: "Pro", Publisher: "bench", Mode: "payment", Quantity: 1, Amount: 2500,
		Currency: "usd", Status: billing.OrderPending, LicenseID: secret.ID(), CreatedAt: now, UpdatedAt: now}
	if err := srv.Backend.Stores.Billing.CreateOrder(context.Background(), o); err != nil {
		b.Fatal(err)
	}
	return o
}

// completed is the signed checkout.session.completed of o.
func completed(o billing.Order) stripetest.Event {
	return stripetest.NewEvent("checkout.session.completed", map[string]any{
		"id": o.SessionID, "object": "checkout.session", "mode": "payment", "payment_status": "paid", "amount_total": 2500,
		"currency": "usd", "payment_intent": "pi_" + secret.ID(), "metadata": map[string]any{"order_id": o.ID},
	})
}

func deliver(client *http.Client, url string, e stripetest.Event) error {
	payload := e.Payload()
	req, _ := http.NewRequest(http.MethodPost, url+"/billing/webhook", bytes.NewReader(payload))
	req.Header.Set("Stripe-Signature", stripetest.Sign(payload, stripetest.WebhookSecret, time.Now()))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook status %d", resp.StatusCode)
	}
	return nil
}

// BenchmarkWebhookToPull measures what a buyer waits for after paying:
// from posting a verified checkout.session.completed to the first token
// that grants the pull (a fresh buyer each time, so only the new license
// can grant it; they ask with an access token, as CI does).
func BenchmarkWebhookToPull(b *testing.B) {
	srv, stop := paidWorld(b)
	defer stop()
	client := &http.Client{}
	service := strings.TrimPrefix(srv.RegistryURL, "http://")
	tokenURL := srv.PublicURL + "/token?service=" + service + "&scope=repository:bench/paid:pull"
	var worst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		name := fmt.Sprintf("buyer%d", i)
		u, err := srv.Backend.Accounts.Register(context.Background(), account.SignUp{Username: name, Email: name + "@example.com", Password: name + "-password"})
		if err != nil {
			b.Fatal(err)
		}
		// An access token: a password would time its argon2id hash.
		_, pat, err := srv.Backend.Accounts.CreateToken(context.Background(), u.ID, account.NewToken{Name: "ci"})
		if err != nil {
			b.Fatal(err)
		}
		ev := completed(pendingOrder(b, srv, u.ID))
		b.StartTimer()
		start := time.Now()
		if err := deliver(client, srv.PublicURL, ev); err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, tokenURL, nil)
		req.SetBasicAuth(name, pat)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var tok struct{ Token string }
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || !grantsPull(tok.Token) {
			b.Fatalf("token after payment: status %d, no pull of bench/paid granted", resp.StatusCode)
		}
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}

// grantsPull reports whether a registry token's access includes pull on
// bench/paid.
func grantsPull(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var c struct {
		Access []struct {
			Name    string
			Actions []string
		}
	}
	if json.Unmarshal(payload, &c) != nil {
		return false
	}
	for _, a := range c.Access {
		if a.Name == "bench/paid" && slices.Contains(a.Actions, "pull") {
			return true
		}
	}
	return false
}

// BenchmarkWebhookThroughput posts checkout.session.completed events from
// 8 connections, one in three a redelivery of an event already processed,
// as Stripe retries do, and reports events per second.
func BenchmarkWebhookThroughput(b *testing.B) {
	srv, stop := paidWorld(b)
	defer stop()
	events := make([]stripetest.Event, b.N)
	for i := range events {
		if i%3 == 2 {
			events[i] = events[i-1] // a redelivery
			continue
		}
		events[i] = completed(pendingOrder(b, srv, fmt.Sprintf("owner%d", i)))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	var next atomic.Int64
	b.SetParallelism(4) // 8 goroutines on two cores
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := deliver(client, srv.PublicURL, events[next.Add(1)-1]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}
