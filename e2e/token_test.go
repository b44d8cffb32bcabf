package e2e

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/licensing"
)

type tokenAnswer struct {
	Token       string `json:"token"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	IssuedAt    string `json:"issued_at"`
	Scope       string `json:"scope"`
	Refresh     string `json:"refresh_token"`
	Errors      []struct{ Code, Message string }
}

type accessClaims struct {
	jwt.RegisteredClaims
	Access []licensing.Access `json:"access"`
}

// TestTokenEndpoint checks /token against the distribution token
// specification: credentials of each kind, several scopes, deny by default,
// errors in the registry's format, and tokens verifiable with the JWKS.
func TestTokenEndpoint(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	owner, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "owner", Email: "o@example.com", Password: "owner-password"})
	if err != nil {
		t.Fatal(err)
	}
	product, free, outside := pickFreeTier(t, in)
	issued, err := in.srv.Backend.Licenses.CheckoutFree(ctx, owner.ID, product.Slug, free.ID)
	if err != nil {
		t.Fatal(err)
	}
	repo := free.Repositories[0]
	get := func(user, pass string, params url.Values) (int, tokenAnswer) {
		req, _ := http.NewRequest("GET", in.URL+"/token?"+params.Encode(), nil)
		if user != "" || pass != "" {
			req.SetBasicAuth(user, pass)
		}
		var a tokenAnswer
		return doJSON(t, req, &a), a
	}
	scopes := func(s ...string) url.Values {
		return url.Values{"service": {in.Registry}, "scope": s, "account": {"whoever"}, "client_id": {"e2e"}}
	}

	t.Run("license key, several scopes", func(t *testing.T) {
		status, a := get("ci", issued.Key, scopes("repository:"+repo+":pull,push", "repository:"+outside+":pull"))
		if status != http.StatusOK || a.Token == "" || a.Token != a.AccessToken || a.ExpiresIn != 300 {
			t.Fatalf("status %d answer %+v; want a token with expires_in 300", status, a)
		}
		if at, err := time.Parse(time.RFC3339, a.IssuedAt); err != nil || time.Since(at) > time.Minute {
			t.Errorf("issued_at %q is not a recent RFC 3339 time", a.IssuedAt)
		}
		c := verify(t, in, a.Token)
		want := []licensing.Access{{Type: "repository", Name: repo, Actions: []string{"pull"}}}
		if !slices.EqualFunc(c.Access, want, accessEqual) {
			t.Errorf("access = %+v; want only pull on %s", c.Access, repo)
		}
		if c.Issuer != "berth" || !slices.Equal([]string(c.Audience), []string{in.Registry}) || c.ExpiresAt.Sub(c.IssuedAt.Time) != 300*time.Second {
			t.Errorf("claims iss=%q aud=%v lifetime=%s", c.Issuer, c.Audience, c.ExpiresAt.Sub(c.IssuedAt.Time))
		}
	})
	t.Run("password credential gets its licenses", func(t *testing.T) {
		status, a := get("owner", "owner-password", scopes("repository:"+repo+":pull"))
		if status != http.StatusOK || len(verify(t, in, a.Token).Access) != 1 {
			t.Fatalf("status %d answer %+v", status, a)
		}
	})
	t.Run("anonymous gets an empty grant", func(t *testing.T) {
		status, a := get("", "", scopes("repository:"+repo+":pull"))
		if status != http.StatusOK || len(verify(t, in, a.Token).Access) != 0 {
			t.Fatalf("status %d answer %+v; want a token granting nothing", status, a)
		}
	})
	t.Run("login without scope", func(t *testing.T) {
		if status, _ := get("ci", issued.Key, url.Values{"service": {in.Registry}}); status != http.StatusOK {
			t.Fatalf("docker login's scope-less request: status %d", status)
		}
	})
	refusals := []struct {
		name, user, pass string
		params           url.Values
		status           int
		code             string
	}{
		{"wrong password", "owner", "wrong-password", scopes("repository:" + repo + ":pull"), 401, "UNAUTHORIZED"},
		{"unknown license key", "x", licensing.KeyPrefix + "nope", scopes("repository:" + repo + ":pull"), 401, "UNAUTHORIZED"},
		{"scope class not a word", "ci", issued.Key, scopes("repository(a)b):" + repo + ":pull"), 400, "INVALID_SCOPE"},
		{"malformed scope", "ci", issued.Key, scopes("repository:" + repo), 400, "INVALID_SCOPE"},
		{"unknown service", "ci", issued.Key, url.Values{"service": {"elsewhere:5000"}}, 400, "INVALID_REQUEST"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			status, a := get(r.user, r.pass, r.params)
			if status != r.status || len(a.Errors) != 1 || a.Errors[0].Code != r.code || a.Errors[0].Message == "" || a.Token != "" {
				t.Errorf("status %d answer %+v; want %d with one %s error", status, a, r.status, r.code)
			}
		})
	}
	t.Run("OAuth2 credentials only from the body", func(t *testing.T) {
		req, _ := http.NewRequest("POST", in.URL+"/token?username=ci&password="+url.QueryEscape(issued.Key), strings.NewReader("grant_type=password"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var a tokenAnswer
		if status := doJSON(t, req, &a); status != http.StatusBadRequest || a.Token != "" {
			t.Errorf("credentials in the query string: status %d %+v; want 400", status, a)
		}
	})
	t.Run("OAuth2 password grant", func(t *testing.T) {
		form := url.Values{"grant_type": {"password"}, "username": {"ci"}, "password": {issued.Key}, "service": {in.Registry},
			"scope": {"repository:" + repo + ":pull repository:" + outside + ":pull"}, "client_id": {"e2e"}, "access_type": {"offline"}}
		req, _ := http.NewRequest("POST", in.URL+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var a tokenAnswer
		if status := doJSON(t, req, &a); status != http.StatusOK || a.Scope != "repository:"+repo+":pull" || a.AccessToken == "" {
			t.Fatalf("status %d answer %+v; want only the entitled scope", status, a)
		}
	})
}

// verify checks a token's signature the way a registry would: its x5c
// certificate must chain to the root Berth publishes.
func verify(t *testing.T, in *instance, raw string) accessClaims {
	t.Helper()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(in.srv.Backend.Keys.RootPEM()) {
		t.Fatal("no root certificate")
	}
	var c accessClaims
	_, err := jwt.ParseWithClaims(raw, &c, func(tok *jwt.Token) (any, error) {
		chain, _ := tok.Header["x5c"].([]any)
		s, _ := chain[0].(string)
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return nil, err
		}
		kid, _ := tok.Header["kid"].(string)
		if !jwksHas(t, in, kid) {
			t.Errorf("kid %q is not in the JWKS", kid)
		}
		return cert.PublicKey, nil
	}, jwt.WithValidMethods([]string{"ES256"}))
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	return c
}

func jwksHas(t *testing.T, in *instance, kid string) bool {
	var set licensing.JWKS
	if status := in.call("GET", "/.well-known/jwks.json", "", "", nil, &set); status != http.StatusOK {
		t.Fatalf("jwks: status %d", status)
	}
	return slices.ContainsFunc(set.Keys, func(k licensing.JWK) bool { return k.Kid == kid && len(k.X5c) == 2 })
}

func accessEqual(a, b licensing.Access) bool {
	return a.Type == b.Type && a.Class == b.Class && a.Name == b.Name && slices.Equal(a.Actions, b.Actions)
}

// TestPublisherMemberPush: a publisher's member pushes to its namespace with
// username and password and pulls it back; a non-member and a license key
// cannot push there.
func TestPublisherMemberPush(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	member, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "member", Email: "m@example.com", Password: "member-password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "outsider", Email: "x@example.com", Password: "outsider-password"}); err != nil {
		t.Fatal(err)
	}
	product, _, _ := pickFreeTier(t, in)
	pub, err := in.srv.Backend.Stores.Publishers.PublisherBySlug(ctx, strings.ToLower(productPublisher(t, in, product.Slug)))
	if err != nil {
		t.Fatal(err)
	}
	pub.Members = append(pub.Members, member.ID)
	if _, err := in.srv.Backend.Stores.Publishers.PutPublisher(ctx, pub); err != nil {
		t.Fatal(err)
	}
	// Members push to staging only; buyer-facing repositories take only
	// what the publishing pipeline promotes.
	repo := "staging/" + pub.Namespaces[0] + "/e2e-upload"
	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	direct := ref(t, in.Registry, pub.Namespaces[0]+"/e2e-upload", "1.0.0")
	if err := remote.Write(direct, img, remote.WithAuth(&authn.Basic{Username: "member", Password: "member-password"})); !isDenied(err) {
		t.Errorf("member push straight to the buyer-facing repository: %v; want 401/403", err)
	}
	target := ref(t, in.Registry, repo, "1.0.0")
	if err := remote.Write(target, img, remote.WithAuth(&authn.Basic{Username: "outsider", Password: "outsider-password"})); !isDenied(err) {
		t.Errorf("outsider push: %v; want 401/403", err)
	}
	memberAuth := remote.WithAuth(&authn.Basic{Username: "member", Password: "member-password"})
	if err := remote.Write(target, img, memberAuth); err != nil {
		t.Fatalf("member push to %s: %v", repo, err)
	}
	got, err := remote.Image(target, memberAuth)
	if err != nil {
		t.Fatalf("member pull: %v", err)
	}
	want, _ := img.Digest()
	if d, _ := got.Digest(); d != want {
		t.Errorf("pulled %s, pushed %s", d, want)
	}
	if _, err := remote.Image(target); !isDenied(err) {
		t.Errorf("anonymous pull of %s: %v; want 401", repo, err)
	}
}

func productPublisher(t *testing.T, in *instance, slug string) string {
	var p struct{ Publisher string }
	if status := in.call("GET", "/api/v1/products/"+slug, "", "", nil, &p); status != http.StatusOK {
		t.Fatalf("product %s: status %d", slug, status)
	}
	return p.Publisher
}
