package e2e

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/berth/berth/account"
	"github.com/berth/berth/licensing"
)

// TestEscalation tries what an attacker with some credential would, and
// checks that none of it gains access: at the token endpoint (what is
// granted) and at the registry (what is accepted).
func TestEscalation(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	b := in.srv.Backend
	u, err := b.Accounts.Register(ctx, account.SignUp{Username: "eve", Email: "eve@example.com", Password: "eve-password"})
	must(t, err)
	product, free, outside := pickFreeTier(t, in)
	issued, err := b.Licenses.CheckoutFree(ctx, u.ID, product.Slug, free.ID)
	must(t, err)
	repo := free.Repositories[0]

	grants := []struct{ name, scope string }{
		{"push with a pull-only license", "repository:" + repo + ":push"},
		{"every action", "repository:" + repo + ":*"},
		{"delete", "repository:" + repo + ":delete"},
		{"another product's repository", "repository:" + outside + ":pull"},
		{"the registry catalog", "registry:catalog:*"},
		{"a look-alike namespace", "repository:" + strings.Replace(repo, "/", "x/", 1) + ":pull"},
	}
	for _, g := range grants {
		t.Run("grant/"+g.name, func(t *testing.T) {
			c := issue(t, in, "eve", issued.Key, g.scope)
			for _, a := range c.Access {
				if a.Name != repo || len(a.Actions) != 1 || a.Actions[0] != "pull" {
					t.Errorf("scope %q granted %+v", g.scope, a)
				}
			}
			if !strings.HasPrefix(g.scope, "repository:"+repo+":") && len(c.Access) != 0 {
				t.Errorf("scope %q granted %+v; want nothing", g.scope, c.Access)
			}
		})
	}
	for _, name := range []string{"../../etc/passwd", "acme/../netscaler/cpx", "/abs", "UPPER/case", "a//b", strings.Repeat("a", 300)} {
		t.Run("malformed/"+name[:min(len(name), 20)], func(t *testing.T) {
			req, _ := http.NewRequest("GET", in.URL+"/token?"+url.Values{"service": {in.Registry}, "scope": {"repository:" + name + ":pull"}}.Encode(), nil)
			req.SetBasicAuth("eve", issued.Key)
			var a tokenAnswer
			if status := doJSON(t, req, &a); status != http.StatusBadRequest || a.Token != "" {
				t.Errorf("scope on %q: %d %+v; want 400 and no token", name, status, a)
			}
		})
	}

	genuine := issue(t, in, "eve", issued.Key, "repository:"+repo+":pull")
	target := "http://" + in.Registry + "/v2/" + repo + "/tags/list"
	forged := map[string]string{
		"alg none":                  noneToken(genuine),
		"HS256 with the public key": hmacWithPublicKey(t, in, genuine),
		"expired, Berth's own key":  signedByBerth(t, in, genuine, time.Now().Add(-10*time.Minute)),
		"another audience":          signedByBerth(t, in, withAudience(genuine, "elsewhere:5000"), time.Now().Add(time.Minute)),
	}
	for name, tok := range forged {
		t.Run("registry/"+name, func(t *testing.T) {
			if got := bearerStatus(t, target, tok); got != http.StatusUnauthorized {
				t.Errorf("%s token: status %d; want 401", name, got)
			}
		})
	}
	if got := bearerStatus(t, target, signedByBerth(t, in, genuine, time.Now().Add(time.Minute))); got != http.StatusOK {
		t.Fatalf("control: a token signed by Berth's key got %d; the forgeries above prove nothing", got)
	}
}

// issue asks /token for one scope and returns the verified claims.
func issue(t *testing.T, in *instance, user, pass, scope string) accessClaims {
	t.Helper()
	return verify(t, in, issueRaw(t, in, user, pass, scope))
}

// issueRaw asks /token for one scope and returns the token as sent.
func issueRaw(t *testing.T, in *instance, user, pass, scope string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", in.URL+"/token?"+url.Values{"service": {in.Registry}, "scope": {scope}}.Encode(), nil)
	req.SetBasicAuth(user, pass)
	var a tokenAnswer
	if status := doJSON(t, req, &a); status != http.StatusOK {
		t.Fatalf("token for %q: %d %+v", scope, status, a)
	}
	return a.Token
}

func withAudience(c accessClaims, aud string) accessClaims {
	c.Audience = jwt.ClaimStrings{aud}
	return c
}

func noneToken(c accessClaims) string {
	s, _ := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	return s
}

// hmacWithPublicKey is the classic algorithm confusion: an HS256 token whose
// secret is the verifier's public key.
func hmacWithPublicKey(t *testing.T, in *instance, c accessClaims) string {
	t.Helper()
	cert := signingCert(t, in)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["x5c"] = []string{base64.StdEncoding.EncodeToString(cert.Raw)}
	s, err := tok.SignedString(cert.RawSubjectPublicKeyInfo)
	must(t, err)
	return s
}

// signedByBerth signs claims with Berth's real signing key, read from its
// database, expiring at exp: only what the claims say differs from a
// genuine token.
func signedByBerth(t *testing.T, in *instance, c accessClaims, exp time.Time) string {
	t.Helper()
	keys, err := in.srv.Backend.Stores.Licenses.Keys(context.Background())
	must(t, err)
	var k licensing.Key
	for _, key := range keys {
		if key.Kind == licensing.KeySigning {
			k = key
		}
	}
	// Private keys are sealed at rest: open this one as Berth does, under
	// the key-encryption key, bound to the key's kind and ID.
	der, _, err := in.srv.Backend.Sealer.Open(k.PrivateDER, []byte("berth token key\x00"+string(k.Kind)+"\x00"+k.ID))
	must(t, err)
	priv, err := x509.ParsePKCS8PrivateKey(der)
	must(t, err)
	c.ExpiresAt = jwt.NewNumericDate(exp)
	c.IssuedAt = jwt.NewNumericDate(exp.Add(-5 * time.Minute))
	c.NotBefore = c.IssuedAt
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	tok.Header["kid"] = k.ID
	tok.Header["x5c"] = []string{base64.StdEncoding.EncodeToString(k.CertDER)}
	s, err := tok.SignedString(priv)
	must(t, err)
	return s
}

func signingCert(t *testing.T, in *instance) *x509.Certificate {
	t.Helper()
	var set licensing.JWKS
	in.call("GET", "/.well-known/jwks.json", "", "", nil, &set)
	der, err := base64.StdEncoding.DecodeString(set.Keys[0].X5c[0])
	must(t, err)
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	return cert
}
