package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/licensing"
)

// TestTokenScopeLimits: the token endpoint answers the canonical set of the
// scopes asked, so that repeating one scope 20,000 times costs nothing, and
// refuses with 400, in the registry's error format, a request naming more
// distinct scopes, or longer scope text, than one token may carry. The
// audit record keeps the canonical set.
func TestTokenScopeLimits(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	owner, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "owner", Email: "o@example.com", Password: "owner-password"})
	must(t, err)
	_, err = in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "ops", Email: "ops@example.com", Password: "ops-password", Admin: true})
	must(t, err)
	product, free, _ := pickFreeTier(t, in)
	_, err = in.srv.Backend.Licenses.CheckoutFree(ctx, owner.ID, product.Slug, free.ID)
	must(t, err)
	repo := free.Repositories[0]
	scope := "repository:" + repo + ":pull"

	post := func(scopes []string, agent string) (int, []byte) {
		form := url.Values{"grant_type": {"password"}, "username": {"owner"}, "password": {"owner-password"},
			"service": {in.Registry}, "scope": scopes}
		req, _ := http.NewRequest("POST", in.URL+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("User-Agent", agent)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		must(t, err)
		return resp.StatusCode, body
	}

	t.Run("20,000 copies of one scope", func(t *testing.T) {
		copies := make([]string, 20000)
		for i := range copies {
			copies[i] = scope
		}
		status, body := post(copies, "e2e-copies")
		var a tokenAnswer
		decode(t, body, &a)
		if status != http.StatusOK || a.Scope != scope {
			t.Fatalf("status %d scope %q; want 200 granting %q once", status, a.Scope, scope)
		}
		c := verify(t, in, a.Token)
		want := []licensing.Access{{Type: "repository", Name: repo, Actions: []string{"pull"}}}
		if !slices.EqualFunc(c.Access, want, accessEqual) {
			t.Errorf("access = %+v; want one entry", c.Access)
		}
		if len(body) > 8<<10 {
			t.Errorf("the answer is %d bytes; want a token of one scope (a few KB)", len(body))
		}
		rec := auditRecord(t, in, "e2e-copies")
		if !slices.Equal(rec.Asked, []string{scope}) || !slices.Equal(rec.Granted, []string{scope}) {
			t.Errorf("audit record asked %d scopes %.200q, granted %q; want the one scope each", len(rec.Asked), rec.Asked, rec.Granted)
		}
	})

	distinct := make([]string, licensing.MaxScopes+1)
	for i := range distinct {
		distinct[i] = fmt.Sprintf("repository:owner/repo%d:pull", i)
	}
	refusals := []struct {
		name   string
		scopes []string
		says   string
	}{
		{"65 distinct scopes", distinct, "more than 64 distinct scopes"},
		{"over-long scope text", []string{"repository:" + repo + ":pull," + strings.Repeat("x", licensing.MaxScopeBytes)}, "longer than 16384 bytes"},
		{"actions adding up past the limit", manyActions(repo, 2000), "longer than 16384 bytes"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			status, body := post(r.scopes, "e2e-refused")
			var a tokenAnswer
			decode(t, body, &a)
			if status != http.StatusBadRequest || len(a.Errors) != 1 || a.Errors[0].Code != "INVALID_SCOPE" ||
				!strings.Contains(a.Errors[0].Message, r.says) || a.Token != "" {
				t.Errorf("status %d answer %.300s; want 400 with one INVALID_SCOPE error saying %q", status, body, r.says)
			}
		})
	}
	t.Run("64 distinct scopes over GET", func(t *testing.T) {
		q := url.Values{"service": {in.Registry}, "scope": distinct[:licensing.MaxScopes]}
		req, _ := http.NewRequest("GET", in.URL+"/token?"+q.Encode(), nil)
		req.SetBasicAuth("owner", "owner-password")
		var a tokenAnswer
		if status := doJSON(t, req, &a); status != http.StatusOK || a.Token == "" {
			t.Errorf("status %d %+v; want a token", status, a)
		}
	})
}

// manyActions returns n scopes of repo, each naming one distinct action.
func manyActions(repo string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("repository:%s:act%05d", repo, i)
	}
	return out
}

// auditRecord waits for the token audit record of the request sent with
// the user agent, and returns it as the admin API shows it.
func auditRecord(t *testing.T, in *instance, agent string) tokenRecordJSON {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var page struct{ Tokens []tokenRecordJSON }
		if status := in.call("GET", "/api/v1/admin/tokens?limit=100", "ops", "ops-password", nil, &page); status != http.StatusOK {
			t.Fatalf("admin tokens: status %d", status)
		}
		for _, r := range page.Tokens {
			if r.UserAgent == agent {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no audit record of the %s request after 15s", agent)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tokenRecordJSON is a token audit record in the admin API.
type tokenRecordJSON struct {
	Asked     []string `json:"scopes_asked"`
	Granted   []string `json:"scopes_granted"`
	UserAgent string   `json:"user_agent"`
}

// decode unmarshals a JSON answer.
func decode(t *testing.T, body []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("decoding %.300q: %v", body, err)
	}
}
