package e2e

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSecretsNeverLogged runs the buyer's flow with the server logging at
// debug, the most it ever says, and checks that no password, license key
// or bearer credential reached the log.
func TestSecretsNeverLogged(t *testing.T) {
	var logs syncBuffer
	in := startWith(t, config(t, backend{name: "sqlite"}), slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), true)
	password := "Unique-Passw0rd-For-Log-Check"
	in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "carol", "email": "carol@example.com", "password": password}, nil)
	product, free, _ := pickFreeTier(t, in)
	var out struct{ License licenseJSON }
	if status := in.call("POST", "/api/v1/products/"+product.Slug+"/checkout", "carol", password, map[string]any{"tier": free.ID, "accept_terms": true}, &out); status != http.StatusCreated {
		t.Fatalf("checkout: %d", status)
	}
	pullWith(t, in.Registry, free.Repositories[0], out.License.Key)
	waitForPulls(t, in, product.Slug)
	in.call("GET", "/api/v1/licenses", "carol", password+"-wrong", nil, nil)
	in.stop()

	text := logs.String()
	if !strings.Contains(text, "berth is listening") {
		t.Fatalf("the log was not captured: %q", text)
	}
	for name, secret := range map[string]string{
		"password": password, "license key": out.License.Key, "license key body": strings.TrimPrefix(out.License.Key, "berth_lk_"),
		"bearer credential": "Bearer ", "basic credential": "Basic ",
	} {
		if strings.Contains(text, secret) {
			i := strings.Index(text, secret)
			t.Errorf("the log contains a %s: …%s…", name, text[max(0, i-120):min(len(text), i+60)])
		}
	}
}
