package e2e

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/berth/berth/catalog"
)

// TestRegistryReachTable: /token derives registry scopes from the same
// trust model as the routes. For each credential kind it asks for pull,
// push and delete on four repositories and checks exactly what the token
// grants (delete goes with push: never to a read-only token, a license key
// or outside a token's limits):
// alice's private repository, her publisher's staging namespace, her
// publisher's buyer-facing repository (which her license also covers),
// and bob's public repository.
func TestRegistryReachTable(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	w := newTrustWorld(t, in, 0)
	_, err := in.srv.Backend.Repositories.Create(context.Background(), catalog.NewRepository{Namespace: w.bob.Username, Name: "pub"})
	must(t, err)
	own, staging, listed, public := w.alice.Username+"/app", "staging/"+w.names["image-ns"]+"/app", w.names["image-ns"]+"/app", w.bob.Username+"/pub"
	full := map[string]string{own: "delete,pull,push", staging: "delete,pull,push", listed: "pull", public: "pull"}
	want := map[string]map[string]string{
		"anonymous":     {public: "pull"},
		"password":      full,
		"pat-write":     full,
		"refresh-token": full,
		"pat-read":      {own: "pull", staging: "pull", listed: "pull", public: "pull"},
		"pat-limited":   {own: "delete,pull,push"},
		"push-token":    {staging: "delete,pull,push"},
		"license-key":   {listed: "pull", public: "pull"},
		"admin":         {public: "pull"},
	}
	creds := map[string][2]string{"anonymous": {}, "admin": {"ada0", "ada-password"}}
	for kind, c := range w.creds {
		creds[kind] = [2]string{c.user, c.pass}
	}
	for kind, expected := range want {
		q := url.Values{"service": {in.Registry}}
		for _, repo := range []string{own, staging, listed, public} {
			q.Add("scope", "repository:"+repo+":pull,push,delete")
		}
		var a tokenAnswer
		if kind == "refresh-token" {
			q.Set("grant_type", "refresh_token")
			q.Set("refresh_token", creds[kind][1])
			q.Set("client_id", "table")
			req, _ := http.NewRequest("POST", in.URL+"/token", strings.NewReader(q.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if status := doJSON(t, req, &a); status != http.StatusOK {
				t.Fatalf("refresh grant: %d", status)
			}
			a.Token = a.AccessToken
		} else {
			req, _ := http.NewRequest("GET", in.URL+"/token?"+q.Encode(), nil)
			if c := creds[kind]; c[0] != "" || c[1] != "" {
				req.SetBasicAuth(c[0], c[1])
			}
			if status := doJSON(t, req, &a); status != http.StatusOK {
				t.Fatalf("token as %s: %d", kind, status)
			}
		}
		got := map[string]string{}
		for _, acc := range verify(t, in, a.Token).Access {
			actions := slices.Clone(acc.Actions)
			slices.Sort(actions)
			got[acc.Name] = strings.Join(actions, ",")
		}
		for _, repo := range []string{own, staging, listed, public} {
			if got[repo] != expected[repo] {
				t.Errorf("%s on %s: granted %q, want %q", kind, repo, got[repo], expected[repo])
			}
		}
	}
}
