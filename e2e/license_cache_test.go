package e2e

import (
	"context"
	"net/http"
	"testing"
)

// TestLicenseCacheAcrossInstances proves that the token server's license
// cache and token reuse (licensing/licensecache.go, tokenkey.go) never
// outlive a change made on another instance: two instances share one
// MongoDB (the in-process FerretDB); A has just answered a license key
// (so its cache holds the license and a token to reuse); a key rotated on
// B is refused by A at once and the new key works, and a license revoked
// on B is refused by A at once.
func TestLicenseCacheAcrossInstances(t *testing.T) {
	a, b := startPair(t, clusterConfig(t))
	putFreeProduct(t, a, "shared-app", "Shared App", "shared/app")
	ctx := context.Background()
	if s := a.call("POST", "/api/v1/users", "", "", map[string]string{"username": "cam", "email": "cam@example.com", "password": "cam-password"}, nil); s != http.StatusCreated {
		t.Fatalf("sign-up on A: %d", s)
	}
	var out struct{ License licenseJSON }
	if s := a.call("POST", "/api/v1/products/shared-app/checkout", "cam", "cam-password", map[string]any{"tier": "express", "accept_terms": true}, &out); s != http.StatusCreated || out.License.Key == "" {
		t.Fatalf("taking the free tier on A: %d %+v", s, out)
	}
	lic := out.License
	// warm has A answer key twice: the license is cached, the token reused.
	warm := func(key string) {
		t.Helper()
		first, second := clusterToken(t, a, "ci", key), clusterToken(t, a, "ci", key)
		if first == "" || second == "" {
			t.Fatal("no token")
		}
	}

	warm(lic.Key)
	rotated, err := b.srv.Backend.Licenses.RevealKey(ctx, lic.ID)
	must(t, err)
	if status, _ := clusterTokenAnswer(t, a, "ci", lic.Key); status != http.StatusUnauthorized {
		t.Errorf("A's answer to the old key right after B rotated it: %d, want 401", status)
	}
	if status, _ := clusterTokenAnswer(t, a, "ci", rotated.Key); status != http.StatusOK {
		t.Errorf("A's answer to the new key B rotated to: %d, want 200", status)
	}

	warm(rotated.Key)
	if _, err := b.srv.Backend.Licenses.Revoke(ctx, lic.ID); err != nil {
		t.Fatalf("revoking on B: %v", err)
	}
	if status, _ := clusterTokenAnswer(t, a, "ci", rotated.Key); status != http.StatusUnauthorized {
		t.Errorf("A's answer to the key right after B revoked its license: %d, want 401", status)
	}
}
