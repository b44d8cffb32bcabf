package e2e

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/berth/berth/server"
)

// withdrawal is a withdrawal as the API answers it.
type withdrawal struct {
	ID, Repository, Tag, Digest, Reason, Message string
	WithdrawnBy                                  string `json:"withdrawn_by"`
	Done                                         bool
}

// TestWithdrawPromotedTag is a publisher taking a released tag back: the
// publisher promotes two signed tags, a buyer with a license pulls one,
// the publisher withdraws it with a reason through the API; then the
// registry no longer serves the tag (and a licensed pull is told why), the
// catalog and its API no longer list it, the buyer's license page and API
// show the notice, the publisher's webhook hears tag.withdrawn, a second
// withdrawal answers the first, and bad input, strangers and registry
// credentials are refused. The portal's form withdraws the other tag. It
// runs on both databases.
func TestWithdrawPromotedTag(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testWithdrawPromotedTag(t, b) })
	}
}

func testWithdrawPromotedTag(t *testing.T, b backend) {
	start := time.Now()
	var (
		mu       sync.Mutex
		received [][]byte
		sigs     []string
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Berth-Event") == "tag.withdrawn" {
			mu.Lock()
			received, sigs = append(received, body), append(sigs, r.Header.Get("Berth-Signature"))
			mu.Unlock()
		}
	}))
	defer receiver.Close()
	w := newPublisherWorld(t, func(c *server.Config) {
		c.WebhookAllowPrivate = true
		if b.mongo {
			db := config(t, b)
			c.MongoURI, c.MongoDatabase = db.MongoURI, db.MongoDatabase
		}
	})
	in := w.in
	var ep struct{ ID, Secret string }
	if status := in.call("POST", "/api/v1/publishers/ottosoft/webhooks", "ottmar", "ottmar-password",
		map[string]any{"url": receiver.URL + "/hook", "events": []string{"tag.withdrawn"}}, &ep); status != http.StatusCreated {
		t.Fatalf("adding a webhook for tag.withdrawn: %d", status)
	}

	digests := map[string]string{}
	for _, tag := range []string{"1.0", "1.1"} {
		digests[tag] = w.pushStaging(t, tag, builtImage(t, nil, tag, "echo release "+tag))
		w.sign(t, digests[tag], w.key)
		if status, reason := w.upload(t, tag); status != "promoted" {
			t.Fatalf("upload %s: %s (%s)", tag, status, reason)
		}
		waitForTag(t, in, "otto/app", tag)
	}
	if err := w.buyerPulls(t, "otto/app", "1.0"); err != nil {
		t.Fatalf("the buyer cannot pull 1.0 before it is withdrawn: %v", err)
	}

	const withdrawPath = "/api/v1/publishers/ottosoft/images/otto/app/tags/1.0/withdraw"
	refusals(t, w, withdrawPath)

	reason := "CVE-2026-4242: libfoo in 1.0 leaks memory; use 1.1"
	var first withdrawal
	if status := in.call("POST", withdrawPath, "ottmar", "ottmar-password", map[string]any{"reason": "  " + reason + "\n"}, &first); status != http.StatusCreated {
		t.Fatalf("withdrawing 1.0: %d %+v", status, first)
	}
	if first.Reason != reason || first.Digest != digests["1.0"] || first.WithdrawnBy != "ottmar" || !first.Done || first.Repository != "otto/app" {
		t.Errorf("withdrawal = %+v; want 1.0 at %s by ottmar, done, with the reason trimmed", first, digests["1.0"])
	}

	// The registry no longer serves the tag; a licensed pull says why.
	err := w.buyerPulls(t, "otto/app", "1.0")
	var te *transport.Error
	if !errors.As(err, &te) || te.StatusCode != http.StatusNotFound || len(te.Errors) != 1 ||
		te.Errors[0].Code != transport.ManifestUnknownErrorCode || !strings.Contains(te.Errors[0].Message, reason) {
		t.Errorf("pulling the withdrawn 1.0: %v; want 404 MANIFEST_UNKNOWN naming the reason", err)
	}
	buyer := remote.WithAuth(&authn.Basic{Username: "bob", Password: w.buyerKey})
	if _, err := remote.Image(w.repo(t, "otto/app").Digest(digests["1.0"]), buyer); !isDenied(err) {
		t.Errorf("pulling the withdrawn 1.0 by digest: %v; want it refused", err)
	}
	if tags, err := remote.List(w.repo(t, "otto/app"), buyer); err != nil || slices.Contains(tags, "1.0") || !slices.Contains(tags, "1.1") {
		t.Errorf("the registry's tag list: %v, %v; want 1.1 without 1.0", tags, err)
	}
	if err := w.buyerPulls(t, "otto/app", "1.1"); err != nil {
		t.Errorf("the buyer cannot pull 1.1, which was not withdrawn: %v", err)
	}

	// The catalog and its API no longer offer it.
	var tags struct{ Tags []struct{ Name string } }
	in.call("GET", "/api/v1/images/otto/app/tags", "", "", nil, &tags)
	if names := tagNames(tags.Tags); slices.Contains(names, "1.0") || !slices.Contains(names, "1.1") {
		t.Errorf("catalog tags = %v; want 1.1 without 1.0", names)
	}
	var missing struct{ Error struct{ Message string } }
	if status := in.call("GET", "/api/v1/images/otto/app/tags/1.0", "", "", nil, &missing); status != http.StatusNotFound || !strings.Contains(missing.Error.Message, reason) {
		t.Errorf("the withdrawn tag's API: %d %q; want 404 saying why", status, missing.Error.Message)
	}

	// The push notification of 1.0 applied late (the registry keeps the
	// manifest by digest) does not put it back.
	must(t, in.srv.Backend.RecordTag(context.Background(), "otto/app", "1.0", digests["1.0"], start))
	if status := in.call("GET", "/api/v1/images/otto/app/tags/1.0", "", "", nil, nil); status != http.StatusNotFound {
		t.Errorf("after a late push notification the catalog has the withdrawn 1.0 again: %d", status)
	}

	// The buyer's license tells of it, in the API and on the page.
	var licenses struct{ Licenses []struct{ ID string } }
	if status := in.call("GET", "/api/v1/licenses", "bob", "bob-password", nil, &licenses); status != http.StatusOK || len(licenses.Licenses) != 1 {
		t.Fatalf("bob's licenses: %d %+v", status, licenses)
	}
	licenseID := licenses.Licenses[0].ID
	var lic struct{ Notices []withdrawal }
	in.call("GET", "/api/v1/licenses/"+licenseID, "bob", "bob-password", nil, &lic)
	if len(lic.Notices) != 1 || lic.Notices[0].Tag != "1.0" || lic.Notices[0].Reason != reason || lic.Notices[0].WithdrawnBy != "" {
		t.Errorf("license notices = %+v; want the withdrawal of 1.0 with its reason, without who withdrew it", lic.Notices)
	}
	bob := signInAPI(t, in, "bob", "bob-password")
	if resp, page := send(t, "GET", in.URL+"/licenses/"+licenseID, "", nil, bob); resp.StatusCode != http.StatusOK ||
		!strings.Contains(page, `id="notices"`) || !strings.Contains(page, "was withdrawn") || !strings.Contains(page, "CVE-2026-4242") {
		t.Errorf("license page: %d; want the notice with the reason", resp.StatusCode)
	}

	// The publisher's webhook hears it, signed.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(received)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	if len(received) != 1 || !strings.Contains(string(received[0]), `"reason":"`+reason+`"`) || !strings.Contains(string(received[0]), `"tag":"1.0"`) {
		t.Errorf("tag.withdrawn deliveries = %q; want one naming 1.0 and the reason", received)
	} else {
		checkSignature(t, "tag.withdrawn", sigs[0], ep.Secret, received[0], start)
	}
	mu.Unlock()

	// Again: the first withdrawal, its reason kept.
	var again withdrawal
	if status := in.call("POST", withdrawPath, "ottmar", "ottmar-password", map[string]any{"reason": "another reason"}, &again); status != http.StatusOK ||
		again.ID != first.ID || again.Reason != reason {
		t.Errorf("withdrawing 1.0 again: %d %+v; want 200 with the first withdrawal", status, again)
	}
	var list struct{ Withdrawals []withdrawal }
	if status := in.call("GET", "/api/v1/publishers/ottosoft/withdrawals", "ottmar", "ottmar-password", nil, &list); status != http.StatusOK ||
		len(list.Withdrawals) != 1 || list.Withdrawals[0].ID != first.ID {
		t.Errorf("withdrawals: %d %+v; want the one", status, list)
	}
	if status := in.call("GET", "/api/v1/publishers/ottosoft/withdrawals", "bob", "bob-password", nil, nil); status != http.StatusNotFound {
		t.Errorf("a stranger listing the withdrawals: %d; want 404", status)
	}

	portalWithdraw(t, w, reason)
}

// refusals checks that withdrawing 1.0 is refused, and changes nothing,
// for bad reasons, tags the publisher did not promote, strangers and
// registry credentials.
func refusals(t *testing.T, w *publisherWorld, path string) {
	t.Helper()
	in := w.in
	for name, body := range map[string]any{
		"no reason":       map[string]any{},
		"a blank reason":  map[string]any{"reason": " \n\t "},
		"a long reason":   map[string]any{"reason": strings.Repeat("é", 501)},
		"a control char":  map[string]any{"reason": "bad\x00reason"},
		"a bidi override": map[string]any{"reason": "evil \u202e txet"},
	} {
		var got struct {
			Error struct{ Field, Message string }
		}
		if status := in.call("POST", path, "ottmar", "ottmar-password", body, &got); status != http.StatusUnprocessableEntity || got.Error.Field != "reason" {
			t.Errorf("withdrawing with %s: %d %+v; want 422 naming the reason", name, status, got)
		}
	}
	resp, body := send(t, "POST", in.URL+path, `reason=x`, map[string]string{"Content-Type": "application/x-www-form-urlencoded",
		"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("ottmar:ottmar-password"))})
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("withdrawing with a form body on the API: %d %s; want 415", resp.StatusCode, body)
	}
	ok := map[string]any{"reason": "no longer supported"}
	for _, p := range []string{
		"/api/v1/publishers/ottosoft/images/otto/app/tags/9.9/withdraw",                                        // never promoted
		"/api/v1/publishers/ottosoft/images/otto/app/tags/sha256-" + strings.Repeat("a", 64) + ".sig/withdraw", // a signature tag
		"/api/v1/publishers/ottosoft/images/otto/other/tags/1.0/withdraw",                                      // no such repository
		"/api/v1/publishers/ottosoft/images/staging/otto/tags/1.0/withdraw",                                    // not a buyer-facing repository
		"/api/v1/publishers/nosuch/images/otto/app/tags/1.0/withdraw",                                          // no such publisher
	} {
		if status := in.call("POST", p, "ottmar", "ottmar-password", ok, nil); status != http.StatusNotFound {
			t.Errorf("POST %s: %d; want 404", p, status)
		}
	}
	for _, c := range []struct {
		who, user, pass string
		want            int
	}{
		{"a stranger (the buyer)", "bob", "bob-password", http.StatusNotFound},
		{"the buyer's license key", "bob", w.buyerKey, http.StatusUnauthorized},
		{"the publisher's push token", "ottmar", w.token, http.StatusUnauthorized},
		{"nobody", "", "", http.StatusUnauthorized},
	} {
		if status := in.call("POST", path, c.user, c.pass, ok, nil); status != c.want {
			t.Errorf("%s withdrawing: %d; want %d", c.who, status, c.want)
		}
	}
	if err := w.buyerPulls(t, "otto/app", "1.0"); err != nil {
		t.Fatalf("after refused withdrawals the buyer cannot pull 1.0: %v", err)
	}
}

// portalWithdraw withdraws 1.1 with the portal's form, as ottmar in a
// browser session: the portal lists 1.1 with its form, and afterwards both
// withdrawals with their reasons.
func portalWithdraw(t *testing.T, w *publisherWorld, firstReason string) {
	t.Helper()
	in := w.in
	c := signInAPI(t, in, "ottmar", "ottmar-password")
	resp, page := send(t, "GET", in.URL+"/publishers/ottosoft", "", nil, c)
	action := `action="/publishers/ottosoft/images/otto/app/tags/1.1/withdraw"`
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, action) || strings.Contains(page, "/tags/1.0/withdraw") ||
		!strings.Contains(page, firstReason) {
		t.Fatalf("portal: %d; want a withdraw form for 1.1 only and 1.0's withdrawal with its reason", resp.StatusCode)
	}
	form := url.Values{"_csrf": {between(page, `name="_csrf" value="`, `"`)}, "reason": {"superseded by 2.0"}}
	formHeader := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	noCSRF := url.Values{"reason": {"superseded by 2.0"}}
	if resp, _ := send(t, "POST", in.URL+"/publishers/ottosoft/images/otto/app/tags/1.1/withdraw", noCSRF.Encode(), formHeader, c); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the form without its CSRF token: %d; want 403", resp.StatusCode)
	}
	empty := url.Values{"_csrf": form["_csrf"], "reason": {""}}
	if resp, page := send(t, "POST", in.URL+"/publishers/ottosoft/images/otto/app/tags/1.1/withdraw", empty.Encode(), formHeader, c); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "say why the tag is withdrawn") {
		t.Errorf("the form without a reason: %d; want 422 with the portal saying why", resp.StatusCode)
	}
	if resp, _ := send(t, "POST", in.URL+"/publishers/ottosoft/images/otto/app/tags/1.1/withdraw", form.Encode(), formHeader, c); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the withdraw form: %d; want 303", resp.StatusCode)
	}
	if err := w.buyerPulls(t, "otto/app", "1.1"); err == nil {
		t.Error("the buyer still pulls 1.1 after the form withdrew it")
	}
	_, page = send(t, "GET", in.URL+"/publishers/ottosoft", "", nil, c)
	if strings.Contains(page, action) || !strings.Contains(page, "superseded by 2.0") || !strings.Contains(page, firstReason) {
		t.Error("portal after the form: want no form for 1.1 and both withdrawals with their reasons")
	}
}

// waitForTag waits until the catalog lists repo:tag.
func waitForTag(t *testing.T, in *instance, repo, tag string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for in.call("GET", "/api/v1/images/"+repo+"/tags/"+tag, "", "", nil, nil) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("the catalog does not list %s:%s", repo, tag)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tagNames(tags []struct{ Name string }) []string {
	var out []string
	for _, t := range tags {
		out = append(out, t.Name)
	}
	return out
}
