package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// get fetches url and returns its status and body.
func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, body
}

// checkEndpoints checks liveness, readiness (polled for up to 90s) and the
// Prometheus metrics of the store at web.
func checkEndpoints(t *testing.T, web string) {
	t.Helper()
	if code, body := get(t, web+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s; want 200", code, body)
	}
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		code, body := get(t, web+"/readyz")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d %s after 90s", code, body)
		}
	}
	_, metrics := get(t, web+"/metrics")
	for _, series := range []string{"berth_http_requests_total", "go_goroutines"} {
		if !bytes.Contains(metrics, []byte(series)) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
}

// jwk is the part of a JSON Web Key the tests look at.
type jwk struct {
	Kty, Crv, X, Y, Kid string
	X5c                 []string
}

// checkKeys checks that the JWKS at web holds one P-256 key whose x5c chain
// is a signing certificate for that key issued by the root certificate the
// server wrote to dir/keys/root-certs.pem. It returns the key id.
func checkKeys(t *testing.T, web, dir string) string {
	t.Helper()
	var set struct{ Keys []jwk }
	code, body := get(t, web+"/.well-known/jwks.json")
	if err := json.Unmarshal(body, &set); code != http.StatusOK || err != nil {
		t.Fatalf("/.well-known/jwks.json: %d %s (%v)", code, body, err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys; want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if k.Kty != "EC" || k.Crv != "P-256" || k.Kid == "" || len(k.X5c) != 2 {
		t.Fatalf("JWK kty %q crv %q kid %q with %d certificates; want EC P-256, a kid and 2", k.Kty, k.Crv, k.Kid, len(k.X5c))
	}
	leaf, root := parseCert(t, k.X5c[0]), parseCert(t, k.X5c[1])
	if err := leaf.CheckSignatureFrom(root); err != nil {
		t.Errorf("x5c[0] not issued by x5c[1]: %v", err)
	}
	if pub, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() || !sameCoord(pub.X, k.X) || !sameCoord(pub.Y, k.Y) {
		t.Errorf("x5c[0] does not certify the JWK's key")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "keys", "root-certs.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE" || !bytes.Equal(block.Bytes, root.Raw) {
		t.Errorf("keys/root-certs.pem is not the JWKS chain's root CERTIFICATE:\n%s", raw)
	}
	return k.Kid
}

// parseCert decodes one x5c entry (standard base64 DER).
func parseCert(t *testing.T, b64 string) *x509.Certificate {
	t.Helper()
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("x5c entry: %v", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("x5c entry: %v", err)
	}
	return c
}

// sameCoord reports whether the base64url coordinate b64url is n.
func sameCoord(n *big.Int, b64url string) bool {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(b64url, "="))
	return err == nil && new(big.Int).SetBytes(b).Cmp(n) == 0
}
