package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
)

// newRepo starts an in-memory registry and returns a repository in it.
func newRepo(t *testing.T) name.Repository {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true)))
	t.Cleanup(srv.Close)
	repo, err := name.NewRepository(strings.TrimPrefix(srv.URL, "http://")+"/acme/db", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// pushImage pushes a random image to repo and returns its digest.
func pushImage(t *testing.T, repo name.Repository) string {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(repo.Tag("v1"), img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func TestAttachTwoKeys(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t)
	digest := pushImage(t, repo)
	publisher, berth := newECDSA(t), newEd25519(t)

	for _, signer := range []crypto.Signer{publisher, berth, publisher} {
		if err := Attach(ctx, repo, digest, repo.Name(), signer); err != nil {
			t.Fatalf("Attach: %v", err)
		}
	}

	sigs, err := Signatures(ctx, repo, digest)
	if err != nil {
		t.Fatalf("Signatures: %v", err)
	}
	// One per key in the .sig manifest, in order, then one per key as
	// referrers; re-signing with a key adds none.
	if len(sigs) != 4 {
		t.Fatalf("got %d signatures, want 4 (one per key, each attached both ways)", len(sigs))
	}
	fromReferrers := []int{0, 1}
	if Verify(berth.Public(), sigs[2].Payload, sigs[2].Signature) == nil {
		fromReferrers = []int{1, 0}
	}
	for i, want := range append([]int{0, 1}, fromReferrers...) { // index into the keys below
		signer := []crypto.Signer{publisher, berth}[want]
		if sigs[i].Reference != repo.Name() || sigs[i].Digest != digest {
			t.Errorf("signature %d names %s@%s, want %s@%s", i, sigs[i].Reference, sigs[i].Digest, repo.Name(), digest)
		}
		if err := Verify(signer.Public(), sigs[i].Payload, sigs[i].Signature); err != nil {
			t.Errorf("signature %d: %v", i, err)
		}
		k, err := VerifyImage(sigs[i:i+1], digest, nil, []crypto.PublicKey{publisher.Public(), berth.Public()})
		if err != nil || k != want {
			t.Errorf("VerifyImage(signature %d) = %d, %v; want key %d", i, k, err, want)
		}
	}
	idx, err := remote.Referrers(repo.Digest(digest))
	if err != nil {
		t.Fatal(err)
	}
	if list, err := idx.IndexManifest(); err != nil || len(list.Manifests) != 2 {
		t.Errorf("referrers = %v, %v; want one per key", list, err)
	}

	tag, _ := SignatureTag(digest)
	img, err := remote.Image(repo.Tag(tag))
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 2 {
		t.Errorf("the .sig manifest has %d layers, want 2", len(m.Layers))
	}
}

func TestSignaturesUnsigned(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t)
	digest := pushImage(t, repo)

	for _, r := range []name.Repository{repo, repo.Registry.Repo("never/pushed")} {
		sigs, err := Signatures(ctx, r, digest)
		if err != nil || sigs == nil || len(sigs) != 0 {
			t.Errorf("Signatures(%s) = %v, %v; want an empty slice and no error", r, sigs, err)
		}
		if _, err := VerifyImage(sigs, digest, nil, nil); err == nil || !strings.HasPrefix(err.Error(), "unsigned") {
			t.Errorf("VerifyImage of an unsigned image = %v, want unsigned", err)
		}
	}
}

// TestAttachKeepsForeignLayers checks that a .sig manifest written by
// cosign itself (here: a keyless layer with a Rekor bundle annotation)
// keeps its layers and their annotations when Berth counter-signs.
func TestAttachKeepsForeignLayers(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t)
	digest := pushImage(t, repo)
	tag, _ := SignatureTag(digest)
	foreign := map[string]string{
		signatureAnnotation:          "MEUCIQ==",
		"dev.sigstore.cosign/bundle": `{"SignedEntryTimestamp":"x"}`,
	}
	img, err := mutate.Append(emptySignatures(), mutate.Addendum{
		Layer:       static.NewLayer(Payload(repo.Name(), digest), layerMediaType),
		Annotations: foreign,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(repo.Tag(tag), img); err != nil {
		t.Fatal(err)
	}

	signer := newECDSA(t)
	if err := Attach(ctx, repo, digest, repo.Name(), signer); err != nil {
		t.Fatalf("Attach: %v", err)
	}
	got, err := remote.Image(repo.Tag(tag))
	if err != nil {
		t.Fatal(err)
	}
	m, err := got.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 2 {
		t.Fatalf("got %d layers, want the foreign one and Berth's", len(m.Layers))
	}
	if diff := cmp.Diff(foreign, m.Layers[0].Annotations); diff != "" {
		t.Errorf("foreign layer annotations changed (-want +got):\n%s", diff)
	}
	sigs, err := Signatures(ctx, repo, digest)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := VerifyImage(sigs, digest, nil, []crypto.PublicKey{signer.Public()}); err != nil || k != 0 {
		t.Errorf("VerifyImage = %d, %v; want Berth's signature to verify", k, err)
	}
}

func TestSignaturesRejectsLayerWithoutSignature(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t)
	digest := pushImage(t, repo)
	tag, _ := SignatureTag(digest)
	img, err := mutate.Append(emptySignatures(), mutate.Addendum{
		Layer: static.NewLayer(Payload(repo.Name(), digest), layerMediaType),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(repo.Tag(tag), img); err != nil {
		t.Fatal(err)
	}
	if _, err := Signatures(ctx, repo, digest); err == nil || !strings.Contains(err.Error(), signatureAnnotation) {
		t.Errorf("Signatures = %v, want an error naming the missing annotation", err)
	}
}

// TestCosignLayout pins the wire format byte for byte against cosign's
// legacy key-pair layout, independently of the package's constants, so that
// "cosign verify --key" accepts what Berth writes.
func TestCosignLayout(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t)
	digest := pushImage(t, repo)
	signer := newECDSA(t)
	if err := Attach(ctx, repo, digest, repo.Name(), signer); err != nil {
		t.Fatalf("Attach: %v", err)
	}

	tag := repo.Tag("sha256-" + strings.TrimPrefix(digest, "sha256:") + ".sig")
	desc, err := remote.Get(tag)
	if err != nil {
		t.Fatalf("fetching %s: %v", tag, err)
	}
	var m struct {
		SchemaVersion int    `json:"schemaVersion"`
		MediaType     string `json:"mediaType"`
		Config        struct {
			MediaType string `json:"mediaType"`
			Digest    string `json:"digest"`
		} `json:"config"`
		Layers []struct {
			MediaType   string            `json:"mediaType"`
			Digest      string            `json:"digest"`
			Size        int               `json:"size"`
			Annotations map[string]string `json:"annotations"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	if m.SchemaVersion != 2 || m.MediaType != "application/vnd.oci.image.manifest.v1+json" ||
		m.Config.MediaType != "application/vnd.oci.image.config.v1+json" {
		t.Errorf("manifest header = %d %s config %s, want an OCI image manifest with an OCI config",
			m.SchemaVersion, m.MediaType, m.Config.MediaType)
	}
	if len(m.Layers) != 1 {
		t.Fatalf("got %d layers, want 1", len(m.Layers))
	}
	layer := m.Layers[0]
	if layer.MediaType != "application/vnd.dev.cosign.simplesigning.v1+json" {
		t.Errorf("layer media type = %s", layer.MediaType)
	}
	if len(layer.Annotations) != 1 || layer.Annotations["dev.cosignproject.cosign/signature"] == "" {
		t.Errorf("layer annotations = %v, want only dev.cosignproject.cosign/signature", layer.Annotations)
	}

	payload := fetchBlob(t, repo, layer.Digest)
	wantPayload := `{"critical":{"identity":{"docker-reference":"` + repo.Name() + `"},` +
		`"image":{"docker-manifest-digest":"` + digest + `"},` +
		`"type":"cosign container image signature"},"optional":null}`
	if string(payload) != wantPayload {
		t.Errorf("payload =\n%s\nwant\n%s", payload, wantPayload)
	}
	sig, err := base64.StdEncoding.DecodeString(layer.Annotations["dev.cosignproject.cosign/signature"])
	if err != nil {
		t.Fatalf("signature annotation is not standard base64: %v", err)
	}
	sum := sha256.Sum256(payload)
	if !ecdsa.VerifyASN1(signer.Public().(*ecdsa.PublicKey), sum[:], sig) {
		t.Error("annotation is not an ASN.1 ECDSA signature of SHA-256(payload)")
	}

	payloadSum := sha256.Sum256(payload)
	diffID := "sha256:" + hex.EncodeToString(payloadSum[:])
	wantConfig := `{"architecture":"","created":"0001-01-01T00:00:00Z",` +
		`"history":[{"created":"0001-01-01T00:00:00Z"}],"os":"",` +
		`"rootfs":{"type":"layers","diff_ids":["` + diffID + `"]},"config":{}}`
	if got := string(fetchBlob(t, repo, m.Config.Digest)); got != wantConfig {
		t.Errorf("config =\n%s\nwant\n%s", got, wantConfig)
	}
}

// fetchBlob reads a blob by digest with the registry client.
func fetchBlob(t *testing.T, repo name.Repository, digest string) []byte {
	t.Helper()
	layer, err := remote.Layer(repo.Digest(digest))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layer.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAttachTwiceAtOnce is two workers counter-signing one image at the
// same moment, each before it could see the other's signature (a job whose
// lease lapsed mid-run and the worker that took it over): the image ends
// with one signature in its .sig manifest and one referrer, not two.
func TestAttachTwiceAtOnce(t *testing.T) {
	ctx := context.Background()
	for name, signer := range map[string]crypto.Signer{"ecdsa": newECDSA(t), "ed25519": newEd25519(t)} {
		t.Run(name, func(t *testing.T) {
			repo := newRepo(t)
			digest := pushImage(t, repo)
			opts := []remote.Option{remote.WithContext(ctx)}
			payload := Payload(repo.Name(), digest)
			for range 2 { // neither run checks first: both write, as racing runs do
				if err := attachReferrer(ctx, repo, digest, payload, signer, false, opts); err != nil {
					t.Fatal(err)
				}
			}
			idx, err := remote.Referrers(repo.Digest(digest))
			if err != nil {
				t.Fatal(err)
			}
			list, err := idx.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			if len(list.Manifests) != 1 {
				t.Errorf("%d signature referrers after two runs, want 1", len(list.Manifests))
			}
		})
	}
}
