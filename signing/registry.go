package signing

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxPayloadSize bounds a signature layer read from a registry. Cosign
// payloads are a few hundred bytes; the bound keeps a hostile .sig
// manifest from making a reader download a large blob.
const maxPayloadSize = 1 << 20

// Attach signs the payload naming digest and dockerReference (see Payload)
// with signer and attaches the signature to digest in repo both ways
// cosign does: as a layer of the .sig manifest of digest, which every
// cosign version reads, and as a cosign OCI 1.1 signature referrer, which
// "cosign verify --experimental-oci11" and "oras discover" find through
// the referrers API. An existing .sig manifest keeps its layers, such as a
// signature by another key.
//
// Attach is idempotent per key: where a signature by signer's key over the
// same payload is already there, it writes nothing. Like cosign it reads,
// appends and writes, so two concurrent Attach calls for one digest can
// lose a signature or write two referrers.
func Attach(ctx context.Context, repo name.Repository, digest, dockerReference string, signer crypto.Signer, opts ...remote.Option) error {
	opts, err := reusing(withContext(ctx, opts))
	if err != nil {
		return fmt.Errorf("attaching signature: %w", err)
	}
	payload := Payload(dockerReference, digest)
	wrote, err := attachTag(ctx, repo, digest, payload, signer, opts)
	if err != nil {
		return err
	}
	// The referrer is written after the tag, so when the tag had no such
	// signature there is no such referrer to look for either (short of a
	// deleted .sig tag, which costs at worst a second valid referrer).
	// Listing referrers costs Berth's registry a walk of the repository's
	// tags, which seeding a catalog would pay once per image.
	if err := attachReferrer(ctx, repo, digest, payload, signer, !wrote, opts); err != nil {
		return fmt.Errorf("attaching signature referrer: %w", err)
	}
	return nil
}

// attachTag appends a signature by signer over payload to the .sig
// manifest of digest in repo, creating that manifest if there is none,
// unless a signature by signer's key over payload is already there. It
// reports whether it wrote one.
func attachTag(ctx context.Context, repo name.Repository, digest string, payload []byte, signer crypto.Signer, opts []remote.Option) (bool, error) {
	tag, err := signatureTag(repo, digest)
	if err != nil {
		return false, fmt.Errorf("attaching signature: %w", err)
	}
	opts = withContext(ctx, opts)
	base, err := fetch(tag, opts)
	if err != nil {
		return false, fmt.Errorf("attaching signature to %s: %w", tag, err)
	}
	if base == nil {
		base = emptySignatures()
	}
	if signedBy(base, payload, signer.Public()) {
		return false, nil
	}
	sig, err := Sign(signer, payload)
	if err != nil {
		return false, fmt.Errorf("attaching signature to %s: %w", tag, err)
	}
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:       static.NewLayer(payload, layerMediaType),
		Annotations: map[string]string{signatureAnnotation: base64.StdEncoding.EncodeToString(sig)},
	})
	if err != nil {
		return false, fmt.Errorf("attaching signature to %s: %w", tag, err)
	}
	if err := remote.Write(tag, img, opts...); err != nil {
		return false, fmt.Errorf("attaching signature to %s: %w", tag, err)
	}
	return true, nil
}

// Signatures reads the signatures of digest in repo however cosign
// attached them: from its .sig manifest first, then from its cosign
// signature referrers (see referrerSignatures for the bound). An image
// never signed has none: an empty slice and no error. Layers of other
// media types are skipped, as they are not key-pair signatures.
func Signatures(ctx context.Context, repo name.Repository, digest string, opts ...remote.Option) ([]Signature, error) {
	sigs, err := tagSignatures(ctx, repo, digest, opts)
	if err != nil {
		return nil, err
	}
	more, err := referrerSignatures(ctx, repo, digest, opts)
	if err != nil {
		return nil, fmt.Errorf("reading signatures: %w", err)
	}
	return append(sigs, more...), nil
}

// tagSignatures reads the signatures in the .sig manifest of digest.
func tagSignatures(ctx context.Context, repo name.Repository, digest string, opts []remote.Option) ([]Signature, error) {
	tag, err := signatureTag(repo, digest)
	if err != nil {
		return nil, fmt.Errorf("reading signatures: %w", err)
	}
	img, err := fetch(tag, withContext(ctx, opts))
	if err != nil {
		return nil, fmt.Errorf("reading signatures from %s: %w", tag, err)
	}
	if img == nil {
		return []Signature{}, nil
	}
	sigs, err := imageSignatures(img)
	if err != nil {
		return nil, fmt.Errorf("reading signatures from %s: %w", tag, err)
	}
	return sigs, nil
}

// imageSignatures reads the signature layers of a cosign signature image.
func imageSignatures(img v1.Image) ([]Signature, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	sigs := []Signature{}
	for i, desc := range m.Layers {
		if desc.MediaType != layerMediaType {
			continue
		}
		s, err := readSignature(img, desc)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		sigs = append(sigs, s)
	}
	return sigs, nil
}

// signatureTag is the .sig tag of digest in repo.
func signatureTag(repo name.Repository, digest string) (name.Tag, error) {
	t, err := SignatureTag(digest)
	if err != nil {
		return name.Tag{}, err
	}
	return repo.Tag(t), nil
}

// withContext adds ctx to opts without touching the caller's slice; it
// comes last so that it wins over a context in opts.
func withContext(ctx context.Context, opts []remote.Option) []remote.Option {
	return append(opts[:len(opts):len(opts)], remote.WithContext(ctx))
}

// fetch returns the image tagged tag, or nil when the tag (or the whole
// repository) does not exist.
func fetch(tag name.Tag, opts []remote.Option) (v1.Image, error) {
	img, err := remote.Image(tag, opts...)
	var terr *transport.Error
	if errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return img, nil
}

// emptySignatures is the base of a new .sig manifest, with cosign's OCI
// media types (go-containerregistry defaults to Docker ones).
func emptySignatures() v1.Image {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON)
}

// signedBy reports whether img already holds a signature over payload that
// pub verifies. Unreadable layers count as not signed: they are kept, and
// the new signature is appended after them.
func signedBy(img v1.Image, payload []byte, pub crypto.PublicKey) bool {
	m, err := img.Manifest()
	if err != nil {
		return false
	}
	for _, desc := range m.Layers {
		if desc.MediaType != layerMediaType {
			continue
		}
		s, err := readSignature(img, desc)
		if err == nil && bytes.Equal(s.Payload, payload) && Verify(pub, s.Payload, s.Signature) == nil {
			return true
		}
	}
	return false
}

// readSignature reads the signature layer desc of img.
func readSignature(img v1.Image, desc v1.Descriptor) (Signature, error) {
	b64, ok := desc.Annotations[signatureAnnotation]
	if !ok {
		return Signature{}, fmt.Errorf("no %s annotation", signatureAnnotation)
	}
	sig, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return Signature{}, fmt.Errorf("decoding %s annotation: %w", signatureAnnotation, err)
	}
	if desc.Size > maxPayloadSize {
		return Signature{}, fmt.Errorf("payload of %d bytes exceeds %d", desc.Size, maxPayloadSize)
	}
	payload, err := readPayload(img, desc.Digest)
	if err != nil {
		return Signature{}, err
	}
	s := Signature{Payload: payload, Signature: sig}
	s.Reference, s.Digest, _ = parsePayload(payload)
	return s, nil
}

// readPayload reads a payload blob, reading to EOF so that the registry
// client checks its digest.
func readPayload(img v1.Image, digest v1.Hash) ([]byte, error) {
	layer, err := img.LayerByDigest(digest)
	if err != nil {
		return nil, fmt.Errorf("payload %s: %w", digest, err)
	}
	rc, err := layer.Compressed()
	if err != nil {
		return nil, fmt.Errorf("payload %s: %w", digest, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxPayloadSize+1))
	if err != nil {
		return nil, fmt.Errorf("payload %s: %w", digest, err)
	}
	if len(b) > maxPayloadSize {
		return nil, fmt.Errorf("payload %s exceeds %d bytes", digest, maxPayloadSize)
	}
	return b, nil
}
