package signing

import (
	"context"
	"crypto"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// referrerManifest is the wire shape of an OCI 1.1 referrer, spelled out
// here rather than taken from go-containerregistry.
type referrerManifest struct {
	SchemaVersion int    `json:"schemaVersion"`
	MediaType     string `json:"mediaType"`
	ArtifactType  string `json:"artifactType"`
	Config        struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int64  `json:"size"`
	} `json:"config"`
	Layers []struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Annotations map[string]string `json:"annotations"`
	} `json:"layers"`
	Subject struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int64  `json:"size"`
	} `json:"subject"`
	Annotations map[string]string `json:"annotations"`
}

// TestReferrerLayout pins the OCI 1.1 signature referrer byte for byte
// where it matters against what cosign v2.6 writes in
// --registry-referrers-mode=oci-1-1 (pkg/oci/remote
// WriteSignaturesExperimentalOCI), independently of the package's
// constants: the type cosign verify --experimental-oci11 filters by, the
// subject, the signature layer and its config.
func TestReferrerLayout(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t)
	digest := pushImage(t, repo)
	subject, err := remote.Head(repo.Digest(digest))
	if err != nil {
		t.Fatal(err)
	}
	signer := newECDSA(t)
	if err := Attach(ctx, repo, digest, repo.Name(), signer); err != nil {
		t.Fatalf("Attach: %v", err)
	}

	idx, err := remote.Referrers(repo.Digest(digest), remote.WithFilter("artifactType", "application/vnd.dev.cosign.artifact.sig.v1+json"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Manifests) != 1 {
		t.Fatalf("got %d signature referrers, want 1", len(list.Manifests))
	}
	desc, err := remote.Get(repo.Digest(list.Manifests[0].Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	var m referrerManifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	const sigType = "application/vnd.dev.cosign.artifact.sig.v1+json"
	if m.SchemaVersion != 2 || m.MediaType != "application/vnd.oci.image.manifest.v1+json" ||
		m.ArtifactType != sigType || m.Config.MediaType != sigType {
		t.Errorf("manifest header = %d %s artifactType %s config %s; want cosign's OCI 1.1 signature", m.SchemaVersion,
			m.MediaType, m.ArtifactType, m.Config.MediaType)
	}
	if m.Subject.Digest != digest || m.Subject.MediaType != string(subject.MediaType) || m.Subject.Size != subject.Size {
		t.Errorf("subject = %+v; want %s %s %d", m.Subject, subject.MediaType, digest, subject.Size)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != "application/vnd.dev.cosign.simplesigning.v1+json" {
		t.Fatalf("layers = %+v; want one simple-signing layer", m.Layers)
	}
	layer := m.Layers[0]
	if len(layer.Annotations) != 1 || layer.Annotations["dev.cosignproject.cosign/signature"] == "" {
		t.Errorf("layer annotations = %v; want only dev.cosignproject.cosign/signature", layer.Annotations)
	}
	payload := fetchBlob(t, repo, layer.Digest)
	if string(payload) != string(Payload(repo.Name(), digest)) {
		t.Errorf("payload = %s", payload)
	}
	// cosign keeps its legacy .sig image's config, typed as the artifact.
	var config struct {
		RootFS struct {
			Type    string   `json:"type"`
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(fetchBlob(t, repo, m.Config.Digest), &config); err != nil ||
		config.RootFS.Type != "layers" || !slices.Equal(config.RootFS.DiffIDs, []string{layer.Digest}) {
		t.Errorf("config = %+v, %v; want the legacy signature image's config naming the payload", config, err)
	}
	sigs, err := referrerSignatures(ctx, repo, digest, nil)
	if err != nil || len(sigs) != 1 {
		t.Fatalf("referrerSignatures = %d, %v", len(sigs), err)
	}
	if k, err := VerifyImage(sigs, digest, nil, []crypto.PublicKey{signer.Public()}); err != nil || k != 0 {
		t.Errorf("VerifyImage(referrer signature) = %d, %v", k, err)
	}

	// The .sig tag is written too, and no tag is left by the referrer.
	tags, err := remote.List(repo)
	if err != nil {
		t.Fatal(err)
	}
	sigTag, _ := SignatureTag(digest)
	if diff := cmp.Diff([]string{sigTag, "v1"}, tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
}

// TestSignaturesReadsReferrersAlone checks that a signature attached only
// as a referrer, as cosign's OCI 1.1 mode leaves it, is read.
func TestSignaturesReadsReferrersAlone(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t)
	digest := pushImage(t, repo)
	signer := newEd25519(t)
	payload := Payload(repo.Name(), digest)
	if err := attachReferrer(ctx, repo, digest, payload, signer, true, nil); err != nil {
		t.Fatal(err)
	}
	if err := attachReferrer(ctx, repo, digest, payload, signer, true, nil); err != nil {
		t.Fatal(err)
	}
	sigs, err := Signatures(ctx, repo, digest)
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 1 {
		t.Fatalf("got %d signatures, want 1 (attaching twice with one key adds one)", len(sigs))
	}
	if k, err := VerifyImage(sigs, digest, nil, []crypto.PublicKey{signer.Public()}); err != nil || k != 0 {
		t.Errorf("VerifyImage = %d, %v", k, err)
	}
}

// TestWriteReferrerArtifact attaches a generic artifact (an SBOM, say)
// with the empty config and sees it listed with its type and annotations.
func TestWriteReferrerArtifact(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t)
	digest := pushImage(t, repo)
	const sbomType = "application/spdx+json"
	got, err := WriteReferrer(ctx, repo, digest, Artifact{ArtifactType: sbomType,
		Layers:      []Blob{{MediaType: sbomType, Data: []byte(`{"spdxVersion":"SPDX-2.3"}`)}},
		Annotations: map[string]string{"org.opencontainers.image.created": "2026-12-03T00:00:00Z"}})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Referrers(repo.Digest(digest))
	if err != nil {
		t.Fatal(err)
	}
	list, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	// (go-containerregistry's test registry lists a referrer's config media
	// type as its artifactType; Berth's lists the manifest's, see e2e.)
	if len(list.Manifests) != 1 || list.Manifests[0].Digest.String() != got ||
		list.Manifests[0].Annotations["org.opencontainers.image.created"] == "" {
		t.Fatalf("referrers = %+v; want the SBOM %s", list.Manifests, got)
	}
	desc, err := remote.Get(repo.Digest(got))
	if err != nil {
		t.Fatal(err)
	}
	var m referrerManifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	if m.ArtifactType != sbomType || m.Subject.Digest != digest || len(m.Layers) != 1 || m.Layers[0].MediaType != sbomType {
		t.Errorf("manifest = %+v; want an %s artifact of %s", m, sbomType, digest)
	}
	if m.Config.MediaType != "application/vnd.oci.empty.v1+json" || m.Config.Size != 2 ||
		m.Config.Digest != "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a" {
		t.Errorf("config = %+v; want the OCI empty descriptor", m.Config)
	}
	if sigs, err := Signatures(ctx, repo, digest); err != nil || len(sigs) != 0 {
		t.Errorf("Signatures = %d, %v; an SBOM is not a signature", len(sigs), err)
	}
}
