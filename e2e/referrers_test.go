package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	sbomType      = "application/vnd.example.sbom.v1"
	signatureType = "application/vnd.example.signature.v1"
	emptyJSON     = "application/vnd.oci.empty.v1+json"
)

// attachSBOM pushes, by digest, an SBOM artifact whose subject is the
// manifest subject of repo, and returns the artifact's digest.
func attachSBOM(t *testing.T, registry, repo string, subject v1.Descriptor, auth remote.Option) string {
	t.Helper()
	img, err := random.Image(128, 1)
	must(t, err)
	img = mutate.ConfigMediaType(img, sbomType)
	img = mutate.Annotations(img, map[string]string{"org.example.format": "spdx"}).(v1.Image)
	img = mutate.Subject(img, subject).(v1.Image)
	d := digestOf(t, img)
	dref, err := name.NewDigest(registry+"/"+repo+"@"+d, name.Insecure)
	must(t, err)
	must(t, remote.Write(dref, img, auth, remote.WithReferrersTagFallback(false)))
	return d
}

// putSignature PUTs an artifact manifest with artifactType and subject
// directly, as oras attach does, and returns the response and its digest.
func putSignature(t *testing.T, registry, repo string, subject v1.Descriptor, token string, auth remote.Option) (*http.Response, string) {
	t.Helper()
	empty := static.NewLayer([]byte("{}"), emptyJSON)
	r, err := name.NewRepository(registry+"/"+repo, name.Insecure)
	must(t, err)
	must(t, remote.WriteLayer(r, empty, auth))
	ed, err := empty.Digest()
	must(t, err)
	emptyDesc := map[string]any{"mediaType": emptyJSON, "digest": ed.String(), "size": 2}
	body, err := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": types.OCIManifestSchema1, "artifactType": signatureType,
		"config": emptyDesc, "layers": []any{emptyDesc},
		"subject":     map[string]any{"mediaType": subject.MediaType, "digest": subject.Digest.String(), "size": subject.Size},
		"annotations": map[string]string{"org.example.signer": "alice"},
	})
	must(t, err)
	h, _, err := v1.SHA256(bytes.NewReader(body))
	must(t, err)
	req, err := http.NewRequest("PUT", "http://"+registry+"/v2/"+repo+"/manifests/"+h.String(), bytes.NewReader(body))
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", string(types.OCIManifestSchema1))
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	return resp, h.String()
}

// referrersOf GETs the referrers list of subject, with the query given.
func referrersOf(t *testing.T, registry, repo, subject, query, token string) (*http.Response, v1.IndexManifest) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+registry+"/v2/"+repo+"/referrers/"+subject+query, nil)
	must(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(t, err)
	var idx v1.IndexManifest
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &idx); err != nil {
			t.Fatalf("referrers list %q: %v", raw, err)
		}
	}
	return resp, idx
}

// descriptorOf is the descriptor of an image as a subject.
func descriptorOf(t *testing.T, img v1.Image) v1.Descriptor {
	t.Helper()
	d, err := partial.Descriptor(img)
	must(t, err)
	return *d
}

// TestReferrers: manifests pushed with a subject are listed by the
// referrers API, as an OCI image index with each one's artifactType and
// annotations, filtered by artifactType on request; their push answers
// OCI-Subject; a deleted one leaves the list; the list survives a restart;
// and it takes the same token as a pull.
func TestReferrers(t *testing.T) {
	o := newRegistryOwner(t)
	img, err := random.Image(256, 1)
	must(t, err)
	must(t, remote.Write(ref(t, o.in.Registry, "alice/app", "1"), img, o.auth()))
	subject := descriptorOf(t, img)
	token := issueRaw(t, o.in, "alice", o.pat, "repository:alice/app:pull,push,delete")

	sbom := attachSBOM(t, o.in.Registry, "alice/app", subject, o.auth())
	resp, sig := putSignature(t, o.in.Registry, "alice/app", subject, token, o.auth())
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("OCI-Subject") != subject.Digest.String() {
		t.Errorf("pushing a manifest with a subject: %d, OCI-Subject %q; want 201 naming %s", resp.StatusCode, resp.Header.Get("OCI-Subject"), subject.Digest)
	}

	dref, err := name.NewDigest(o.in.Registry+"/alice/app@"+subject.Digest.String(), name.Insecure)
	must(t, err)
	idx, err := remote.Referrers(dref, o.auth(), remote.WithReferrersTagFallback(false))
	if err != nil {
		t.Fatalf("listing referrers with go-containerregistry, tag fallback off: %v", err)
	}
	listed, err := idx.IndexManifest()
	must(t, err)
	want := map[string]string{sbom: sbomType + " spdx", sig: signatureType + " alice"}
	got := map[string]string{}
	for _, m := range listed.Manifests {
		got[m.Digest.String()] = m.ArtifactType + " " + m.Annotations["org.example.format"] + m.Annotations["org.example.signer"]
	}
	if len(got) != 2 || got[sbom] != want[sbom] || got[sig] != want[sig] {
		t.Errorf("referrers = %v; want %v", got, want)
	}

	resp, filtered := referrersOf(t, o.in.Registry, "alice/app", subject.Digest.String(), "?artifactType="+sbomType, token)
	if resp.Header.Get("OCI-Filters-Applied") != "artifactType" || resp.Header.Get("Content-Type") != string(types.OCIImageIndex) ||
		len(filtered.Manifests) != 1 || filtered.Manifests[0].Digest.String() != sbom {
		t.Errorf("filtered by artifactType: %s %q %+v; want just the SBOM, with OCI-Filters-Applied", resp.Header.Get("Content-Type"),
			resp.Header.Get("OCI-Filters-Applied"), filtered.Manifests)
	}
	if resp, _ := referrersOf(t, o.in.Registry, "alice/app", "sha256:nothex", "", token); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a malformed digest: %d, want 400", resp.StatusCode)
	}
	resp, _ = referrersOf(t, o.in.Registry, "alice/app", subject.Digest.String(), "", "")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `scope="repository:alice/app:pull"`) {
		t.Errorf("without a token: %d %q; want 401 with the registry's pull challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	if resp := bearerDo(t, "DELETE", "http://"+o.in.Registry+"/v2/alice/app/manifests/"+sbom, token); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("deleting the SBOM: %d", resp.StatusCode)
	}
	o.in.stop()
	o.in = start(t, o.in.cfg)
	token = issueRaw(t, o.in, "alice", o.pat, "repository:alice/app:pull")
	_, after := referrersOf(t, o.in.Registry, "alice/app", subject.Digest.String(), "", token)
	if len(after.Manifests) != 1 || after.Manifests[0].Digest.String() != sig {
		t.Errorf("after deleting the SBOM and a restart, referrers = %+v; want just the signature %s", after.Manifests, sig)
	}
}

// TestReferrersEntitlement: a license sees the referrers of what it
// covers. With a license for 2.x, the SBOM of 2.0.0 is listed and pulled
// (manifest and layer) and that of 3.0.0 is refused like 3.0.0 itself;
// reading an SBOM is not a pull, so a quota of two pulls a day lets it be
// read three times.
func TestReferrersEntitlement(t *testing.T) {
	w := newEntitlementWorld(t)
	buyer := w.user(t, "lena")
	lts := w.grant(t, buyer.ID, "lts2", time.Time{})
	metered := w.grant(t, buyer.ID, "quota", time.Time{})
	covered, outside := descriptorOf(t, w.images["2.0.0"]), descriptorOf(t, w.images["3.0.0"])
	sbom := attachSBOM(t, w.in.Registry, entRepo, covered, w.publisher(t))
	other := attachSBOM(t, w.in.Registry, entRepo, outside, w.publisher(t))

	token := w.tokenFor(t, "lena", lts.Key, "repository:"+entRepo+":pull")
	resp, list := referrersOf(t, w.in.Registry, entRepo, covered.Digest.String(), "", token)
	if resp.StatusCode != http.StatusOK || len(list.Manifests) != 1 || list.Manifests[0].Digest.String() != sbom {
		t.Errorf("referrers of the covered 2.0.0: %d %+v; want the SBOM %s", resp.StatusCode, list.Manifests, sbom)
	}
	if status, _, msg := w.registryGet(t, token, "/manifests/"+sbom); status != http.StatusOK {
		t.Errorf("pulling the SBOM of 2.0.0: %d %s", status, msg)
	}
	sbomImg, err := remote.Image(w.ref(t, "2.0.0").Context().Digest(sbom), w.publisher(t))
	must(t, err)
	if status, _, msg := w.registryGet(t, token, "/blobs/"+layerDigest(t, sbomImg)); status != http.StatusOK {
		t.Errorf("pulling the SBOM's layer: %d %s", status, msg)
	}
	if resp, _ := referrersOf(t, w.in.Registry, entRepo, outside.Digest.String(), "", token); resp.StatusCode != http.StatusForbidden {
		t.Errorf("referrers of 3.0.0, outside the license: %d, want 403", resp.StatusCode)
	}
	if status, code, _ := w.registryGet(t, token, "/manifests/"+other); status != http.StatusForbidden || code != "DENIED" {
		t.Errorf("pulling the SBOM of 3.0.0: %d %s, want 403 DENIED", status, code)
	}

	quota := w.tokenFor(t, "lena", metered.Key, "repository:"+entRepo+":pull")
	for i := range 3 {
		if status, _, msg := w.registryGet(t, quota, "/manifests/"+sbom); status != http.StatusOK {
			t.Fatalf("reading the SBOM a %d. time with a quota of 2 pulls: %d %s", i+1, status, msg)
		}
	}
}
