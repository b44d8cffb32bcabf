package e2e

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// clientsWorld is one Berth for TestRealClients: vendor/app sold in
// tiers (the entitlement world), dora holding the LTS 2 license (tags
// >=2.0.0 <3.0.0) by checkout, and alice with access tokens and a
// publisher push token (the trust world).
type clientsWorld struct {
	*entitlementWorld
	trust   *trustWorld
	license licenseJSON
}

// TestRealClients proves the registry with the real client binaries a
// buyer or publisher runs, each logging in and acting as its
// documentation says: crane, skopeo, oras, regctl and podman pull with a
// license key and get the image's exact content; crane and regctl push
// with an access token and a push token, and crane, oras and regctl delete
// what they pushed; a license key and a read-only token are refused a
// delete; and what skopeo and podman print on a pull outside the license
// names the reason.
func TestRealClients(t *testing.T) {
	needClients(t, registryClients...)
	w := &clientsWorld{entitlementWorld: newEntitlementWorld(t)}
	w.trust = newTrustWorld(t, w.in, 0)
	w.user(t, "dora")
	var out struct{ License licenseJSON }
	if status := w.in.call("POST", "/api/v1/products/vendor-app/checkout", "dora", "dora-password", map[string]any{"tier": "lts2", "accept_terms": true}, &out); status != http.StatusCreated {
		t.Fatalf("taking lts2: %d", status)
	}
	w.license = out.License

	t.Run("pull with a license key", w.testPulls)
	t.Run("push and delete", w.testPushDelete)
	t.Run("refusals name the reason", w.testReasons)
}

// testPulls pulls 2.0.0 with each client logged in with dora's license
// key (any username does; the product page shows "license") and checks
// that what it wrote is the image that was pushed, byte for byte.
func (w *clientsWorld) testPulls(t *testing.T) {
	reg := w.in.Registry
	image := reg + "/" + entRepo + ":2.0.0"
	want := contentOf(t, w.images["2.0.0"])
	for _, client := range registryClients {
		t.Run(client, func(t *testing.T) {
			h := newClientHome(t)
			h.login(client, reg, "license", w.license.Key)
			dir := h.path("pulled")
			switch client {
			case "crane":
				h.must("", "crane", "pull", "--format", "oci", image, dir)
				want.checkLayout(t, client, dir)
			case "skopeo":
				h.must("", "skopeo", "copy", "--src-tls-verify=false", "docker://"+image, "dir:"+dir)
				want.checkBlobs(t, client, filepath.Join(dir, "manifest.json"), func(d string) string {
					return filepath.Join(dir, strings.TrimPrefix(d, "sha256:"))
				})
			case "oras":
				h.must("", "oras", "copy", "--from-plain-http", image, "--to-oci-layout", dir+":2.0.0")
				want.checkLayout(t, client, dir)
				fetched := h.path("manifest.json")
				h.must("", "oras", "manifest", "fetch", "--plain-http", image, "--output", fetched)
				if got := sha256File(t, fetched); got != want.manifest {
					t.Errorf("oras manifest fetch: digest %s, want %s", got, want.manifest)
				}
			case "regctl":
				h.must("", "regctl", "image", "copy", image, "ocidir://"+dir+":2.0.0")
				want.checkLayout(t, client, dir)
			case "podman":
				h.must("", "podman", "pull", "--tls-verify=false", image)
				got := strings.Fields(h.must("", "podman", "image", "inspect", "--format", "{{.Digest}} {{range .RootFS.Layers}}{{.}} {{end}}", image))
				if len(got) == 0 || got[0] != want.manifest || !slices.Equal(got[1:], want.diffIDs) {
					t.Errorf("podman holds %v; want manifest %s and layers %v", got, want.manifest, want.diffIDs)
				}
			}
		})
	}
}

// pushed is what testPushDelete pushed, where, and with which
// credentials: each client home is logged in with one of alice's.
type pushed struct {
	own, staging     string // alice0/app and her publisher's staging repository
	want             string // the digest of the image pushed to both
	owner, publisher string // registry tokens that read them
	pat, push, ro    clientHome
}

// testPushDelete pushes with crane (alice's read-write access token, to
// alice0/app) and regctl (her publisher's push token, to staging), then
// deletes with crane delete, oras manifest delete and regctl tag rm, and
// checks through the registry API that each is gone, regctl's tag with
// no placeholder manifest left in its place. A license key and a
// read-only token are refused a delete.
func (w *clientsWorld) testPushDelete(t *testing.T) {
	reg := w.in.Registry
	creds := w.trust.creds
	p := pushed{own: w.trust.names["ns"] + "/app", staging: "staging/" + w.trust.names["image-ns"] + "/app",
		pat: newClientHome(t), push: newClientHome(t), ro: newClientHome(t)}
	img, err := random.Image(1024, 2)
	must(t, err)
	src := t.TempDir()
	l, err := layout.Write(src, empty.Index)
	must(t, err)
	must(t, l.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "v1"})))
	p.want = digestOf(t, img)

	p.pat.login("crane", reg, creds["pat-write"].user, creds["pat-write"].pass)
	p.pat.login("oras", reg, creds["pat-write"].user, creds["pat-write"].pass)
	p.push.login("regctl", reg, creds["push-token"].user, creds["push-token"].pass)
	p.ro.login("crane", reg, creds["pat-read"].user, creds["pat-read"].pass)

	p.pat.must("", "crane", "push", src, reg+"/"+p.own+":crane")
	p.pat.must("", "crane", "copy", reg+"/"+p.own+":crane", reg+"/"+p.own+":oras")
	p.pat.must("", "crane", "copy", reg+"/"+p.own+":crane", reg+"/"+p.own+":keep")
	p.push.must("", "regctl", "image", "copy", "ocidir://"+src+":v1", reg+"/"+p.staging+":regctl")

	p.owner = issueRaw(t, w.in, creds["pat-write"].user, creds["pat-write"].pass, "repository:"+p.own+":pull")
	p.publisher = issueRaw(t, w.in, creds["push-token"].user, creds["push-token"].pass, "repository:"+p.staging+":pull")
	for tag, at := range map[string][2]string{"crane": {p.own, p.owner}, "regctl": {p.staging, p.publisher}} {
		if got := manifestDigest(t, reg, at[0], tag, at[1]); got != p.want {
			t.Fatalf("%s:%s after the push is %q, want %s", at[0], tag, got, p.want)
		}
	}
	w.refusedDeletes(t, p)
	w.deletes(t, p)
}

// refusedDeletes: crane delete with a license key, and with a read-only
// token, is refused, and the image stays.
func (w *clientsWorld) refusedDeletes(t *testing.T, p pushed) {
	reg := w.in.Registry
	lk := newClientHome(t)
	lk.login("crane", reg, "license", w.license.Key)
	if out, err := lk.run("", "crane", "delete", reg+"/"+entRepo+":2.0.0"); err == nil {
		t.Errorf("crane delete with a license key succeeded:\n%s", out)
	}
	buyer := issueRaw(t, w.in, "license", w.license.Key, "repository:"+entRepo+":pull")
	if got := manifestDigest(t, reg, entRepo, "2.0.0", buyer); got != digestOf(t, w.images["2.0.0"]) {
		t.Errorf("after a license key's delete, vendor/app:2.0.0 is %q", got)
	}
	if out, err := p.ro.run("", "crane", "delete", reg+"/"+p.own+":keep"); err == nil {
		t.Errorf("crane delete with a read-only token succeeded:\n%s", out)
	}
	if got := manifestDigest(t, reg, p.own, "keep", p.owner); got != p.want {
		t.Errorf("after a read-only token's delete, %s:keep is %q, want %s", p.own, got, p.want)
	}
}

// deletes: crane delete and regctl tag rm remove a tag, regctl's leaving
// no placeholder; oras manifest delete removes the manifest and every tag
// naming it. Each delete goes on when refused, so that what it left is
// checked.
func (w *clientsWorld) deletes(t *testing.T, p pushed) {
	reg := w.in.Registry
	if out, err := p.pat.run("", "crane", "delete", reg+"/"+p.own+":crane"); err != nil {
		t.Errorf("crane delete with a read-write token: %v\n%s", err, out)
	}
	if out, err := p.push.run("", "regctl", "tag", "rm", reg+"/"+p.staging+":regctl"); err != nil {
		t.Errorf("regctl tag rm with a push token: %v\n%s", err, out)
	}
	for tag, at := range map[string][2]string{"crane": {p.own, p.owner}, "regctl": {p.staging, p.publisher}} {
		if got := manifestDigest(t, reg, at[0], tag, at[1]); got != "" {
			t.Errorf("%s:%s after its delete still resolves, to %s (the image pushed is %s)", at[0], tag, got, p.want)
		}
		if tags := tagList(t, reg, at[0], at[1]); slices.Contains(tags, tag) {
			t.Errorf("%s still lists %s after its delete: %v", at[0], tag, tags)
		}
	}
	if tags := tagList(t, reg, p.staging, p.publisher); len(tags) != 0 {
		t.Errorf("regctl tag rm left %v in %s; want nothing (no placeholder)", tags, p.staging)
	}
	if got := manifestDigest(t, reg, p.staging, p.want, p.publisher); got != p.want {
		t.Errorf("regctl tag rm took the manifest %s with the tag (now %q)", p.want, got)
	}

	if out, err := p.pat.run("", "oras", "manifest", "delete", "--plain-http", "--force", reg+"/"+p.own+":oras"); err != nil {
		t.Errorf("oras manifest delete with a read-write token: %v\n%s", err, out)
	}
	for _, ref := range []string{"oras", "keep", p.want} {
		if got := manifestDigest(t, reg, p.own, ref, p.owner); got != "" {
			t.Errorf("%s:%s after oras manifest delete of its manifest still resolves, to %s", p.own, ref, got)
		}
	}
}

// testReasons: skopeo and podman, logged in with dora's license key and
// with her password, pull where the license no longer lets them through,
// and what they print names the reason: a tag outside the license's
// range, terms not accepted (for a pull and for a tag listing), and a
// revoked license.
func (w *clientsWorld) testReasons(t *testing.T) {
	homes := map[string]clientHome{"the license key": newClientHome(t), "a password": newClientHome(t)}
	for who, h := range homes {
		user, pass := "license", w.license.Key
		if who == "a password" {
			user, pass = "dora", "dora-password"
		}
		h.login("skopeo", w.in.Registry, user, pass)
		h.login("podman", w.in.Registry, user, pass)
	}
	w.printsReason(t, homes, w.pulls("3.0.0"), "3.0.0", ">=2.0.0 <3.0.0")
	w.headCarriesReason(t)

	setTerms(t, w.entitlementWorld, 1)
	page := "/licenses/" + w.license.ID
	w.printsReason(t, homes, w.pulls("2.0.0"), "new license terms", page)
	w.printsReason(t, homes, w.tagListings, "new license terms", page)

	_, err := w.in.srv.Backend.Licenses.Revoke(t.Context(), w.license.ID)
	must(t, err)
	w.printsReason(t, homes, w.pulls("2.1.0"), "revoked")
}

// pulls are the skopeo and podman commands that pull tag, by name.
func (w *clientsWorld) pulls(tag string) func(h clientHome) map[string][]string {
	image := w.in.Registry + "/" + entRepo + ":" + tag
	return func(h clientHome) map[string][]string {
		return map[string][]string{
			"skopeo copy " + tag: {"skopeo", "copy", "--src-tls-verify=false", "docker://" + image, "dir:" + h.path("refused")},
			"podman pull " + tag: {"podman", "pull", "--tls-verify=false", image},
		}
	}
}

// tagListings are the skopeo and podman commands that list vendor/app's
// tags, by name.
func (w *clientsWorld) tagListings(clientHome) map[string][]string {
	repo := w.in.Registry + "/" + entRepo
	return map[string][]string{
		"skopeo list-tags":          {"skopeo", "list-tags", "--tls-verify=false", "docker://" + repo},
		"podman search --list-tags": {"podman", "search", "--list-tags", "--tls-verify=false", repo},
	}
}

// printsReason runs each command in each home, and checks that it fails
// and that what it prints holds every one of says.
func (w *clientsWorld) printsReason(t *testing.T, homes map[string]clientHome, commands func(clientHome) map[string][]string, says ...string) {
	t.Helper()
	for who, h := range homes {
		for what, args := range commands(h) {
			out, err := h.run("", args[0], args[1:]...)
			if err == nil {
				t.Fatalf("%s with %s succeeded:\n%s", what, who, out)
			}
			t.Logf("%s with %s printed: %s", what, who, strings.TrimSpace(out))
			for _, s := range says {
				if !strings.Contains(out, s) {
					t.Errorf("%s with %s printed %q; want it to say %q", what, who, out, s)
				}
			}
		}
	}
}

// headCarriesReason: a HEAD has no body, so a refused one carries the
// reason as the challenge's error_description, which containers/image
// and docker's client read first (the tag listings show containers/image
// printing it); a refused GET has the reason in its body and no
// challenge, which would make clients ask for a new token and try again.
func (w *clientsWorld) headCarriesReason(t *testing.T) {
	token := issueRaw(t, w.in, "license", w.license.Key, "repository:"+entRepo+":pull")
	manifest := "http://" + w.in.Registry + "/v2/" + entRepo + "/manifests/3.0.0"
	resp := bearerDo(t, "HEAD", manifest, token)
	if challenge := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusForbidden || !strings.Contains(challenge, `error="insufficient_scope"`) ||
		!strings.Contains(challenge, `error_description="your license for vendor/app does not cover 3.0.0: it covers versions >=2.0.0 <3.0.0`) {
		t.Errorf("HEAD of a tag outside the license: %d, challenge %q; want 403 with the reason as error_description", resp.StatusCode, challenge)
	}
	if resp := bearerDo(t, "GET", manifest, token); resp.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("a refused GET carries a challenge, %q", resp.Header.Get("WWW-Authenticate"))
	}
}
