package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/server"
)

// entRepo is the repository the entitlement tests sell.
const entRepo = "vendor/app"

// entitlementWorld is a running Berth selling vendor/app in tiers with
// every kind of entitlement term, with tags 1.0.0, 2.0.0, 2.1.0, 2.2.0 (a
// two-platform index), 3.0.0 and latest (= 3.0.0) pushed.
type entitlementWorld struct {
	in     *instance
	images map[string]v1.Image // single-platform tags
	index  v1.ImageIndex       // 2.2.0
}

func newEntitlementWorld(t *testing.T) *entitlementWorld {
	t.Helper()
	return newEntitlementWorldOn(t, backend{name: "sqlite"})
}

func newEntitlementWorldOn(t *testing.T, b backend, configure ...func(*server.Config)) *entitlementWorld {
	t.Helper()
	cfg := config(t, b)
	cfg.Demo = false
	for _, c := range configure {
		c(&cfg)
	}
	in := start(t, cfg)
	ctx := context.Background()
	_, err := in.srv.Backend.Stores.Catalog.PutProduct(ctx, catalog.Product{
		Slug: "vendor-app", Name: "Vendor App", Publisher: "vendor", Kind: catalog.KindImage, Repositories: []string{entRepo},
		Tiers: []catalog.Tier{
			{ID: "lts2", Name: "LTS 2", Currency: "usd", Repositories: []string{entRepo}, Versions: ">=2.0.0 <3.0.0"},
			{ID: "quota", Name: "Metered", Currency: "usd", Repositories: []string{entRepo}, PullQuota: 2, QuotaPeriod: "day"},
			{ID: "perpetual", Name: "Perpetual", Price: 900, Currency: "usd", Repositories: []string{entRepo}, Perpetual: true},
			{ID: "plain", Name: "Plain", Price: 500, Currency: "usd", Repositories: []string{entRepo}},
			{ID: "team", Name: "Team", Price: 9900, Currency: "usd", Repositories: []string{entRepo}, Seats: 2, Interval: "month"},
			{ID: "yearly", Name: "Yearly", Price: 99000, Currency: "usd", Repositories: []string{entRepo}, Interval: "year", TrialDays: 14,
				Terms: "# Vendor App terms\n\nUse it well.", TermsVersion: 1},
		},
	})
	must(t, err)
	w := &entitlementWorld{in: in, images: map[string]v1.Image{}}
	for _, tag := range []string{"1.0.0", "2.0.0", "2.1.0", "3.0.0"} {
		img, err := random.Image(512, 2)
		must(t, err)
		w.images[tag] = img
		w.push(t, tag, img)
	}
	w.images["latest"] = w.images["3.0.0"]
	w.push(t, "latest", w.images["3.0.0"])
	w.index, err = random.Index(256, 1, 2)
	must(t, err)
	must(t, remote.WriteIndex(w.ref(t, "2.2.0"), w.index, w.publisher(t)))
	return w
}

// publisher authenticates as Berth itself, with push on the repository.
func (w *entitlementWorld) publisher(t *testing.T) remote.Option {
	t.Helper()
	tok, err := w.in.srv.Backend.Tokens.Sign("test-publisher", []licensing.Access{{Type: "repository", Name: entRepo, Actions: []string{"pull", "push"}}})
	must(t, err)
	return remote.WithAuth(&authn.Bearer{Token: tok.Token})
}

func (w *entitlementWorld) push(t *testing.T, tag string, img v1.Image) {
	t.Helper()
	must(t, remote.Write(w.ref(t, tag), img, w.publisher(t)))
}

func (w *entitlementWorld) ref(t *testing.T, tag string) name.Reference {
	return ref(t, w.in.Registry, entRepo, tag)
}

// grant issues a license for tier to owner.
func (w *entitlementWorld) grant(t *testing.T, owner, tier string, expires time.Time) licensing.Issued {
	t.Helper()
	issued, err := w.in.srv.Backend.Licenses.Grant(context.Background(), licensing.Grant{Owner: owner, Product: "vendor-app", Tier: tier, ExpiresAt: expires})
	must(t, err)
	return issued
}

// user signs a user up.
func (w *entitlementWorld) user(t *testing.T, username string) account.User {
	t.Helper()
	u, err := w.in.srv.Backend.Accounts.Register(context.Background(), account.SignUp{Username: username, Email: username + "@example.com", Password: username + "-password"})
	must(t, err)
	return u
}

// pull pulls tag with basic credentials the way crane does, every layer
// included, and returns the registry's error if any.
func (w *entitlementWorld) pull(t *testing.T, tag, user, pass string) error {
	t.Helper()
	// One try: a refusal is final, and the quota test expects 429s.
	img, err := remote.Image(w.ref(t, tag), remote.WithAuth(&authn.Basic{Username: user, Password: pass}),
		remote.WithRetryBackoff(remote.Backoff{Steps: 1}))
	if err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// registryToken asks the token endpoint for a pull token on the repository.
func (w *entitlementWorld) registryToken(t *testing.T, user, pass string) (string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", w.in.URL+"/token?service="+url.QueryEscape(w.in.Registry)+"&scope=repository:"+entRepo+":pull", nil)
	req.SetBasicAuth(user, pass)
	req.Header.Set("User-Agent", "berth-e2e/1.0")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var tok struct{ Token string }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		t.Fatalf("token: status %d", resp.StatusCode)
	}
	return tok.Token, resp.Header
}

// tokenFor asks the token endpoint for several scopes at once.
func (w *entitlementWorld) tokenFor(t *testing.T, user, pass string, scopes ...string) string {
	t.Helper()
	q := url.Values{"service": {w.in.Registry}, "scope": scopes}
	req, _ := http.NewRequest("GET", w.in.URL+"/token?"+q.Encode(), nil)
	req.SetBasicAuth(user, pass)
	var tok struct{ Token string }
	if status := doJSON(t, req, &tok); status != http.StatusOK {
		t.Fatalf("token for %v: status %d", scopes, status)
	}
	return tok.Token
}

// registryGet GETs a registry path with a bearer token and returns the
// status and the first error's code and message.
func (w *entitlementWorld) registryGet(t *testing.T, token, path string) (int, string, string) {
	t.Helper()
	status, code, msg, _ := registryGetChallenge(t, w, token, path)
	return status, code, msg
}

// registryGetChallenge is registryGet, with the WWW-Authenticate header.
func registryGetChallenge(t *testing.T, w *entitlementWorld, token, path string) (int, string, string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+w.in.Registry+"/v2/"+entRepo+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var body struct {
		Errors []struct{ Code, Message string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	challenge := resp.Header.Get("WWW-Authenticate")
	if len(body.Errors) > 0 {
		return resp.StatusCode, body.Errors[0].Code, body.Errors[0].Message, challenge
	}
	return resp.StatusCode, "", "", challenge
}

// registryStatus is the HTTP status and message of a registry client error.
func registryStatus(err error) (int, string) {
	var te *transport.Error
	if errors.As(err, &te) {
		msg := ""
		if len(te.Errors) > 0 {
			msg = te.Errors[0].Message
		}
		return te.StatusCode, msg
	}
	return 0, ""
}

func digestOf(t *testing.T, img v1.Image) string {
	t.Helper()
	d, err := img.Digest()
	must(t, err)
	return d.String()
}

func layerDigest(t *testing.T, img v1.Image) string {
	t.Helper()
	layers, err := img.Layers()
	must(t, err)
	d, err := layers[0].Digest()
	must(t, err)
	return d.String()
}

// TestTagRangeEntitlement: a license for versions >=2.0.0 <3.0.0 pulls
// 2.x (an index and its children included) and nothing else, by tag or by
// digest, and the registry says why.
func TestTagRangeEntitlement(t *testing.T) {
	w := newEntitlementWorld(t)
	buyer := w.user(t, "lena")
	lic := w.grant(t, buyer.ID, "lts2", time.Time{})

	for _, tag := range []string{"2.0.0", "2.1.0"} {
		if err := w.pull(t, tag, "lena", lic.Key); err != nil {
			t.Errorf("pulling %s with an LTS 2 license: %v", tag, err)
		}
	}
	idx, err := remote.Index(w.ref(t, "2.2.0"), remote.WithAuth(&authn.Basic{Username: "x", Password: lic.Key}))
	if err != nil {
		t.Fatalf("pulling the 2.2.0 index: %v", err)
	}
	im, err := idx.IndexManifest()
	must(t, err)
	for _, m := range im.Manifests {
		child, err := idx.Image(m.Digest)
		if err == nil {
			_, err = child.Layers()
		}
		if err != nil {
			t.Errorf("pulling 2.2.0's child %s: %v", m.Digest, err)
		}
	}

	// The password of the license's owner carries the same entitlement.
	for _, c := range []struct{ user, pass string }{{"x", lic.Key}, {"lena", "lena-password"}} {
		for _, tag := range []string{"3.0.0", "latest", "1.0.0"} {
			err := w.pull(t, tag, c.user, c.pass)
			status, msg := registryStatus(err)
			if status != http.StatusForbidden || !strings.Contains(msg, "does not cover "+tag) {
				t.Errorf("pulling %s as %s: %v; want 403 saying the license does not cover it", tag, c.user, err)
			}
		}
	}

	// By digest: a manifest or a layer of an uncovered tag is refused, even
	// with a token that grants pull on the repository.
	token, _ := w.registryToken(t, "x", lic.Key)
	for _, path := range []string{
		"/manifests/" + digestOf(t, w.images["3.0.0"]),
		"/blobs/" + layerDigest(t, w.images["3.0.0"]),
		"/blobs/" + layerDigest(t, w.images["1.0.0"]),
	} {
		if status, code, msg := w.registryGet(t, token, path); status != http.StatusForbidden || code != "DENIED" || !strings.Contains(msg, "not part of any tag") {
			t.Errorf("GET %s: %d %s %q; want 403 DENIED", path, status, code, msg)
		}
	}
	for _, path := range []string{"/manifests/" + digestOf(t, w.images["2.0.0"]), "/blobs/" + layerDigest(t, w.images["2.1.0"])} {
		if status, _, msg := w.registryGet(t, token, path); status != http.StatusOK {
			t.Errorf("GET %s: %d %q; want 200", path, status, msg)
		}
	}

	// A cross-repository mount into one's own repository is no way around
	// the range: a covered layer mounts (201), another becomes an ordinary
	// upload (202) that needs the blob itself.
	mountToken := w.tokenFor(t, "lena", "lena-password", "repository:lena/copy:pull,push", "repository:"+entRepo+":pull")
	for layer, want := range map[string]int{
		layerDigest(t, w.images["2.0.0"]): http.StatusCreated,
		layerDigest(t, w.images["3.0.0"]): http.StatusAccepted,
	} {
		req, _ := http.NewRequest("POST", "http://"+w.in.Registry+"/v2/lena/copy/blobs/uploads/?mount="+layer+"&from="+entRepo, nil)
		req.Header.Set("Authorization", "Bearer "+mountToken)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("mounting %s from %s: %d, want %d", layer, entRepo, resp.StatusCode, want)
		}
	}

	// A tag pushed after the index was built is found.
	next, err := random.Image(256, 1)
	must(t, err)
	w.push(t, "2.3.0", next)
	if err := w.pull(t, "2.3.0", "x", lic.Key); err != nil {
		t.Errorf("pulling a freshly pushed 2.3.0: %v", err)
	}
}

// TestPullQuota: a license of 2 pulls a day pulls twice; the third pull is
// refused with 429 and the reason, the token endpoint's RateLimit headers
// count down, and the license API says none is left.
func TestPullQuota(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testPullQuota(t, b) })
	}
}

func testPullQuota(t *testing.T, b backend) {
	w := newEntitlementWorldOn(t, b)
	buyer := w.user(t, "quinn")
	lic := w.grant(t, buyer.ID, "quota", time.Time{})

	_, h := w.registryToken(t, "x", lic.Key)
	if h.Get("RateLimit-Limit") != "2" || h.Get("RateLimit-Remaining") != "2" {
		t.Errorf("fresh license: RateLimit-Limit %q Remaining %q; want 2 and 2", h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"))
	}
	if reset, err := strconv.Atoi(h.Get("RateLimit-Reset")); err != nil || reset <= 0 || reset > 86400 {
		t.Errorf("RateLimit-Reset %q; want seconds until midnight UTC", h.Get("RateLimit-Reset"))
	}
	for _, tag := range []string{"2.0.0", "3.0.0"} {
		if err := w.pull(t, tag, "x", lic.Key); err != nil {
			t.Fatalf("pull of %s within quota: %v", tag, err)
		}
	}
	err := w.pull(t, "2.1.0", "x", lic.Key)
	if status, msg := registryStatus(err); status != http.StatusTooManyRequests || !strings.Contains(msg, "quota") {
		t.Errorf("third pull: %v; want 429 saying the quota is used up", err)
	}
	token, h := w.registryToken(t, "x", lic.Key)
	if h.Get("RateLimit-Remaining") != "0" {
		t.Errorf("after the quota: RateLimit-Remaining %q; want 0", h.Get("RateLimit-Remaining"))
	}
	if status, code, msg := w.registryGet(t, token, "/manifests/2.0.0"); status != http.StatusTooManyRequests || code != "TOOMANYREQUESTS" || !strings.Contains(msg, "resets at") {
		t.Errorf("with a token issued over quota: %d %s %q; want 429 TOOMANYREQUESTS saying when it resets", status, code, msg)
	}
	var got struct {
		Quota struct {
			Pulls     int
			Remaining *int
		}
	}
	if status := w.in.call("GET", "/api/v1/licenses/"+lic.License.ID, "quinn", "quinn-password", nil, &got); status != http.StatusOK ||
		got.Quota.Pulls != 2 || got.Quota.Remaining == nil || *got.Quota.Remaining != 0 {
		t.Errorf("license API: %d %+v; want quota 2 with 0 remaining", status, got)
	}
}

// TestOrgLicenseSeats: an organisation's license entitles its members'
// passwords up to its seats; a third member is refused with the reason
// until an owner frees a seat; members cannot free seats; outsiders see
// nothing.
func TestOrgLicenseSeats(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testOrgLicenseSeats(t, b) })
	}
}

func testOrgLicenseSeats(t *testing.T, b backend) {
	w := newEntitlementWorldOn(t, b)
	ctx := context.Background()
	owner, m1, m2 := w.user(t, "olga"), w.user(t, "mika"), w.user(t, "nils")
	w.user(t, "oscar")
	accounts := w.in.srv.Backend.Accounts
	org, err := accounts.CreateOrg(ctx, owner, "teamco", "Team Co")
	must(t, err)
	for _, m := range []account.User{m1, m2} {
		must(t, accounts.AddMember(ctx, owner, org.Name, m.Username, account.RoleMember))
	}
	lic := w.grant(t, org.ID, "team", time.Time{})

	if err := w.pull(t, "2.0.0", "olga", "olga-password"); err != nil {
		t.Fatalf("owner's pull through the org license: %v", err)
	}
	if err := w.pull(t, "2.0.0", "mika", "mika-password"); err != nil {
		t.Fatalf("first member's pull: %v", err)
	}
	err = w.pull(t, "2.0.0", "nils", "nils-password")
	if status, msg := registryStatus(err); status != http.StatusForbidden || !strings.Contains(msg, "seats") {
		t.Errorf("third credential: %v; want 403 saying the seats are taken", err)
	}
	if err := w.pull(t, "2.0.0", "oscar", "oscar-password"); !isDenied(err) {
		t.Errorf("an outsider pulled through the org license: %v", err)
	}

	var seats struct {
		Seats int
		Taken []struct{ Holder string }
	}
	if status := w.in.call("GET", "/api/v1/licenses/"+lic.License.ID+"/seats", "mika", "mika-password", nil, &seats); status != http.StatusOK ||
		seats.Seats != 2 || len(seats.Taken) != 2 {
		t.Fatalf("seats as a member: %d %+v; want 2 of 2 taken", status, seats)
	}
	release := "/api/v1/licenses/" + lic.License.ID + "/seats/user:" + m1.ID
	if status := w.in.call("DELETE", release, "mika", "mika-password", nil, nil); status != http.StatusForbidden {
		t.Errorf("a member freeing a seat: %d; want 403", status)
	}
	if status := w.in.call("GET", "/api/v1/licenses/"+lic.License.ID, "oscar", "oscar-password", nil, nil); status != http.StatusNotFound {
		t.Errorf("an outsider reading the license: %d; want 404", status)
	}
	if status := w.in.call("DELETE", release, "olga", "olga-password", nil, nil); status != http.StatusNoContent {
		t.Fatalf("the owner freeing a seat: %d; want 204", status)
	}
	if err := w.pull(t, "2.0.0", "nils", "nils-password"); err != nil {
		t.Errorf("third member after a seat was freed: %v", err)
	}
	var list struct{ Licenses []struct{ ID, Owner string } }
	if status := w.in.call("GET", "/api/v1/licenses", "nils", "nils-password", nil, &list); status != http.StatusOK || len(list.Licenses) != 1 || list.Licenses[0].Owner != "teamco" {
		t.Errorf("a member's license list: %d %+v; want the org's license held by teamco", status, list)
	}
}

// TestPerpetualFallback: once a perpetual-fallback license has expired its
// key still pulls the tags released before its end, and nothing released
// later; a plain license that expired pulls nothing.
func TestPerpetualFallback(t *testing.T) {
	w := newEntitlementWorld(t)
	buyer := w.user(t, "pia")
	end := time.Now().Add(1500 * time.Millisecond)
	perp := w.grant(t, buyer.ID, "perpetual", end)
	plain := w.grant(t, buyer.ID, "plain", end)
	if err := w.pull(t, "3.0.0", "x", perp.Key); err != nil {
		t.Fatalf("pull while active: %v", err)
	}
	time.Sleep(time.Until(end) + 100*time.Millisecond) // the licenses end
	next, err := random.Image(256, 1)
	must(t, err)
	w.push(t, "4.0.0", next)

	if err := w.pull(t, "3.0.0", "x", perp.Key); err != nil {
		t.Errorf("after expiry, a tag released before the end: %v", err)
	}
	err = w.pull(t, "4.0.0", "x", perp.Key)
	if status, msg := registryStatus(err); status != http.StatusForbidden || !strings.Contains(msg, "released later") {
		t.Errorf("after expiry, a tag released later: %v; want 403 saying so", err)
	}
	if err := w.pull(t, "3.0.0", "x", plain.Key); !isDenied(err) {
		t.Errorf("an expired plain license pulled: %v", err)
	}
}

// TestPullAuditAttribution: every token issued is recorded with its
// credential, scopes, address and client, and every pull is attributed to
// the license it went through; the holder sees their license's, the admin
// sees all, others nothing.
func TestPullAuditAttribution(t *testing.T) {
	w := newEntitlementWorld(t)
	buyer := w.user(t, "abby")
	w.user(t, "eve")
	_, err := w.in.srv.Backend.Accounts.Register(context.Background(), account.SignUp{Username: "ops", Email: "ops@example.com", Password: "ops-password", Admin: true})
	must(t, err)
	lic := w.grant(t, buyer.ID, "lts2", time.Time{})
	if err := w.pull(t, "2.1.0", "x", lic.Key); err != nil {
		t.Fatal(err)
	}
	if err = w.pull(t, "3.0.0", "x", lic.Key); err == nil {
		t.Fatal("pulled an uncovered tag")
	}
	w.registryToken(t, "x", lic.Key)

	type pulls struct {
		Pulls []struct{ License, Repository, Reference, Digest, Subject, IP string }
	}
	var mine pulls
	deadline := time.Now().Add(10 * time.Second)
	for {
		if status := w.in.call("GET", "/api/v1/licenses/"+lic.License.ID+"/pulls", "abby", "abby-password", nil, &mine); status != http.StatusOK {
			t.Fatalf("pulls: status %d", status)
		}
		if len(mine.Pulls) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(mine.Pulls) != 1 || mine.Pulls[0].Reference != "2.1.0" || mine.Pulls[0].Digest != digestOf(t, w.images["2.1.0"]) ||
		mine.Pulls[0].Subject != "license:"+lic.License.ID || mine.Pulls[0].IP == "" {
		t.Errorf("pulls of the license: %+v; want exactly the 2.1.0 pull, attributed", mine.Pulls)
	}

	var tokens struct {
		Tokens []struct {
			Credential, IP string
			UserAgent      string   `json:"user_agent"`
			Licenses       []string `json:"licenses"`
			ScopesAsked    []string `json:"scopes_asked"`
			ScopesGranted  []string `json:"scopes_granted"`
		}
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		w.in.call("GET", "/api/v1/licenses/"+lic.License.ID+"/tokens", "abby", "abby-password", nil, &tokens)
		if len(tokens.Tokens) >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	found := false
	for _, r := range tokens.Tokens {
		if r.UserAgent == "berth-e2e/1.0" {
			found = r.Credential == "license" && r.IP != "" && len(r.Licenses) == 1 && r.Licenses[0] == lic.License.ID &&
				len(r.ScopesAsked) == 1 && r.ScopesAsked[0] == "repository:"+entRepo+":pull" && len(r.ScopesGranted) == 1
		}
	}
	if !found {
		t.Errorf("token records: %+v; want the e2e client's token with its credential, license, scopes and address", tokens.Tokens)
	}

	if status := w.in.call("GET", "/api/v1/licenses/"+lic.License.ID+"/pulls", "eve", "eve-password", nil, nil); status != http.StatusNotFound {
		t.Errorf("another user's view of the pulls: %d; want 404", status)
	}
	if status := w.in.call("GET", "/api/v1/admin/pulls", "eve", "eve-password", nil, nil); status != http.StatusForbidden {
		t.Errorf("a non-admin's view of all pulls: %d; want 403", status)
	}
	var all pulls
	if status := w.in.call("GET", "/api/v1/admin/pulls", "ops", "ops-password", nil, &all); status != http.StatusOK || len(all.Pulls) != 1 || all.Pulls[0].License != lic.License.ID {
		t.Errorf("the admin's view: %d %+v; want the one pull", status, all.Pulls)
	}
	if status := w.in.call("GET", "/api/v1/admin/pulls?limit=0", "ops", "ops-password", nil, nil); status != http.StatusBadRequest {
		t.Errorf("limit=0: %d; want 400", status)
	}

	// The license page shows the pull and states the revocation lag; the
	// admin's usage page shows it too.
	resp, page := send(t, "GET", w.in.URL+"/licenses/"+lic.License.ID, "", nil, signInAPI(t, w.in, "abby", "abby-password"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, entRepo+":2.1.0") || !strings.Contains(page, "at most 5 minutes") {
		t.Errorf("license page: %d; want the pull and the revocation lag (at most the token lifetime)", resp.StatusCode)
	}
	resp, page = send(t, "GET", w.in.URL+"/admin/usage", "", nil, signInAPI(t, w.in, "ops", "ops-password"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, entRepo+":2.1.0") || !strings.Contains(page, "berth-e2e/1.0") {
		t.Errorf("admin usage page: %d; want the pull and the token's client", resp.StatusCode)
	}
}
