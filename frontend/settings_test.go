package frontend

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/berth/berth/account"
)

func TestSettingsPageNeedsSignIn(t *testing.T) {
	h := newAccountsHarness(t)
	anon := &accountsBrowser{h: h}
	resp, body := anon.get("/settings")
	requireStatus(t, "GET /settings", resp, body, http.StatusSeeOther)
	if got := resp.Header.Get("Location"); got != "/signin?next=%2Fsettings" {
		t.Errorf("Location = %q, want /signin?next=%%2Fsettings", got)
	}
}

func TestSettingsFormsWithoutCSRFAreRefused(t *testing.T) {
	h := newAccountsHarness(t)
	h.user("alice")
	b := h.signIn("alice", accountsPassword)
	b.csrf = "forged"
	resp, body := b.post("/settings/email", url.Values{"email": {"mallory@example.com"}})
	requireStatus(t, "POST /settings/email without the CSRF token", resp, body, http.StatusForbidden)
	u, _ := h.accts.UserByUsername(context.Background(), "alice")
	if u.Email != "alice@example.com" {
		t.Errorf("email changed to %q by a forged form", u.Email)
	}
}

func TestSettingsProfileForms(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		form       url.Values
		wantStatus int
		wantBody   string // on the page answering a refused form
		check      func(t *testing.T, h *accountsHarness)
	}{
		{name: "email saved", path: "/settings/email", form: url.Values{"email": {"Alice@Example.org"}}, wantStatus: http.StatusSeeOther,
			check: func(t *testing.T, h *accountsHarness) {
				if u, _ := h.accts.UserByUsername(context.Background(), "alice"); u.Email != "alice@example.org" {
					t.Errorf("email = %q, want alice@example.org", u.Email)
				}
			}},
		{name: "bad email shown again", path: "/settings/email", form: url.Values{"email": {"not an address"}},
			wantStatus: http.StatusUnprocessableEntity, wantBody: `value="not an address"`},
		{name: "private by default", path: "/settings/visibility", form: url.Values{"visibility": {"private"}}, wantStatus: http.StatusSeeOther,
			check: func(t *testing.T, h *accountsHarness) {
				if u, _ := h.accts.UserByUsername(context.Background(), "alice"); !u.DefaultPrivate {
					t.Error("DefaultPrivate = false after choosing private")
				}
			}},
		{name: "unknown visibility", path: "/settings/visibility", form: url.Values{"visibility": {"secret"}},
			wantStatus: http.StatusUnprocessableEntity, wantBody: "choose public or private"},
		{name: "wrong current password", path: "/settings/password",
			form:       url.Values{"current_password": {"wrong password"}, "new_password": {"a new password"}},
			wantStatus: http.StatusUnprocessableEntity, wantBody: "that is not your current password"},
		{name: "short new password", path: "/settings/password",
			form:       url.Values{"current_password": {accountsPassword}, "new_password": {"short"}},
			wantStatus: http.StatusUnprocessableEntity, wantBody: "New password: use between 8 and 256 characters"},
		{name: "bad token expiry", path: "/settings/tokens", form: url.Values{"name": {"ci"}, "expires_days": {"-3"}},
			wantStatus: http.StatusUnprocessableEntity, wantBody: `value="ci"`},
		{name: "bad token resource", path: "/settings/tokens", form: url.Values{"name": {"ci"}, "resources": {"Not/A Repo"}},
			wantStatus: http.StatusUnprocessableEntity, wantBody: "is not a namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newAccountsHarness(t)
			h.user("alice")
			b := h.signIn("alice", accountsPassword)
			resp, body := b.post(tt.path, tt.form)
			requireStatus(t, "POST "+tt.path, resp, body, tt.wantStatus)
			if tt.wantStatus == http.StatusSeeOther && (!strings.HasPrefix(resp.Header.Get("Location"), "/settings") || flashOf(resp) == "") {
				t.Errorf("Location = %q with flash cookie %q, want the settings page with a message", resp.Header.Get("Location"), flashOf(resp))
			}
			if tt.wantBody != "" && !strings.Contains(body, tt.wantBody) {
				t.Errorf("page does not contain %q:\n%s", tt.wantBody, body)
			}
			if tt.check != nil {
				tt.check(t, h)
			}
		})
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	h := newAccountsHarness(t)
	h.user("alice")
	here, elsewhere := h.signIn("alice", accountsPassword), h.signIn("alice", accountsPassword)
	resp, body := here.post("/settings/password", url.Values{"current_password": {accountsPassword}, "new_password": {"a brand new password"}})
	requireStatus(t, "POST /settings/password", resp, body, http.StatusSeeOther)
	resp, body = here.get("/settings")
	requireStatus(t, "settings in the session that changed the password", resp, body, http.StatusOK)
	resp, body = elsewhere.get("/settings")
	requireStatus(t, "settings in another session", resp, body, http.StatusSeeOther)
	if _, err := h.accts.Authenticate(context.Background(), "alice", "a brand new password"); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
}

func TestTokenSecretIsShownOnce(t *testing.T) {
	h := newAccountsHarness(t)
	h.user("alice")
	b := h.signIn("alice", accountsPassword)
	resp, body := b.post("/settings/tokens", url.Values{"name": {"laptop"}, "access": {"read-write"}, "resources": {"alice, alice/app"}, "expires_days": {"30"}})
	requireStatus(t, "POST /settings/tokens", resp, body, http.StatusOK)
	secret := secretIn(t, body)
	for _, want := range []string{"docker login registry.test -u alice --password-stdin", "<code>alice</code>, <code>alice/app</code>", "read-write"} {
		if !strings.Contains(body, want) {
			t.Errorf("page after creating a token does not contain %q", want)
		}
	}
	// The token is limited to alice and alice/app: it lists alice's
	// repositories, and nothing else of the account.
	resp, body = h.basic(http.MethodGet, "/api/v1/repositories/alice", "anyone", secret, "")
	requireStatus(t, "GET /api/v1/repositories/alice with the new token", resp, body, http.StatusOK)
	resp, body = h.basic(http.MethodGet, "/api/v1/user", "anyone", secret, "")
	requireStatus(t, "GET /api/v1/user with the limited token", resp, body, http.StatusForbidden)
	_, body = b.get("/settings")
	if strings.Contains(body, secret) {
		t.Error("the settings page shows the token's secret again")
	}
	if !strings.Contains(body, "…"+secret[len(secret)-4:]) {
		t.Error("the settings page does not show the token's hint")
	}
	ts, _ := h.accts.Tokens(context.Background(), harnessUser(t, h, "alice").ID)
	resp, body = b.post("/settings/tokens/"+ts[0].ID+"/revoke", nil)
	requireStatus(t, "revoking the token", resp, body, http.StatusSeeOther)
	resp, body = h.basic(http.MethodGet, "/api/v1/user", "anyone", secret, "")
	requireStatus(t, "GET /api/v1/user with the revoked token", resp, body, http.StatusUnauthorized)
}

// secretIn returns the personal access token secret on a page.
func secretIn(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, "berth_pat_")
	if i < 0 {
		t.Fatalf("no token secret on the page:\n%s", page)
	}
	end := strings.IndexAny(page[i:], "<\" \n")
	return page[i : i+end]
}

func TestSessionsForms(t *testing.T) {
	h := newAccountsHarness(t)
	h.user("alice")
	here, a, b := h.signIn("alice", accountsPassword), h.signIn("alice", accountsPassword), h.signIn("alice", accountsPassword)
	_, page := here.get("/settings")
	if n := strings.Count(page, "/end\""); n != 2 {
		t.Errorf("settings page offers to sign out %d sessions, want the 2 others", n)
	}
	other, _, _ := h.accts.Session(context.Background(), a.cookie)
	resp, body := here.post("/settings/sessions/"+other.ID+"/end", nil)
	requireStatus(t, "signing out one session", resp, body, http.StatusSeeOther)
	if resp, _ := a.get("/settings"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the ended session still opens settings: status %d", resp.StatusCode)
	}
	if resp, _ := b.get("/settings"); resp.StatusCode != http.StatusOK {
		t.Errorf("a session not ended lost settings: status %d", resp.StatusCode)
	}
	resp, body = here.post("/settings/sessions/end-others", nil)
	requireStatus(t, "signing out everywhere else", resp, body, http.StatusSeeOther)
	if want := "Signed out of 1 other session"; !strings.HasPrefix(resp.Header.Get("Location"), "/settings") || !strings.HasPrefix(flashOf(resp), want) {
		t.Errorf("Location = %q with flash %q, want the settings page saying %s…", resp.Header.Get("Location"), flashOf(resp), want)
	}
	if resp, _ := b.get("/settings"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another session survived signing out everywhere else: status %d", resp.StatusCode)
	}
	if resp, _ := here.get("/settings"); resp.StatusCode != http.StatusOK {
		t.Errorf("the current session was signed out too: status %d", resp.StatusCode)
	}
}

func TestDeleteAccountForm(t *testing.T) {
	h := newAccountsHarness(t)
	alice := h.user("alice")
	if _, err := h.accts.CreateOrg(context.Background(), alice, "acme", "Acme"); err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	b := h.signIn("alice", accountsPassword)
	resp, body := b.post("/settings/delete", url.Values{"password": {"wrong password"}})
	requireStatus(t, "deleting with a wrong password", resp, body, http.StatusUnprocessableEntity)
	resp, body = b.post("/settings/delete", url.Values{"password": {accountsPassword}})
	requireStatus(t, "deleting the sole owner of acme", resp, body, http.StatusConflict)
	if !strings.Contains(body, `<a href="/orgs/acme">acme</a>`) {
		t.Errorf("the refusal does not link the organisation:\n%s", body)
	}
	if err := h.accts.DeleteOrg(context.Background(), alice, "acme"); err != nil {
		t.Fatalf("DeleteOrg: %v", err)
	}
	resp, body = b.post("/settings/delete", url.Values{"password": {accountsPassword}})
	requireStatus(t, "deleting the account", resp, body, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/" || !strings.Contains(flashOf(resp), "has been deleted") {
		t.Errorf("Location = %q with flash %q, want the home page with a message", loc, flashOf(resp))
	}
	if !clearsSession(resp) {
		t.Error("deleting the account did not clear the session cookie")
	}
	if _, err := h.accts.UserByUsername(context.Background(), "alice"); err == nil {
		t.Error("alice still exists")
	}
}

// clearsSession reports whether resp expires the session cookie.
func clearsSession(resp *http.Response) bool {
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && c.Value == "" {
			return true
		}
	}
	return false
}

func harnessUser(t *testing.T, h *accountsHarness, username string) account.User {
	t.Helper()
	u, err := h.accts.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatalf("UserByUsername %s: %v", username, err)
	}
	return u
}
