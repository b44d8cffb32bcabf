package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/berth/berth/access"
	"github.com/berth/berth/frontend"
	"github.com/berth/berth/internal/secret"
)

// TestRouteCredentialTable runs every registered route of the web app and
// API against every kind of credential and checks the answer against what
// the trust model says that kind reaches (trustExpect, written from the
// model, not from the code that decides). The table comes from the
// server's own route list, so a new route cannot skip it; a route
// registered without a declared permission fails it.
func TestRouteCredentialTable(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	table, registered := in.srv.Routes()
	declared := map[[2]string]bool{}
	for _, r := range table {
		declared[[2]string{r.Method, r.Path}] = true
	}
	for _, r := range registered {
		method := r[0]
		if method == http.MethodHead {
			method = http.MethodGet
		}
		if !declared[[2]string{method, r[1]}] {
			t.Errorf("%s %s is registered without a declared permission", r[0], r[1])
		}
	}

	w := newTrustWorld(t, in, 0)
	cells, failures := 0, 0
	for _, r := range table {
		for _, kind := range trustKinds {
			cells++
			want := trustExpect(r, kind)
			path := w.fill(r.Path)
			resp := w.send(t, kind, r.Page, r.Method, path)
			if msg := want.check(resp); msg != "" {
				failures++
				t.Errorf("%s %s as %s (%s): %s", r.Method, path, kind, r.Permission, msg)
			}
			if r.Method != http.MethodGet && !w.intact(t) {
				w = newTrustWorld(t, in, w.n+1)
			}
		}
	}
	t.Logf("route × credential table: %d routes × %d kinds = %d cells, %d failed", len(table), len(trustKinds), cells, failures)
}

// outcome is what a cell must answer.
type outcome int

const (
	anyAnswer outcome = iota // its own authentication: anything but 5xx
	allowed                  // past authorization: not 401/403, not 5xx
	unauthenticated
	forbidden
	hidden
)

type expectation struct {
	outcome outcome
	page    bool
}

func (e expectation) check(resp *http.Response) string {
	s := resp.StatusCode
	// 503 is how a feature this Berth has not configured (payments)
	// answers those allowed to use it; any other 5xx is a failure.
	if s >= 500 && (s != http.StatusServiceUnavailable || e.outcome != allowed && e.outcome != anyAnswer) {
		return "answered " + resp.Status
	}
	signIn := s == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/signin")
	switch e.outcome {
	case allowed:
		if s == http.StatusUnauthorized || s == http.StatusForbidden || signIn {
			return "refused with " + resp.Status + ", want it through"
		}
	case unauthenticated:
		if e.page && !signIn {
			return "answered " + resp.Status + ", want 303 to /signin"
		}
		if !e.page && s != http.StatusUnauthorized {
			return "answered " + resp.Status + ", want 401"
		}
	case forbidden:
		if s != http.StatusForbidden {
			return "answered " + resp.Status + ", want 403"
		}
	case hidden:
		if s != http.StatusNotFound {
			return "answered " + resp.Status + ", want 404"
		}
	}
	return ""
}

// trustExpect is the trust model, stated per credential kind for the
// table's world (alice holds every resource; ada administers Berth and
// holds none of alice's).
func trustExpect(r frontend.Route, kind string) expectation {
	p := r.Permission
	if stated, ok := modelPermissions[r.Method+" "+r.Path]; ok {
		p = stated
	}
	e := expectation{page: r.Page}
	if p.Resource == access.Internal {
		e.outcome = anyAnswer
		return e
	}
	headerKind := kind != "anonymous" && kind != "session" && kind != "admin"
	if r.Page && headerKind {
		kind = "anonymous" // pages take the browser session only
	}
	e.outcome = reach(p, kind, r.Page)
	if p.Hide && e.outcome != allowed {
		e.outcome = hidden
	}
	return e
}

// modelPermissions is what the trust model itself says some routes need,
// so that their cells are checked against the model rather than against
// what the route declares: a route that declared less would fail.
// Withdrawing a promoted tag is the publisher's owners' and editors'
// (and Berth's administrators'); its list, anyone the publisher has.
var modelPermissions = map[string]access.Permission{
	"POST /api/v1/publishers/:slug/images/:ns/:name/tags/:tag/withdraw": access.OnPublisher(access.Write, "slug"),
	"POST /publishers/:slug/images/:ns/:name/tags/:tag/withdraw":        access.OnPublisher(access.Write, "slug"),
	"GET /api/v1/publishers/:slug/withdrawals":                          access.OnPublisher(access.Read, "slug"),
	// The job queue's dead letters are Berth's administrators' alone.
	"GET /admin/jobs":                   access.AdminPage,
	"POST /admin/jobs/:id/retry":        access.AdminPage,
	"GET /api/v1/admin/jobs":            access.Administer,
	"POST /api/v1/admin/jobs/:id/retry": access.Administer,
	// The company directory's mappings, test connection and links are
	// Berth's administrators' alone; its sign-in and link flow anyone's
	// (the link only for a signed-in account holder).
	"GET /admin/directory":                                  access.AdminPage,
	"POST /admin/directory/:provider/mappings":              access.AdminPage,
	"POST /admin/directory/:provider/mappings/:id/delete":   access.AdminPage,
	"POST /admin/directory/check":                           access.AdminPage,
	"POST /admin/directory/links":                           access.AdminPage,
	"GET /api/v1/admin/directory/:provider/mappings":        access.Administer,
	"POST /api/v1/admin/directory/:provider/mappings":       access.Administer,
	"DELETE /api/v1/admin/directory/:provider/mappings/:id": access.Administer,
	"POST /api/v1/admin/directory/check":                    access.Administer,
	"POST /api/v1/admin/directory/links":                    access.Administer,
	"GET /signin/oidc/:name":                                access.Anyone,
	"GET /signin/oidc/:name/callback":                       access.Anyone,
	"POST /settings/oidc/:name/link":                        access.OwnCredentials,
	// A logo is seen by whoever sees its listing; uploading one is the
	// publisher's owners' and editors' (and Berth's administrators').
	"GET /logos/products/:slug":                           access.OnListing("slug"),
	"POST /publishers/:slug/products/:product/logo":       access.OnPublisher(access.Write, "slug"),
	"PUT /api/v1/publishers/:slug/products/:product/logo": access.OnPublisher(access.Write, "slug"),
}

func reach(p access.Permission, kind string, page bool) outcome {
	if p.Resource == access.Builds {
		// The table's repository is alice's, not a product's: its builds
		// are decided as the repository is (a product's builds by its
		// publisher: TestPublisherBuildPromotedAndCounterSigned).
		p.Resource = access.Repository
	}
	if p.Resource == access.Public || p.Resource == access.Listing || p.Resource == access.Image { // the table's product is published
		if !page && (kind == "push-token" || kind == "license-key" || kind == "refresh-token") {
			return unauthenticated
		}
		return allowed
	}
	switch kind {
	case "push-token", "license-key", "refresh-token":
		return unauthenticated // registry credentials only
	case "anonymous":
		switch {
		case p.Resource == access.Namespace && p.Level == access.Read:
			return allowed
		case p.Resource == access.Repository:
			return hidden // alice's repository is private
		}
		return unauthenticated
	case "session", "password":
		if p.Resource == access.Admin {
			return forbidden
		}
		return allowed
	case "pat-write", "pat-read":
		switch {
		case p.Resource == access.Admin || p.Resource == access.Credentials || p.InPerson:
			return forbidden
		case kind == "pat-read" && (p.Level > access.Read || p.Resource == access.Purchase):
			return forbidden
		}
		return allowed
	case "pat-limited": // limited to alice's repository
		if p.Resource == access.Repository {
			return allowed
		}
		return forbidden
	case "admin":
		if p.MembersOnly {
			return forbidden // acts for no publisher here
		}
		switch p.Resource {
		case access.Org, access.Purchase, access.Acting:
			return forbidden // not a member of alice's organisation
		case access.Repository:
			return hidden // alice's private repository
		case access.Namespace:
			if p.Level == access.Read {
				return allowed
			}
			return forbidden
		}
		return allowed
	}
	return forbidden
}

// fill names, for each route parameter, a resource of alice's world.
func (w *trustWorld) fill(pattern string) string {
	parts := strings.Split(pattern, "/")
	for i, part := range parts {
		if part == "*" {
			parts[i] = "app.css"
			continue
		}
		if !strings.HasPrefix(part, ":") {
			continue
		}
		parts[i] = url.PathEscape(w.param(pattern, part[1:]))
	}
	return strings.Join(parts, "/")
}

func (w *trustWorld) param(pattern, name string) string {
	images := strings.Contains(pattern, "/images/") || strings.HasPrefix(pattern, "/badge/")
	switch name {
	case "slug":
		if strings.Contains(pattern, "/publishers/") {
			return w.names["publisher"]
		}
		return w.names["product"]
	case "id":
		switch {
		case strings.Contains(pattern, "/licenses/"):
			return w.names["license"]
		case strings.Contains(pattern, "/orders/"):
			return "nosuchorder"
		}
		return "nosuchid"
	case "name":
		switch {
		case strings.Contains(pattern, "/orgs/"):
			return w.names["org"]
		case strings.Contains(pattern, "/users/") || strings.HasPrefix(pattern, "/u/"):
			return w.alice.Username
		case images:
			return w.names["image-name"]
		}
		return w.names["repo"]
	case "ns":
		if images {
			return w.names["image-ns"]
		}
		return w.names["ns"]
	case "username":
		return w.bob.Username
	case "userID":
		return w.bob.ID
	case "team":
		return "devs"
	case "product":
		return w.names["product"]
	case "holder":
		return "key"
	case "tag":
		return "latest"
	case "file":
		return "size.svg"
	case "forge":
		return "github"
	}
	return "x"
}

// send makes one request as kind: the API with a JSON body, pages with a
// form, each naming alice's organisation and namespace for routes that
// take their resource from the body; session kinds echo their CSRF token.
func (w *trustWorld) send(t *testing.T, kind string, page bool, method, path string) *http.Response {
	t.Helper()
	var body io.Reader
	var contentType, csrf string
	c, ok := w.creds[kind]
	switch {
	case kind == "session" || kind == "admin":
		csrf = c.csrf
	default:
		csrf = w.anonCS
	}
	if method != http.MethodGet {
		if page {
			body = strings.NewReader(url.Values{"_csrf": {csrf}, "organization": {w.names["org"]}, "namespace": {w.names["ns"]}, "context": {w.names["org"]}, "for": {w.names["org"]}}.Encode())
			contentType = "application/x-www-form-urlencoded"
		} else {
			body = strings.NewReader(`{"organization":"` + w.names["org"] + `","namespace":"` + w.names["ns"] + `","context":"` + w.names["org"] + `"}`)
			contentType = "application/json"
		}
	}
	req, err := http.NewRequest(method, w.in.URL+path, body)
	must(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	switch {
	case c.cookie != "":
		req.AddCookie(&http.Cookie{Name: "berth_session", Value: c.cookie})
		req.Header.Set("X-CSRF-Token", csrf)
	case ok:
		req.SetBasicAuth(c.user, c.pass)
		fallthrough
	default:
		req.AddCookie(&http.Cookie{Name: "berth_csrf", Value: w.anonCS})
		req.Header.Set("X-CSRF-Token", w.anonCS)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	must(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func secretHashOf(s string) string { return secret.Hash(s) }
