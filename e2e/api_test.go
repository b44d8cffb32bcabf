package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/berth/berth/account"
)

type apiErr struct {
	Error struct{ Code, Message, Field string }
}

// TestAPIErrors: every bad input gets a clear error in one format and
// changes nothing.
func TestAPIErrors(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	good := map[string]string{"username": "alice", "email": "alice@example.com", "password": "alice-password"}
	if status := in.call("POST", "/api/v1/users", "", "", good, nil); status != http.StatusCreated {
		t.Fatalf("sign-up: %d", status)
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for key, val := range good {
			m[key] = val
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name, method, path, user, pass string
		body                           any
		status                         int
		code, field                    string
	}{
		{"taken username", "POST", "/api/v1/users", "", "", with("email", "other@example.com"), 409, "conflict", ""},
		{"bad username", "POST", "/api/v1/users", "", "", with("username", "-Bad Name-"), 422, "invalid", "username"},
		{"bad email", "POST", "/api/v1/users", "", "", with("email", "not-an-email"), 422, "invalid", "email"},
		{"short password", "POST", "/api/v1/users", "", "", with("password", "short"), 422, "invalid", "password"},
		{"password shaped like a key", "POST", "/api/v1/users", "", "", with("password", "berth_lk_abcdefgh"), 422, "invalid", "password"},
		{"not JSON", "POST", "/api/v1/users", "", "", "just a string", 400, "bad_request", ""},
		{"unknown product", "GET", "/api/v1/products/nope", "", "", nil, 404, "not_found", ""},
		{"bad kind filter", "GET", "/api/v1/products?kind=car", "", "", nil, 400, "bad_request", "kind"},
		{"bad limit", "GET", "/api/v1/products?limit=1000", "", "", nil, 400, "bad_request", "limit"},
		{"licenses need sign-in", "GET", "/api/v1/licenses", "", "", nil, 401, "unauthorized", ""},
		{"wrong password", "GET", "/api/v1/licenses", "alice", "wrong-password", nil, 401, "unauthorized", ""},
		{"someone else's license", "GET", "/api/v1/licenses/doesnotexist", "alice", "alice-password", nil, 404, "not_found", ""},
		{"unknown tier", "POST", "/api/v1/products/" + firstSlug(t, in) + "/checkout", "alice", "alice-password", map[string]string{"tier": "platinum"}, 404, "not_found", ""},
		{"missing tier", "POST", "/api/v1/products/" + firstSlug(t, in) + "/checkout", "alice", "alice-password", map[string]string{}, 422, "invalid", "tier"},
		{"unknown API path", "GET", "/api/v1/nothing", "", "", nil, 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiErr
			status := in.call(tt.method, tt.path, tt.user, tt.pass, tt.body, &e)
			if status != tt.status || e.Error.Code != tt.code || e.Error.Field != tt.field || e.Error.Message == "" {
				t.Errorf("status %d error %+v; want %d %s field %q with a message", status, e.Error, tt.status, tt.code, tt.field)
			}
		})
	}
	// A browser can post a form cross-site with cached credentials; the API
	// takes JSON only and never asks a browser for Basic credentials.
	form, _ := http.NewRequest("POST", in.URL+"/api/v1/products/"+firstSlug(t, in)+"/checkout", strings.NewReader("tier=express"))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	form.SetBasicAuth("alice", "alice-password")
	var e apiErr
	if status := doJSON(t, form, &e); status != http.StatusUnsupportedMediaType || e.Error.Code != "unsupported_media_type" {
		t.Errorf("form-encoded checkout: %d %+v; want 415", status, e)
	}
	resp, err := http.Get(in.URL + "/api/v1/licenses")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("API 401 = %d with challenge %q; want 401 without a Basic challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	var list struct{ Licenses []licenseJSON }
	if status := in.call("GET", "/api/v1/licenses", "alice", "alice-password", nil, &list); status != http.StatusOK || len(list.Licenses) != 0 {
		t.Errorf("after the refused requests alice has %d licenses (status %d); want none", len(list.Licenses), status)
	}
}

func firstSlug(t *testing.T, in *instance) string {
	var list struct{ Products []productJSON }
	in.call("GET", "/api/v1/products?limit=1", "", "", nil, &list)
	if len(list.Products) != 1 {
		t.Fatal("no products")
	}
	return list.Products[0].Slug
}

// TestParallelTokensNotLimited: many parallel token requests with a
// license key from one address (a CI farm behind one NAT) all succeed: the
// guessing limit reserves attempts only for passwords.
func TestParallelTokensNotLimited(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	u, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "farm", Email: "farm@example.com", Password: "farm-password"})
	must(t, err)
	product, free, _ := pickFreeTier(t, in)
	issued, err := in.srv.Backend.Licenses.CheckoutFree(ctx, u.ID, product.Slug, free.ID)
	must(t, err)
	const parallel = 64
	statuses := make(chan int, parallel)
	var wg sync.WaitGroup
	for i := 0; i < parallel; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", in.URL+"/token?service="+in.Registry+"&scope=repository:"+free.Repositories[0]+":pull", nil)
			req.SetBasicAuth("ci", issued.Key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != http.StatusOK {
			t.Errorf("a parallel token request got %d; want every one 200", s)
		}
	}
}
