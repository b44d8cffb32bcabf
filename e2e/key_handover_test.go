package e2e

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/berth/berth/internal/secret"
)

// licenseKeyOnPage finds the key the issued page shows, or "".
var licenseKeyOnPage = regexp.MustCompile(`<code id="license-key">([^<]+)</code>`)

// TestKeyHandoverAcrossInstances takes a free tier through the product
// page's form on instance A and follows the redirect to instance B, as a
// load balancer may send it: B shows the key A made, because the key waits
// in the shared database (sealed), not in a cookie or in A's memory. No
// response carries the key in a cookie, and a second GET of the page, on
// either instance and with the very same cookies, shows no key.
func TestKeyHandoverAcrossInstances(t *testing.T) {
	a, b := startPair(t, clusterConfig(t))
	putFreeProduct(t, a, "handed-app", "Handed App", "handed/app")
	ctx := context.Background()
	if s := a.call("POST", "/api/v1/users", "", "", map[string]string{"username": "hana", "email": "hana@example.com", "password": "hana-password"}, nil); s != http.StatusCreated {
		t.Fatalf("sign-up on A: %d", s)
	}
	session, csrf := pageSession(t, a, "hana")

	resp, body := postForm(t, a, "/products/handed-app/checkout", session, csrf, url.Values{"tier": {"express"}, "accept": {"yes"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "/issued") {
		t.Fatalf("taking Express on A: %d to %q; want 303 to /licenses/<id>/issued (%s)", resp.StatusCode, loc, body)
	}
	cookies := append([]*http.Cookie{session}, resp.Cookies()...)
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "key") || len(c.Value) > 40 {
			t.Errorf("the checkout answer sets cookie %s=%q: the key must stay server-side", c.Name, c.Value)
		}
	}

	resp, page := send(t, "GET", b.URL+loc, "", nil, cookies...)
	m := licenseKeyOnPage.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET %s on B: %d, key shown: %v; want the key A made", loc, resp.StatusCode, m != nil)
	}
	key := m[1]
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/licenses/"), "/issued")
	l, err := b.srv.Backend.Stores.Licenses.LicenseByID(ctx, id)
	must(t, err)
	if !secret.Equal(secret.Hash(key), l.KeyHash) {
		t.Fatalf("B showed %q, which is not license %s's key", key, id)
	}
	for _, c := range resp.Cookies() {
		cookies = append(cookies, c)
	}

	for _, in := range []*instance{b, a} {
		resp, page := send(t, "GET", in.URL+loc, "", nil, cookies...)
		if resp.StatusCode != http.StatusOK || strings.Contains(page, key) || !strings.Contains(page, "key-gone") {
			t.Errorf("GET %s again on %s with the same cookies: %d, key shown: %v; want the page without it",
				loc, in.URL, resp.StatusCode, strings.Contains(page, key))
		}
	}
}
