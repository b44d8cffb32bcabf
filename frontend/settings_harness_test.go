package frontend

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"github.com/berth/berth/access"
	"github.com/berth/berth/access/facts"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/berth/berth/account"
	accountsqlite "github.com/berth/berth/account/sqlitestore"
	"github.com/berth/berth/catalog"
	catalogsqlite "github.com/berth/berth/catalog/sqlitestore"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
)

// accountsPassword is every test user's password.
const accountsPassword = "correct horse battery"

// accountsHarness is the front end over the real account service and
// repository catalog on a fresh SQLite database.
type accountsHarness struct {
	t     *testing.T
	app   *fiber.App
	accts *account.Service
	repos *catalog.Repositories
}

func newAccountsHarness(t *testing.T) *accountsHarness {
	t.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(t)
	as, err := accountsqlite.New(ctx, db)
	if err != nil {
		t.Fatalf("account store: %v", err)
	}
	cs, err := catalogsqlite.New(ctx, db)
	if err != nil {
		t.Fatalf("catalog store: %v", err)
	}
	// Cheap hashing: the cost parameters are not what is under test.
	accts := account.New(account.Stores{Users: as, Namespaces: as, Sessions: as, Tokens: as, Orgs: as}, nil,
		account.Options{Password: account.PasswordParams{Memory: 64, Time: 1, Threads: 1}})
	repos := catalog.NewRepositories(cs)
	decider := access.New(&facts.Domains{Accounts: accts, Repositories: repos})
	app, _, err := New(Deps{Access: decider, Accounts: accts, Repositories: repos, RegistryHost: "registry.test", PublicURL: "http://berth.test",
		Metrics: prometheus.NewRegistry(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &accountsHarness{t: t, app: app, accts: accts, repos: repos}
}

// user registers username with accountsPassword.
func (h *accountsHarness) user(username string) account.User {
	h.t.Helper()
	u, err := h.accts.Register(context.Background(), account.SignUp{Username: username, Email: username + "@example.com", Password: accountsPassword})
	if err != nil {
		h.t.Fatalf("Register %s: %v", username, err)
	}
	return u
}

// do sends req and returns the response and its body.
func (h *accountsHarness) do(req *http.Request) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.app.Test(req, -1)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("reading %s %s: %v", req.Method, req.URL, err)
	}
	return resp, string(body)
}

// accountsBrowser is a signed-in browser: its session cookie and CSRF token.
type accountsBrowser struct {
	h      *accountsHarness
	cookie string
	csrf   string
}

// signIn opens a session for username the way a accountsBrowser script does.
func (h *accountsHarness) signIn(username, password string) *accountsBrowser {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/session", strings.NewReader(`{"username":"`+username+`","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, _ := h.do(req)
	if resp.StatusCode != http.StatusCreated {
		h.t.Fatalf("signing in %s: status %d", username, resp.StatusCode)
	}
	b := &accountsBrowser{h: h}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			b.cookie = c.Value
		}
	}
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	_, body := b.get("/api/v1/session")
	if err := json.Unmarshal([]byte(body), &s); err != nil || s.CSRF == "" {
		h.t.Fatalf("reading the session of %s: %v in %s", username, err, body)
	}
	b.csrf = s.CSRF
	return b
}

func (b *accountsBrowser) request(method, path string, body io.Reader) *http.Request {
	req := httptest.NewRequest(method, path, body)
	if b.cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: b.cookie})
	}
	return req
}

func (b *accountsBrowser) get(path string) (*http.Response, string) {
	b.h.t.Helper()
	return b.h.do(b.request(http.MethodGet, path, nil))
}

// post submits a form with the accountsBrowser's CSRF token.
func (b *accountsBrowser) post(path string, form url.Values) (*http.Response, string) {
	b.h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set(csrfField, b.csrf)
	req := b.request(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.h.do(req)
}

// api sends a JSON request with the accountsBrowser's cookie and CSRF header.
func (b *accountsBrowser) api(method, path, body string) (*http.Response, string) {
	b.h.t.Helper()
	req := b.request(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(csrfHeader, b.csrf)
	return b.h.do(req)
}

// basic sends a JSON request with HTTP basic credentials and no cookie.
func (h *accountsHarness) basic(method, path, username, password, body string) (*http.Response, string) {
	h.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(username+":"+password)))
	return h.do(req)
}

// requireStatus fails the test unless resp has status want.
func requireStatus(t *testing.T, what string, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d, want %d; body:\n%s", what, resp.StatusCode, want, body)
	}
}

// flashOf reads the message a response left in its flash cookie (the
// value is base64 of the message, a dot, and the server's MAC).
func flashOf(resp *http.Response) string {
	for _, c := range resp.Cookies() {
		if c.Name != flashCookie || c.Value == "" {
			continue
		}
		value, _, _ := strings.Cut(c.Value, ".")
		msg, err := base64.RawURLEncoding.DecodeString(value)
		if err == nil {
			return string(msg)
		}
	}
	return ""
}
