// Package stripetest runs stripe-mock for tests and builds Stripe webhook
// events signed the way Stripe signs them, with stripe-go's own helper.
package stripetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/berth/berth/internal/secret"
)

// Keys are the test Stripe credentials: stripe-mock accepts any sk_test_ key.
const (
	SecretKey     = "sk_test_berth"
	WebhookSecret = "whsec_berth_test_secret"
)

// binary finds stripe-mock: on PATH, or where `go install` puts it.
func binary() (string, error) {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(gopath, "bin", "stripe-mock")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("stripe-mock not found: ./scripts/test installs it (go install github.com/stripe/stripe-mock@v0.203.0)")
	}
	return p, nil
}

// Start runs stripe-mock on a free loopback port for the test and returns
// its base URL.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// Its HTTPS side listens too, by default on a fixed port that a second
	// stripe-mock (another test package) could not bind: any free port.
	cmd := exec.Command(bin, "-http-addr", addr, "-https-addr", "127.0.0.1:")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting stripe-mock: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("stripe-mock exited (%v):\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("stripe-mock not listening on %s after 30s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Event is a Stripe event about object, created at created.
type Event struct {
	ID      string
	Type    string
	Created time.Time
	Object  map[string]any
}

// NewEvent returns an event of typ about object, created now, with a fresh ID.
func NewEvent(typ string, object map[string]any) Event {
	return Event{ID: "evt_" + secret.ID(), Type: typ, Created: time.Now(), Object: object}
}

// Payload is the event as Stripe posts it.
func (e Event) Payload() []byte {
	b, _ := json.Marshal(map[string]any{"id": e.ID, "object": "event", "type": e.Type, "created": e.Created.Unix(),
		"api_version": "2023-10-16", "livemode": false, "pending_webhooks": 1, "data": map[string]any{"object": e.Object}})
	return b
}

// Sign returns the Stripe-Signature header for payload, timestamped at.
func Sign(payload []byte, secret string, at time.Time) string {
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at})
	return signed.Header
}
