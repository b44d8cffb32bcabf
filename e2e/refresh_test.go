package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
)

// postToken sends an OAuth2 form to /token and decodes the answer.
func postToken(t *testing.T, in *instance, form url.Values) (int, tokenAnswer) {
	t.Helper()
	req, _ := http.NewRequest("POST", in.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var a tokenAnswer
	return doJSON(t, req, &a), a
}

// TestRefreshTokens: offline access hands out a refresh token that a real
// client (go-containerregistry's identity-token flow, as docker login uses)
// pulls with; it dies with its credential — a changed password, a revoked
// access token or license — or when signed out from the account.
func TestRefreshTokens(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	b := in.srv.Backend
	u, err := b.Accounts.Register(ctx, account.SignUp{Username: "rita", Email: "rita@example.com", Password: "rita-password"})
	must(t, err)
	product, free, _ := pickFreeTier(t, in)
	issued, err := b.Licenses.CheckoutFree(ctx, u.ID, product.Slug, free.ID)
	must(t, err)
	repo := free.Repositories[0]
	scope := "repository:" + repo + ":pull"
	offline := func(user, pass string) string {
		t.Helper()
		status, a := postToken(t, in, url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass},
			"service": {in.Registry}, "scope": {scope}, "access_type": {"offline"}, "client_id": {"docker"}})
		rt := a.Refresh
		if status != http.StatusOK || !strings.HasPrefix(rt, "berth_rt_") {
			t.Fatalf("offline password grant for %s: %d, refresh token %q", user, status, rt)
		}
		return rt
	}
	// refresh uses a refresh token and returns the status and the scope granted.
	refresh := func(rt string) (int, string) {
		t.Helper()
		status, a := postToken(t, in, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "service": {in.Registry}, "scope": {scope}})
		if a.Refresh != "" {
			t.Errorf("a refresh grant handed out another refresh token; refresh tokens are reusable, not rotated")
		}
		return status, a.Scope
	}

	byPassword := offline("rita", "rita-password")
	identity := remote.WithAuth(authn.FromConfig(authn.AuthConfig{IdentityToken: byPassword}))
	if _, err := remote.Image(ref(t, in.Registry, repo, "latest"), identity); err != nil {
		t.Fatalf("pulling with the refresh token as identity token (docker login's flow): %v", err)
	}

	req, _ := http.NewRequest("GET", in.URL+"/token?"+url.Values{"service": {in.Registry}, "offline_token": {"true"}, "scope": {scope}}.Encode(), nil)
	req.SetBasicAuth("ci", issued.Key)
	var got struct {
		RefreshToken string `json:"refresh_token"`
	}
	if status := doJSON(t, req, &got); status != http.StatusOK || !strings.HasPrefix(got.RefreshToken, "berth_rt_") {
		t.Fatalf("GET offline_token=true with a license key: %d %q", status, got.RefreshToken)
	}
	byLicense := got.RefreshToken
	_, pat, err := b.Accounts.CreateToken(ctx, u.ID, account.NewToken{Name: "ci"})
	must(t, err)
	byToken := offline("rita", pat)
	for name, rt := range map[string]string{"password": byPassword, "license": byLicense, "access token": byToken} {
		if status, granted := refresh(rt); status != http.StatusOK || granted != scope {
			t.Errorf("refreshing the %s-born token: %d granting %q; want 200 granting %q", name, status, granted, scope)
		}
	}

	var list struct {
		Clients []struct {
			ID         string `json:"id"`
			Credential string `json:"credential"`
			ClientID   string `json:"client_id"`
		} `json:"registry_clients"`
	}
	in.call("GET", "/api/v1/user/registry-clients", "rita", "rita-password", nil, &list)
	if len(list.Clients) != 3 {
		t.Fatalf("registry clients listed: %+v; want 3", list.Clients)
	}

	tokens, _ := b.Accounts.Tokens(ctx, u.ID)
	must(t, b.Accounts.RevokeToken(ctx, u.ID, tokens[0].ID))
	if status, _ := refresh(byToken); status != http.StatusUnauthorized {
		t.Errorf("after revoking its access token, the refresh token got %d; want 401", status)
	}
	_, err = b.Licenses.Revoke(ctx, issued.License.ID)
	must(t, err)
	if status, _ := refresh(byLicense); status != http.StatusUnauthorized {
		t.Errorf("after revoking its license, the refresh token got %d; want 401", status)
	}
	second := offline("rita", "rita-password")
	signedOut := 0
	for _, c := range list.Clients {
		if c.Credential == "password" && c.ClientID == "docker" {
			if status := in.call("DELETE", "/api/v1/user/registry-clients/"+c.ID, "rita", "rita-password", nil, nil); status != http.StatusNoContent {
				t.Fatalf("signing a registry client out: %d", status)
			}
			signedOut++
		}
	}
	if signedOut != 1 {
		t.Fatalf("found %d password-born docker clients in %+v; want 1", signedOut, list.Clients)
	}
	if status, _ := refresh(byPassword); status != http.StatusUnauthorized {
		t.Errorf("a signed-out refresh token got %d; want 401", status)
	}
	if status, _ := refresh(second); status != http.StatusOK {
		t.Fatalf("another client's refresh token stopped working: %d", status)
	}
	must(t, b.Accounts.ChangePassword(ctx, u.ID, "rita-password", "rita-new-password", ""))
	if status, _ := refresh(second); status != http.StatusUnauthorized {
		t.Errorf("after a password change, the password-born refresh token got %d; want 401", status)
	}
}
