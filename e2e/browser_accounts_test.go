package e2e

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
)

// TestBrowserAccountSignUpAndSignIn signs up, signs out, is refused a wrong
// password and is brought back to the page asked for after signing in.
func TestBrowserAccountSignUpAndSignIn(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := browser(t)

	open(t, ctx, in.URL+"/signup")
	fill(t, ctx, `form[action="/signup"]`, "username", "marina", "email", "marina@example.com", "password", "marina-password")
	if got := submit(t, ctx, `form[action="/signup"] button[type=submit]`); got.Path != "/u/marina" {
		t.Fatalf("signing up landed on %s, want /u/marina", got)
	}
	if flash := text(t, ctx, ".flash"); !strings.Contains(flash, "Welcome to Berth") {
		t.Errorf("flash after signing up = %q, want a welcome", flash)
	}
	wantHeader(t, ctx, true)
	screenshot(t, ctx, "signup.png")

	openAccountMenu(t, ctx)
	if got := submit(t, ctx, `form[action="/signout"] button`); got.Path != "/" {
		t.Errorf("signing out landed on %s, want /", got)
	}
	wantHeader(t, ctx, false)

	open(t, ctx, in.URL+"/settings")
	if got := location(t, ctx); got.Path != "/signin" || got.Query().Get("next") != "/settings" {
		t.Fatalf("/settings signed out went to %s, want /signin?next=/settings", got)
	}
	fill(t, ctx, `form[action="/signin"]`, "username", "marina", "password", "wrong-password")
	if got := submit(t, ctx, `form[action="/signin"] button[type=submit]`); got.Path != "/signin" {
		t.Fatalf("a wrong password landed on %s, want the sign-in page again", got)
	}
	if msg := text(t, ctx, ".auth .error"); msg == "" {
		t.Error("a wrong password shows no error")
	}
	if kept := evaluate[string](t, ctx, `document.querySelector('input[name=username]').value`); kept != "marina" {
		t.Errorf("username field after a wrong password = %q, want marina", kept)
	}
	wantHeader(t, ctx, false)
	fill(t, ctx, `form[action="/signin"]`, "password", "marina-password")
	if got := submit(t, ctx, `form[action="/signin"] button[type=submit]`); got.Path != "/settings" {
		t.Errorf("signing in from /signin?next=/settings landed on %s", got)
	}
	if who := text(t, ctx, ".settings p a"); who != "marina" {
		t.Errorf("settings page is signed in as %q, want marina", who)
	}
	wantHeader(t, ctx, true)
}

// TestBrowserAccountSettings changes the default visibility, creates a
// token that works against the API until it is revoked in the page, and
// changes the password.
func TestBrowserAccountSettings(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	u := register(t, in, "petra")
	ctx := browser(t)
	signIn(t, ctx, in, "petra", "petra-password", "/settings")

	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[name=visibility][value=private]`))))
	submit(t, ctx, `form[action="/settings/visibility"] button`)
	if flash := text(t, ctx, ".flash"); !strings.Contains(flash, "private") {
		t.Errorf("flash after saving visibility = %q", flash)
	}
	if got, err := in.srv.Backend.Accounts.User(context.Background(), u.ID); err != nil || !got.DefaultPrivate {
		t.Errorf("after choosing private: DefaultPrivate = %v (%v), want true", got.DefaultPrivate, err)
	}

	fill(t, ctx, `form[action="/settings/tokens"]`, "name", "ci-pipeline", "access", "read-write")
	submit(t, ctx, `form[action="/settings/tokens"] button`)
	secret := text(t, ctx, ".secret code")
	if !strings.HasPrefix(secret, "berth_pat_") {
		t.Fatalf("new token box shows %q, want a berth_pat_ secret", secret)
	}
	screenshot(t, ctx, "settings-token.png")

	open(t, ctx, in.URL+"/settings")
	if html := evaluate[string](t, ctx, `document.documentElement.outerHTML`); strings.Contains(html, secret) {
		t.Error("the token's secret is still on the settings page after a reload")
	}
	if rows := tokenRows(t, ctx); !slices.Contains(rows, "ci-pipeline read-write") {
		t.Errorf("tokens listed = %q, want ci-pipeline read-write", rows)
	}
	var me struct{ Username string }
	if code := in.call("GET", "/api/v1/user", "any-user", secret, nil, &me); code != http.StatusOK || me.Username != "petra" {
		t.Fatalf("GET /api/v1/user with the token: %d as %q, want 200 as petra", code, me.Username)
	}

	acceptConfirms(t, ctx)
	submit(t, ctx, `form[action$="/revoke"] button`)
	if asked := evaluate[string](t, ctx, `sessionStorage.getItem('confirmed') || ''`); !strings.Contains(asked, "ci-pipeline") {
		t.Errorf("revoking asked %q, want a confirmation naming the token", asked)
	}
	if flash := text(t, ctx, ".flash"); !strings.Contains(flash, "revoked") {
		t.Errorf("flash after revoking = %q", flash)
	}
	if rows := tokenRows(t, ctx); len(rows) != 0 {
		t.Errorf("tokens listed after revoking = %q, want none", rows)
	}
	if code := in.call("GET", "/api/v1/user", "any-user", secret, nil, nil); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/user with the revoked token: %d, want 401", code)
	}

	fill(t, ctx, `form[action="/settings/password"]`, "current_password", "petra-password", "new_password", "petra-new-password")
	submit(t, ctx, `form[action="/settings/password"] button`)
	if flash := text(t, ctx, ".flash"); !strings.Contains(flash, "Password changed") {
		t.Errorf("flash after changing the password = %q", flash)
	}
	openAccountMenu(t, ctx)
	submit(t, ctx, `form[action="/signout"] button`)
	open(t, ctx, in.URL+"/signin")
	fill(t, ctx, `form[action="/signin"]`, "username", "petra", "password", "petra-password")
	if got := submit(t, ctx, `form[action="/signin"] button[type=submit]`); got.Path != "/signin" || text(t, ctx, ".auth .error") == "" {
		t.Errorf("the old password after changing it landed on %s with error %q", got, text(t, ctx, ".auth .error"))
	}
	signIn(t, ctx, in, "petra", "petra-new-password", "/")
	wantHeader(t, ctx, true)
}

// TestBrowserAccountOrganisation creates an organisation, adds a member,
// puts them in a team that gets write on a repository, then switches the
// session to act for the organisation.
func TestBrowserAccountOrganisation(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	register(t, in, "olivia")
	walter := register(t, in, "walter")
	ctx := browser(t)
	signIn(t, ctx, in, "olivia", "olivia-password", "/orgs/new")

	fill(t, ctx, `form[action="/orgs"]`, "name", "harbour", "display_name", "Harbour Ltd")
	if got := submit(t, ctx, `form[action="/orgs"] button`); got.Path != "/orgs/harbour" {
		t.Fatalf("creating harbour landed on %s", got)
	}
	if h1, role := text(t, ctx, ".org h1"), text(t, ctx, ".org .publisher .pill"); h1 != "Harbour Ltd" || role != "owner" {
		t.Errorf("org page: title %q, role %q; want Harbour Ltd, owner", h1, role)
	}

	fill(t, ctx, `form[action="/orgs/harbour/members"]`, "username", "walter", "role", "member")
	orgStep(t, ctx, `form[action="/orgs/harbour/members"]`, "walter added as member")
	if role := evaluate[string](t, ctx, `document.querySelector('#role-`+walter.ID+`').value`); role != "member" {
		t.Errorf("walter's role on the page = %q, want member", role)
	}

	fill(t, ctx, `form[action="/orgs/harbour/teams"]`, "name", "deployers")
	orgStep(t, ctx, `form[action="/orgs/harbour/teams"]`, "Team deployers created")

	team := `#team-deployers form[action="/orgs/harbour/teams/deployers/members"]`
	fill(t, ctx, team, "username", "walter")
	orgStep(t, ctx, team, "walter added to deployers")
	if members := text(t, ctx, "#team-deployers ul"); !strings.Contains(members, "walter") {
		t.Errorf("deployers' members = %q, want walter", members)
	}

	grant := `#team-deployers div > form[action="/orgs/harbour/teams/deployers/permissions"]`
	fill(t, ctx, grant, "repository", "harbour/api", "permission", "write")
	orgStep(t, ctx, grant, "Permissions of deployers updated")
	perms := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#team-deployers tbody tr')].map(r => r.cells[0].textContent.trim() + ' ' + r.cells[1].textContent.trim())`)
	if !slices.Equal(perms, []string{"harbour/api write"}) {
		t.Errorf("deployers' permissions = %q, want [harbour/api write]", perms)
	}
	if p, err := in.srv.Backend.Accounts.RepositoryPermission(context.Background(), walter.ID, "harbour/api"); err != nil || p != account.PermWrite {
		t.Errorf("walter's permission on harbour/api = %q (%v), want write", p, err)
	}
	screenshot(t, ctx, "org-team.png")

	open(t, ctx, in.URL+"/settings")
	if contexts := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#context option')].map(o => o.value)`); !slices.Equal(contexts, []string{"olivia", "harbour"}) {
		t.Fatalf("account switcher lists %q, want [olivia harbour]", contexts)
	}
	switchTo := chromedp.Evaluate[chromedp.Void](`(s => { s.value = 'harbour'; s.dispatchEvent(new Event('change')); })(document.querySelector('#context'))`)
	if got := navigation(t, ctx, switchTo); got.Path != "/orgs/harbour" {
		t.Errorf("switching to harbour landed on %s, want /orgs/harbour", got)
	}
	if acting := evaluate[string](t, ctx, `document.querySelector('#context').value`); acting != "harbour" {
		t.Errorf("after switching the header acts as %q, want harbour", acting)
	}
}

// TestBrowserAccountRepository creates a private organisation repository
// with a Markdown description, pushes an image to it with a real client
// and sees the tag listed.
func TestBrowserAccountRepository(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	owner := register(t, in, "olivia")
	if _, err := in.srv.Backend.Accounts.CreateOrg(context.Background(), owner, "harbour", ""); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	signIn(t, ctx, in, "olivia", "olivia-password", "/repositories/new")

	spaces := evaluate[[]string](t, ctx, `[...document.querySelectorAll('select[name=namespace] option')].map(o => o.value)`)
	if !slices.Contains(spaces, "olivia") || !slices.Contains(spaces, "harbour") {
		t.Fatalf("namespaces offered = %q, want olivia and harbour", spaces)
	}
	fill(t, ctx, `form[action="/repositories"]`, "namespace", "harbour", "name", "api", "summary", "The public API",
		"description", "# API gateway\n\nServes the **public** API.", "visibility", "private")
	if got := submit(t, ctx, `form[action="/repositories"] button`); got.Path != "/r/harbour/api" {
		t.Fatalf("creating harbour/api landed on %s", got)
	}
	if pill := text(t, ctx, ".repository h1 .pill.private"); pill != "Private" {
		t.Errorf("visibility pill = %q, want Private", pill)
	}
	if h := text(t, ctx, ".markdown h1, .markdown h2"); h != "API gateway" {
		t.Errorf("rendered description heading = %q, want API gateway", h)
	}
	if about := text(t, ctx, ".markdown"); strings.Contains(about, "#") || strings.Contains(about, "**") {
		t.Errorf("description shows raw Markdown: %q", about)
	}
	if pull := text(t, ctx, ".pull"); !strings.Contains(pull, "docker pull "+in.Registry+"/harbour/api:latest") {
		t.Errorf("pull section = %q, want docker pull %s/harbour/api:latest", pull, in.Registry)
	}
	if tags := text(t, ctx, ".tags"); !strings.Contains(tags, "No tags yet") {
		t.Errorf("tags before any push = %q", tags)
	}

	_, pat, err := in.srv.Backend.Accounts.CreateToken(context.Background(), owner.ID, account.NewToken{Name: "push", Access: account.TokenReadWrite})
	must(t, err)
	img, err := random.Image(1024, 1)
	must(t, err)
	if err := remote.Write(ref(t, in.Registry, "harbour/api", "v1"), img, remote.WithAuth(&authn.Basic{Username: "olivia", Password: pat})); err != nil {
		t.Fatalf("pushing harbour/api:v1: %v", err)
	}
	open(t, ctx, in.URL+"/r/harbour/api")
	tags := evaluate[[]string](t, ctx, `[...document.querySelectorAll('.tags tbody tr td:first-child')].map(c => c.textContent.trim())`)
	if !slices.Equal(tags, []string{"v1"}) {
		t.Errorf("tags listed after the push = %q, want [v1]", tags)
	}
	screenshot(t, ctx, "repository.png")
}

// register creates name with the password name-password.
func register(t *testing.T, in *instance, name string) account.User {
	t.Helper()
	u, err := in.srv.Backend.Accounts.Register(context.Background(),
		account.SignUp{Username: name, Email: name + "@example.com", Password: name + "-password"})
	if err != nil {
		t.Fatalf("registering %s: %v", name, err)
	}
	return u
}

// signIn signs in through the sign-in form, asking to go to next, and
// checks that it got there.
func signIn(t *testing.T, ctx context.Context, in *instance, username, password, next string) {
	t.Helper()
	open(t, ctx, in.URL+"/signin?next="+url.QueryEscape(next))
	fill(t, ctx, `form[action="/signin"]`, "username", username, "password", password)
	if got := submit(t, ctx, `form[action="/signin"] button[type=submit]`); got.Path != next {
		t.Fatalf("signing in as %s landed on %s, want %s (page says %q)", username, got, next, text(t, ctx, ".error"))
	}
}

// open loads address and waits for the page.
func open(t *testing.T, ctx context.Context, address string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(address)); err != nil {
		t.Fatalf("loading %s: %v", address, err)
	}
}

// fill types into the fields of form, given as name, value pairs, after
// what they hold; a select gets the value chosen instead.
func fill(t *testing.T, ctx context.Context, form string, pairs ...string) {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		sel := chromedp.CSS(form + ` [name="` + pairs[i] + `"]`)
		tag, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(string(sel))+`)?.tagName ?? ''`))
		if err != nil || tag == "" {
			t.Fatalf("no field %s on %s (%v)", sel, location(t, ctx), err)
		}
		action := chromedp.SendKeys(sel, pairs[i+1])
		if tag == "SELECT" {
			action = chromedp.SetValue(sel, pairs[i+1])
		}
		if err := chromedp.Do(ctx, action); err != nil {
			t.Fatalf("filling %s: %v", sel, err)
		}
	}
}

// submit clicks the button and returns where the page it led to is.
func submit(t *testing.T, ctx context.Context, button string) *url.URL {
	t.Helper()
	return navigation(t, ctx, chromedp.Click(chromedp.CSS(button)))
}

// navigation runs action, waits for the page load it causes and returns
// where the browser is then. A form the browser refuses to send (a
// failed constraint) causes no load and fails within seconds.
func navigation(t *testing.T, ctx context.Context, action chromedp.Action[chromedp.Void]) *url.URL {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(actx, action)
	if err != nil {
		t.Fatalf("no page loaded after the action on %s: %v", location(t, ctx), err)
	}
	if resp != nil && resp.Status >= 500 {
		t.Fatalf("%s answered %d", resp.URL, resp.Status)
	}
	return location(t, ctx)
}

// location is the address of the page shown.
func location(t *testing.T, ctx context.Context) *url.URL {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("reading the location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// text is the trimmed text of the first element matching sel, or "".
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(evaluate[string](t, ctx, `document.querySelector(`+strconv.Quote(sel)+`)?.textContent ?? ''`))
}

// wantHeader checks that the header offers the signed-in links (Settings,
// Sign out) or the anonymous one (Sign in), and not the other.
func wantHeader(t *testing.T, ctx context.Context, signedIn bool) {
	t.Helper()
	items := evaluate[[]string](t, ctx, `[...document.querySelectorAll('header.top .account a, header.top .account button')].map(e => e.textContent.trim())`)
	has := slices.Contains(items, "Settings") && slices.Contains(items, "Sign out") && !slices.Contains(items, "Sign in")
	hasNot := slices.Contains(items, "Sign in") && !slices.Contains(items, "Sign out") && !slices.Contains(items, "Settings")
	if signedIn && !has || !signedIn && !hasNot {
		t.Errorf("header on %s shows %q; signed in: %v", location(t, ctx), items, signedIn)
	}
}

// tokenRows lists the settings page's tokens as "name access".
func tokenRows(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return evaluate[[]string](t, ctx, `[...document.querySelectorAll('form[action$="/revoke"]')].map(f => f.closest('tr')).map(r => r.cells[0].textContent.trim() + ' ' + r.cells[1].textContent.trim())`)
}

// acceptConfirms answers every window.confirm of this tab with OK and
// keeps the last question in sessionStorage, which outlives the page.
func acceptConfirms(t *testing.T, ctx context.Context) {
	t.Helper()
	evaluate[chromedp.Void](t, ctx, `window.confirm = m => { sessionStorage.setItem('confirmed', m); return true; }`)
}

// orgStep submits form on harbour's page and checks that the page came
// back with done as its flash and no error.
func orgStep(t *testing.T, ctx context.Context, form, done string) {
	t.Helper()
	got := submit(t, ctx, form+" button")
	if flash, refused := text(t, ctx, ".flash"), text(t, ctx, ".org > .error"); got.Path != "/orgs/harbour" || flash != done || refused != "" {
		t.Fatalf("submitting %s: on %s with flash %q and error %q; want flash %q", form, got, flash, refused, done)
	}
}
