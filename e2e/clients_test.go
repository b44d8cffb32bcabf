package e2e

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
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
// license key and get the image's exact content; crane, regctl and oras
// push with an access token or a push token and delete what they pushed;
// a license key and a read-only token are refused a delete; and what
// skopeo and podman print on a pull outside the license names the reason.
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

// testPushDelete pushes with crane and oras (alice's read-write access
// token, alice0/app) and regctl (her publisher's push token, staging),
// deletes with crane delete, oras manifest delete and regctl tag rm, and
// checks through the registry API that each is gone, regctl's tag with
// no placeholder manifest left in its place. A license key and a
// read-only token are refused a delete.
func (w *clientsWorld) testPushDelete(t *testing.T) {
	reg := w.in.Registry
	own := w.trust.names["ns"] + "/app"
	staging := "staging/" + w.trust.names["image-ns"] + "/app"
	img, err := random.Image(1024, 2)
	must(t, err)
	src := t.TempDir()
	p, err := layout.Write(src, empty.Index)
	must(t, err)
	must(t, p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "v1"})))
	want := digestOf(t, img)

	pat, push, ro := newClientHome(t), newClientHome(t), newClientHome(t)
	for _, h := range []struct {
		home clientHome
		cred credential
	}{{pat, w.trust.creds["pat-write"]}, {push, w.trust.creds["push-token"]}, {ro, w.trust.creds["pat-read"]}} {
		h.home.login("crane", reg, h.cred.user, h.cred.pass)
	}
	pat.login("oras", reg, w.trust.creds["pat-write"].user, w.trust.creds["pat-write"].pass)
	push.login("regctl", reg, w.trust.creds["push-token"].user, w.trust.creds["push-token"].pass)

	pat.must("", "crane", "push", src, reg+"/"+own+":crane")
	pat.must("", "crane", "copy", reg+"/"+own+":crane", reg+"/"+own+":oras")
	pat.must("", "crane", "copy", reg+"/"+own+":crane", reg+"/"+own+":keep")
	push.must("", "regctl", "image", "copy", "ocidir://"+src+":v1", reg+"/"+staging+":regctl")

	owner := issueRaw(t, w.in, w.trust.alice.Username, w.trust.creds["pat-write"].pass, "repository:"+own+":pull")
	publisher := issueRaw(t, w.in, w.trust.creds["push-token"].user, w.trust.creds["push-token"].pass, "repository:"+staging+":pull")
	for tag, at := range map[string][2]string{"crane": {own, owner}, "regctl": {staging, publisher}} {
		if got := manifestDigest(t, reg, at[0], tag, at[1]); got != want {
			t.Fatalf("%s:%s after the push is %q, want %s", at[0], tag, got, want)
		}
	}

	// Refused: a license key, and a read-only token.
	lk := newClientHome(t)
	lk.login("crane", reg, "license", w.license.Key)
	if out, err := lk.run("", "crane", "delete", reg+"/"+entRepo+":2.0.0"); err == nil {
		t.Errorf("crane delete with a license key succeeded:\n%s", out)
	}
	buyer := issueRaw(t, w.in, "license", w.license.Key, "repository:"+entRepo+":pull")
	if got := manifestDigest(t, reg, entRepo, "2.0.0", buyer); got != digestOf(t, w.images["2.0.0"]) {
		t.Errorf("after a license key's delete, vendor/app:2.0.0 is %q", got)
	}
	if out, err := ro.run("", "crane", "delete", reg+"/"+own+":keep"); err == nil {
		t.Errorf("crane delete with a read-only token succeeded:\n%s", out)
	}
	if got := manifestDigest(t, reg, own, "keep", owner); got != want {
		t.Errorf("after a read-only token's delete, %s:keep is %q, want %s", own, got, want)
	}

	// crane delete of a tag; regctl tag rm of a tag in staging.
	// Each delete goes on when refused, so that what it left is checked.
	if out, err := pat.run("", "crane", "delete", reg+"/"+own+":crane"); err != nil {
		t.Errorf("crane delete with a read-write token: %v\n%s", err, out)
	}
	if out, err := push.run("", "regctl", "tag", "rm", reg+"/"+staging+":regctl"); err != nil {
		t.Errorf("regctl tag rm with a push token: %v\n%s", err, out)
	}
	for tag, at := range map[string][2]string{"crane": {own, owner}, "regctl": {staging, publisher}} {
		if got := manifestDigest(t, reg, at[0], tag, at[1]); got != "" {
			t.Errorf("%s:%s after its delete still resolves, to %s (the image pushed is %s)", at[0], tag, got, want)
		}
		if tags := tagList(t, reg, at[0], at[1]); slices.Contains(tags, tag) {
			t.Errorf("%s still lists %s after its delete: %v", at[0], tag, tags)
		}
	}
	if tags := tagList(t, reg, staging, publisher); len(tags) != 0 {
		t.Errorf("regctl tag rm left %v in %s; want nothing (no placeholder)", tags, staging)
	}
	if got := manifestDigest(t, reg, staging, want, publisher); got != want {
		t.Errorf("regctl tag rm took the manifest %s with the tag (now %q)", want, got)
	}

	// oras manifest delete of the manifest itself: every tag naming it
	// goes with it.
	if out, err := pat.run("", "oras", "manifest", "delete", "--plain-http", "--force", reg+"/"+own+":oras"); err != nil {
		t.Errorf("oras manifest delete with a read-write token: %v\n%s", err, out)
	}
	for _, tag := range []string{"oras", "keep"} {
		if got := manifestDigest(t, reg, own, tag, owner); got != "" {
			t.Errorf("%s:%s after oras manifest delete of its manifest still resolves, to %s", own, tag, got)
		}
	}
	if got := manifestDigest(t, reg, own, want, owner); got != "" {
		t.Errorf("the manifest %s still answers after oras manifest delete", want)
	}
}

// manifestDigest GETs repo's manifest ref with token and returns the
// digest of the body, or "" on 404. It hashes the bytes itself rather
// than trusting the registry's Docker-Content-Digest.
func manifestDigest(t *testing.T, registry, repo, ref, token string) string {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+registry+"/v2/"+repo+"/manifests/"+ref, nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotFound:
		return ""
	case http.StatusOK:
		d, _, err := v1.SHA256(resp.Body)
		must(t, err)
		return d.String()
	}
	t.Fatalf("GET %s/manifests/%s: %d", repo, ref, resp.StatusCode)
	return ""
}

// tagList lists repo's tags through the registry API; a repository with
// none answers 404 or an empty list.
func tagList(t *testing.T, registry, repo, token string) []string {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+registry+"/v2/"+repo+"/tags/list", nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	var list struct{ Tags []string }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&list) != nil {
		t.Fatalf("GET %s/tags/list: %d", repo, resp.StatusCode)
	}
	return list.Tags
}

// testReasons: skopeo and podman, logged in with dora's license key and
// with her password, pull where the license no longer lets them through,
// and what they print names the reason: a tag outside the license's
// range, terms not accepted (for a pull and for a tag listing), and a
// revoked license.
func (w *clientsWorld) testReasons(t *testing.T) {
	reg := w.in.Registry
	homes := map[string]clientHome{"the license key": newClientHome(t), "a password": newClientHome(t)}
	for who, h := range homes {
		user, pass := "license", w.license.Key
		if who == "a password" {
			user, pass = "dora", "dora-password"
		}
		h.login("skopeo", reg, user, pass)
		h.login("podman", reg, user, pass)
	}
	refused := func(h clientHome, who, what string, args ...string) string {
		t.Helper()
		out, err := h.run("", args[0], args[1:]...)
		if err == nil {
			t.Fatalf("%s with %s succeeded:\n%s", what, who, out)
		}
		t.Logf("%s with %s printed: %s", what, who, strings.TrimSpace(out))
		return out
	}
	image := func(tag string) string { return reg + "/" + entRepo + ":" + tag }
	pulls := func(h clientHome, tag string) map[string][]string {
		return map[string][]string{
			"skopeo copy " + tag: {"skopeo", "copy", "--src-tls-verify=false", "docker://" + image(tag), "dir:" + h.path("refused")},
			"podman pull " + tag: {"podman", "pull", "--tls-verify=false", image(tag)},
		}
	}
	lists := func(h clientHome) map[string][]string {
		return map[string][]string{
			"skopeo list-tags":          {"skopeo", "list-tags", "--tls-verify=false", "docker://" + reg + "/" + entRepo},
			"podman search --list-tags": {"podman", "search", "--list-tags", "--tls-verify=false", reg + "/" + entRepo},
		}
	}

	for who, h := range homes {
		for what, args := range pulls(h, "3.0.0") {
			if got := refused(h, who, what, args...); !strings.Contains(got, "3.0.0") || !strings.Contains(got, ">=2.0.0 <3.0.0") {
				t.Errorf("%s outside the license's versions, with %s, printed %q; want the tag and the range", what, who, got)
			}
		}
	}

	// A HEAD has no body: the reason is in the challenge's
	// error_description, where containers/image and docker's client read
	// it first (the tag listings below show containers/image printing it).
	token := issueRaw(t, w.in, "license", w.license.Key, "repository:"+entRepo+":pull")
	resp := bearerDo(t, "HEAD", "http://"+reg+"/v2/"+entRepo+"/manifests/3.0.0", token)
	if challenge := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusForbidden || !strings.Contains(challenge, `error="insufficient_scope"`) ||
		!strings.Contains(challenge, `error_description="your license for vendor/app does not cover 3.0.0: it covers versions >=2.0.0 <3.0.0`) {
		t.Errorf("HEAD of a tag outside the license: %d, challenge %q; want 403 with the reason as error_description", resp.StatusCode, challenge)
	}
	if resp := bearerDo(t, "GET", "http://"+reg+"/v2/"+entRepo+"/manifests/3.0.0", token); resp.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("a refused GET carries a challenge, %q: clients would ask for a new token and try again", resp.Header.Get("WWW-Authenticate"))
	}

	setTerms(t, w.entitlementWorld, 1)
	licensePage := "/licenses/" + w.license.ID
	for who, h := range homes {
		for what, args := range pulls(h, "2.0.0") {
			if got := refused(h, who, what, args...); !strings.Contains(got, "new license terms") || !strings.Contains(got, licensePage) {
				t.Errorf("%s under terms not accepted, with %s, printed %q; want the terms and where to accept them", what, who, got)
			}
		}
		for what, args := range lists(h) {
			if got := refused(h, who, what, args...); !strings.Contains(got, "new license terms") || !strings.Contains(got, licensePage) {
				t.Errorf("%s under terms not accepted, with %s, printed %q; want the terms and where to accept them", what, who, got)
			}
		}
	}

	_, err := w.in.srv.Backend.Licenses.Revoke(t.Context(), w.license.ID)
	must(t, err)
	for who, h := range homes {
		for what, args := range pulls(h, "2.1.0") {
			if got := refused(h, who, what, args...); !strings.Contains(got, "revoked") {
				t.Errorf("%s after the license was revoked, with %s, printed %q; want it to say revoked", what, who, got)
			}
		}
	}
}
