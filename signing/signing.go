// Package signing writes and checks cosign-compatible key-pair image
// signatures ("cosign sign --key" / "cosign verify --key") without the
// sigstore libraries.
//
// A signature over image digest D in repository R is a simple-signing
// payload naming R and D, signed with an ECDSA P-256 or Ed25519 key and
// stored in R under the tag "sha256-<hex>.sig": an OCI image manifest with
// one layer per signature, the layer blob being the payload and the layer
// annotation "dev.cosignproject.cosign/signature" its base64 signature.
//
// The same signature image can instead be attached as an OCI 1.1
// referrer of D (cosign's "--registry-referrers-mode=oci-1-1"): pushed by
// digest, with D as its subject and the artifact type
// "application/vnd.dev.cosign.artifact.sig.v1+json". Attach writes both;
// Signatures reads both.
//
// Signatures written here carry no Rekor transparency-log entry, so cosign 2
// and later verify them only with
// "cosign verify --key cosign.pub --insecure-ignore-tlog=true R@D", adding
// "--experimental-oci11" to read the referrer (cosign 3 writes OCI
// referrer bundles by default but still reads these .sig tags when
// verifying).
package signing

import (
	"encoding/json"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Names of cosign's legacy signature layout. Real cosign clients look for
// exactly these strings.
const (
	layerMediaType      = "application/vnd.dev.cosign.simplesigning.v1+json"
	signatureAnnotation = "dev.cosignproject.cosign/signature"
	payloadType         = "cosign container image signature"
	tagSuffix           = "sig"
)

// Signature is one signature read from an image's .sig manifest.
type Signature struct {
	// Payload is the signed simple-signing JSON, byte for byte.
	Payload []byte
	// Signature is the raw signature over Payload (decoded from base64).
	Signature []byte
	// Reference and Digest are the docker-reference and
	// docker-manifest-digest named by Payload, for display. They are empty
	// when Payload does not parse; VerifyImage re-reads Payload and never
	// trusts these fields.
	Reference, Digest string
}

// simpleSigning is cosign's payload. Field order and names are the wire
// format: cosign marshals the same shape with encoding/json.
type simpleSigning struct {
	Critical critical       `json:"critical"`
	Optional map[string]any `json:"optional"`
}

type critical struct {
	Identity identity `json:"identity"`
	Image    image    `json:"image"`
	Type     string   `json:"type"`
}

type identity struct {
	DockerReference string `json:"docker-reference"`
}

type image struct {
	DockerManifestDigest string `json:"docker-manifest-digest"`
}

// Payload returns the simple-signing payload that cosign signs for digest
// in the repository dockerReference. Cosign uses the repository name
// without tag or digest (name.Repository.Name(), e.g.
// "localhost:5000/acme/db" or "index.docker.io/library/alpine").
func Payload(dockerReference, digest string) []byte {
	p := simpleSigning{Critical: critical{
		Identity: identity{DockerReference: dockerReference},
		Image:    image{DockerManifestDigest: digest},
		Type:     payloadType,
	}}
	b, err := json.Marshal(p)
	if err != nil {
		// Strings and a nil map always marshal.
		panic(fmt.Sprintf("signing: marshalling payload: %v", err))
	}
	return b
}

// parsePayload returns the reference and digest a payload names, or an
// error when it is not a cosign container image signature payload.
func parsePayload(b []byte) (reference, digest string, err error) {
	var p simpleSigning
	if err := json.Unmarshal(b, &p); err != nil {
		return "", "", fmt.Errorf("parsing simple-signing payload: %w", err)
	}
	if p.Critical.Type != payloadType {
		return "", "", fmt.Errorf("payload type is %q, want %q", p.Critical.Type, payloadType)
	}
	if p.Critical.Image.DockerManifestDigest == "" {
		return "", "", fmt.Errorf("payload names no docker-manifest-digest")
	}
	return p.Critical.Identity.DockerReference, p.Critical.Image.DockerManifestDigest, nil
}

// SignatureTag returns the tag under which cosign stores the signatures of
// digest: "sha256:abc…" becomes "sha256-abc….sig".
func SignatureTag(digest string) (string, error) {
	h, err := v1.NewHash(digest)
	if err != nil {
		return "", fmt.Errorf("signature tag for %q: %w", digest, err)
	}
	return fmt.Sprintf("%s-%s.%s", h.Algorithm, h.Hex, tagSuffix), nil
}

// IsArtifactTag reports whether tag is one cosign stores beside an image
// (a signature, attestation or SBOM: "sha256-<hex>.sig", ".att", ".sbom"),
// not a version of the image: tag lists and the catalog leave them out.
func IsArtifactTag(tag string) bool {
	return strings.HasPrefix(tag, "sha256-") &&
		(strings.HasSuffix(tag, ".sig") || strings.HasSuffix(tag, ".att") || strings.HasSuffix(tag, ".sbom"))
}
