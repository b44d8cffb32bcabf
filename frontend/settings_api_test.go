package frontend

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/berth/berth/account"
)

func TestAccountAPI(t *testing.T) {
	h := newAccountsHarness(t)
	h.user("alice")
	resp, body := h.basic(http.MethodPatch, "/api/v1/user", "alice", accountsPassword, `{"default_private":true}`)
	requireStatus(t, "PATCH /api/v1/user", resp, body, http.StatusOK)
	var got struct {
		Username       string `json:"username"`
		Email          string `json:"email"`
		DefaultPrivate bool   `json:"default_private"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	if got.Username != "alice" || got.Email != "alice@example.com" || !got.DefaultPrivate {
		t.Errorf("PATCH /api/v1/user = %+v, want alice, alice@example.com, private", got)
	}
	resp, body = h.basic(http.MethodPatch, "/api/v1/user", "alice", accountsPassword, `{"email":"nope"}`)
	requireStatus(t, "PATCH /api/v1/user with a bad email", resp, body, http.StatusUnprocessableEntity)
	if strings.Contains(body, "argon2") {
		t.Errorf("an answer contains a password hash: %s", body)
	}
}

func TestTokensAPI(t *testing.T) {
	h := newAccountsHarness(t)
	h.user("alice")
	resp, body := h.basic(http.MethodPost, "/api/v1/user/tokens", "alice", accountsPassword, `{"name":"ci","access":"read"}`)
	requireStatus(t, "POST /api/v1/user/tokens", resp, body, http.StatusCreated)
	var created struct {
		Token  accessTokenJSON `json:"token"`
		Secret string          `json:"secret"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	if !strings.HasPrefix(created.Secret, "berth_pat_") || created.Token.Access != "read" || created.Token.ExpiresAt != nil {
		t.Errorf("created %+v", created)
	}
	resp, body = h.basic(http.MethodGet, "/api/v1/user/tokens", "alice", accountsPassword, "")
	requireStatus(t, "GET /api/v1/user/tokens", resp, body, http.StatusOK)
	if strings.Contains(body, created.Secret) || strings.Contains(body, "hash") || !strings.Contains(body, created.Token.ID) {
		t.Errorf("token list shows a secret or hash, or misses the token: %s", body)
	}

	// A token answers who it belongs to, but manages nothing.
	resp, body = h.basic(http.MethodGet, "/api/v1/user", "x", created.Secret, "")
	requireStatus(t, "GET /api/v1/user with a token", resp, body, http.StatusOK)
	tokenRefused := []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/user/tokens", ""},
		{http.MethodPost, "/api/v1/user/tokens", `{"name":"wider"}`},
		{http.MethodGet, "/api/v1/user/sessions", ""},
		{http.MethodPatch, "/api/v1/user", `{"email":"mallory@example.com"}`},
	}
	for _, r := range tokenRefused {
		resp, body := h.basic(r.method, r.path, "x", created.Secret, r.body)
		requireStatus(t, r.method+" "+r.path+" with a token", resp, body, http.StatusForbidden)
	}

	resp, body = h.basic(http.MethodDelete, "/api/v1/user/tokens/"+created.Token.ID, "alice", accountsPassword, "")
	requireStatus(t, "DELETE the token", resp, body, http.StatusNoContent)
	resp, body = h.basic(http.MethodDelete, "/api/v1/user/tokens/"+created.Token.ID, "alice", accountsPassword, "")
	requireStatus(t, "DELETE the token again", resp, body, http.StatusNotFound)
}

func TestTokenOfAnotherUserCannotBeRevoked(t *testing.T) {
	h := newAccountsHarness(t)
	alice, _ := h.user("alice"), h.user("bob")
	tok, _, err := h.accts.CreateToken(context.Background(), alice.ID, account.NewToken{Name: "ci"})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	resp, body := h.basic(http.MethodDelete, "/api/v1/user/tokens/"+tok.ID, "bob", accountsPassword, "")
	requireStatus(t, "bob revoking alice's token", resp, body, http.StatusNotFound)
}

func TestPasswordAndSessionsAPI(t *testing.T) {
	h := newAccountsHarness(t)
	h.user("alice")
	here, elsewhere := h.signIn("alice", accountsPassword), h.signIn("alice", accountsPassword)
	resp, body := here.api(http.MethodGet, "/api/v1/user/sessions", "")
	requireStatus(t, "GET /api/v1/user/sessions", resp, body, http.StatusOK)
	var list struct {
		Sessions []activeSessionJSON `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Sessions) != 2 {
		t.Fatalf("sessions = %s (%v), want 2", body, err)
	}
	current := 0
	for _, s := range list.Sessions {
		if s.Current {
			current++
		}
	}
	if current != 1 || strings.Contains(body, "hash") || strings.Contains(body, here.cookie) {
		t.Errorf("sessions list: %d current, or a token or hash in %s", current, body)
	}

	resp, body = here.api(http.MethodDelete, "/api/v1/user/sessions", "")
	requireStatus(t, "DELETE /api/v1/user/sessions", resp, body, http.StatusOK)
	if !strings.Contains(body, `"ended":1`) {
		t.Errorf("DELETE /api/v1/user/sessions = %s, want 1 ended", body)
	}
	if resp, _ := elsewhere.api(http.MethodGet, "/api/v1/session", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the other session survived: status %d", resp.StatusCode)
	}

	resp, body = here.api(http.MethodPost, "/api/v1/user/password", `{"current_password":"`+accountsPassword+`","new_password":"another password"}`)
	requireStatus(t, "POST /api/v1/user/password", resp, body, http.StatusNoContent)
	if resp, _ := here.api(http.MethodGet, "/api/v1/session", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("the session that changed the password was ended: status %d", resp.StatusCode)
	}
	// Basic credentials have no session: every session ends.
	resp, body = h.basic(http.MethodDelete, "/api/v1/user/sessions", "alice", "another password", "")
	requireStatus(t, "DELETE /api/v1/user/sessions with basic credentials", resp, body, http.StatusOK)
	if resp, _ := here.api(http.MethodGet, "/api/v1/session", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a session survived signing out everywhere: status %d", resp.StatusCode)
	}
}

func TestDeleteAccountAPI(t *testing.T) {
	h := newAccountsHarness(t)
	h.user("alice")
	b := h.signIn("alice", accountsPassword)
	resp, body := b.api(http.MethodDelete, "/api/v1/user", `{"password":"wrong password"}`)
	requireStatus(t, "DELETE /api/v1/user with a wrong password", resp, body, http.StatusUnprocessableEntity)
	resp, body = b.api(http.MethodDelete, "/api/v1/user", `{"password":"`+accountsPassword+`"}`)
	requireStatus(t, "DELETE /api/v1/user", resp, body, http.StatusNoContent)
	if !clearsSession(resp) {
		t.Error("deleting the account did not clear the session cookie")
	}
	resp, body = h.basic(http.MethodGet, "/api/v1/user", "alice", accountsPassword, "")
	requireStatus(t, "GET /api/v1/user after deletion", resp, body, http.StatusUnauthorized)
}

func TestPasswordGuessesThroughSettingsAreLimited(t *testing.T) {
	h := newAccountsHarness(t)
	h.user("alice")
	b := h.signIn("alice", accountsPassword)
	var last int
	for range 11 {
		resp, _ := b.api(http.MethodDelete, "/api/v1/user", `{"password":"guess"}`)
		last = resp.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("the 11th wrong password: status %d, want 429", last)
	}
}
