package frontend

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
)

// profileFixture is alice with a public and a private repository, in the
// organisation acme, and bob, who is neither.
func profileFixture(t *testing.T) *accountsHarness {
	t.Helper()
	h := newAccountsHarness(t)
	ctx := context.Background()
	alice := h.user("alice")
	h.user("bob")
	if _, err := h.accts.CreateOrg(ctx, alice, "acme", "Acme Corp"); err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	for _, r := range []catalog.NewRepository{
		{Namespace: "alice", Name: "web", Summary: "the public one"},
		{Namespace: "alice", Name: "secret-sauce", Private: true},
	} {
		if _, err := h.repos.Create(ctx, r); err != nil {
			t.Fatalf("creating %s: %v", r.Name, err)
		}
	}
	return h
}

func TestProfilePage(t *testing.T) {
	tests := []struct {
		name        string
		viewer      string // "" is anonymous
		want        []string
		wantMissing []string
	}{
		{name: "anonymous", want: []string{"/r/alice/web", "the public one", `href="/orgs/acme"`},
			wantMissing: []string{"secret-sauce", `href="/settings">Settings`}},
		{name: "someone else", viewer: "bob", want: []string{"/r/alice/web"}, wantMissing: []string{"secret-sauce"}},
		{name: "alice herself", viewer: "alice", want: []string{"/r/alice/web", "/r/alice/secret-sauce", "private", `href="/settings">Settings`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := profileFixture(t)
			b := &accountsBrowser{h: h}
			if tt.viewer != "" {
				b = h.signIn(tt.viewer, accountsPassword)
			}
			resp, body := b.get("/u/alice")
			requireStatus(t, "GET /u/alice", resp, body, http.StatusOK)
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("profile does not contain %q", w)
				}
			}
			for _, w := range tt.wantMissing {
				if strings.Contains(body, w) {
					t.Errorf("profile contains %q", w)
				}
			}
		})
	}
}

func TestProfileOfUnknownUserIsNotFound(t *testing.T) {
	h := newAccountsHarness(t)
	anon := &accountsBrowser{h: h}
	resp, body := anon.get("/u/nobody")
	requireStatus(t, "GET /u/nobody", resp, body, http.StatusNotFound)
	if !strings.Contains(body, "<html") {
		t.Error("the unknown profile is not an HTML page")
	}
	resp, body = anon.get("/api/v1/users/nobody")
	requireStatus(t, "GET /api/v1/users/nobody", resp, body, http.StatusNotFound)
}

func TestDisabledUserHasNoProfile(t *testing.T) {
	h := profileFixture(t)
	admin, err := h.accts.Register(context.Background(), account.SignUp{Username: "root-op", Email: "op@example.com", Password: accountsPassword, Admin: true})
	if err != nil {
		t.Fatalf("Register admin: %v", err)
	}
	if _, err := h.accts.SetDisabled(context.Background(), admin, harnessUser(t, h, "alice").ID, true); err != nil {
		t.Fatalf("SetDisabled: %v", err)
	}
	resp, body := (&accountsBrowser{h: h}).get("/u/alice")
	requireStatus(t, "GET /u/alice of a disabled user", resp, body, http.StatusNotFound)
}

func TestProfileAPI(t *testing.T) {
	tests := []struct {
		name      string
		viewer    string
		wantEmail string
		wantRepos []string
	}{
		{name: "anonymous", wantRepos: []string{"alice/web"}},
		{name: "someone else", viewer: "bob", wantRepos: []string{"alice/web"}},
		{name: "alice herself", viewer: "alice", wantEmail: "alice@example.com", wantRepos: []string{"alice/secret-sauce", "alice/web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := profileFixture(t)
			var resp *http.Response
			var body string
			if tt.viewer == "" {
				resp, body = (&accountsBrowser{h: h}).get("/api/v1/users/alice")
			} else {
				resp, body = h.basic(http.MethodGet, "/api/v1/users/alice", tt.viewer, accountsPassword, "")
			}
			requireStatus(t, "GET /api/v1/users/alice", resp, body, http.StatusOK)
			var got profileJSON
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("decoding %s: %v", body, err)
			}
			var repos []string
			for _, r := range got.Repositories {
				repos = append(repos, r.FullName)
			}
			if got.Username != "alice" || got.Email != tt.wantEmail || strings.Join(repos, " ") != strings.Join(tt.wantRepos, " ") {
				t.Errorf("profile = %s; want email %q and repositories %v", body, tt.wantEmail, tt.wantRepos)
			}
			if len(got.Orgs) != 1 || got.Orgs[0].Name != "acme" || got.Orgs[0].DisplayName != "Acme Corp" {
				t.Errorf("orgs = %+v, want acme", got.Orgs)
			}
			if strings.Contains(body, "argon2") || (tt.wantEmail == "" && strings.Contains(body, "@")) {
				t.Errorf("profile leaks a hash or an email address: %s", body)
			}
		})
	}
}
