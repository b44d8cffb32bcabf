package signing

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// SignatureArtifactType is the artifactType of cosign's OCI 1.1 signature
// referrers ("cosign sign --registry-referrers-mode=oci-1-1"); "cosign
// verify --experimental-oci11" asks the referrers API for exactly this
// type.
const SignatureArtifactType = "application/vnd.dev.cosign.artifact.sig.v1+json"

// emptyMediaType is the media type of the OCI empty descriptor, the config
// of an artifact that has none.
const emptyMediaType = "application/vnd.oci.empty.v1+json"

// maxSignatureReferrers bounds how many signature referrers of one digest
// are read, newest first: each costs two registry round trips, and a
// publisher could attach any number to a staging image.
const maxSignatureReferrers = 16

// Blob is one blob of an Artifact: its content, media type and, for a
// layer, the annotations on its descriptor.
type Blob struct {
	MediaType   string
	Data        []byte
	Annotations map[string]string
}

// Artifact is a manifest attached to an image as an OCI 1.1 referrer: a
// signature here; an SBOM or attestation tomorrow.
type Artifact struct {
	// ArtifactType is the manifest's artifactType, what the referrers API
	// lists and filters by.
	ArtifactType string
	// Config is the config blob; a zero Config is the OCI empty
	// descriptor ("{}", application/vnd.oci.empty.v1+json).
	Config Blob
	// Layers are the artifact's content, in order.
	Layers []Blob
	// Annotations go on the manifest, and so on its entry in referrers lists.
	Annotations map[string]string
}

// WriteReferrer pushes a as an OCI image manifest whose subject is digest
// in repo, with its blobs, and returns the manifest's digest. It is pushed
// by digest, not tagged: clients find it through the referrers API (or, on
// a registry without one, the referrers tag schema go-containerregistry
// falls back to). digest must exist in repo.
func WriteReferrer(ctx context.Context, repo name.Repository, digest string, a Artifact, opts ...remote.Option) (string, error) {
	opts, err := reusing(withContext(ctx, opts))
	if err != nil {
		return "", fmt.Errorf("attaching %s to %s@%s: %w", a.ArtifactType, repo, digest, err)
	}
	return writeReferrer(repo, digest, a, opts)
}

// writeReferrer is WriteReferrer with opts ready.
func writeReferrer(repo name.Repository, digest string, a Artifact, opts []remote.Option) (string, error) {
	subject, err := remote.Head(repo.Digest(digest), opts...)
	if err != nil {
		return "", fmt.Errorf("attaching %s to %s@%s: %w", a.ArtifactType, repo, digest, err)
	}
	config := a.Config
	if config.MediaType == "" {
		config = Blob{MediaType: emptyMediaType, Data: []byte("{}")}
	}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: a.ArtifactType,
		Annotations: a.Annotations, Subject: &v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest}}
	for i, b := range append([]Blob{config}, a.Layers...) {
		desc, err := writeBlob(repo, b, opts)
		if err != nil {
			return "", fmt.Errorf("attaching %s to %s@%s: %w", a.ArtifactType, repo, digest, err)
		}
		if i == 0 {
			m.Config = desc
		} else {
			m.Layers = append(m.Layers, desc)
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("attaching %s to %s@%s: %w", a.ArtifactType, repo, digest, err)
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	if err := remote.Put(repo.Digest(h.String()), rawManifest(raw), opts...); err != nil {
		return "", fmt.Errorf("attaching %s to %s@%s: %w", a.ArtifactType, repo, digest, err)
	}
	return h.String(), nil
}

// writeBlob uploads b to repo (a no-op when it is there) and returns its
// descriptor.
func writeBlob(repo name.Repository, b Blob, opts []remote.Option) (v1.Descriptor, error) {
	layer := static.NewLayer(b.Data, types.MediaType(b.MediaType))
	h, err := layer.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := remote.WriteLayer(repo, layer, opts...); err != nil {
		return v1.Descriptor{}, fmt.Errorf("uploading blob %s: %w", h, err)
	}
	return v1.Descriptor{MediaType: types.MediaType(b.MediaType), Size: int64(len(b.Data)), Digest: h, Annotations: b.Annotations}, nil
}

// rawManifest is a manifest to PUT as it is, with the OCI media type.
type rawManifest []byte

func (r rawManifest) RawManifest() ([]byte, error)        { return r, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// signatureArtifact is what cosign v2 pushes for a key-pair signature in
// its OCI 1.1 mode (WriteSignaturesExperimentalOCI): its legacy .sig image
// with one signature layer, whose config blob keeps its bytes but is typed
// as the artifact type, and whose manifest names the artifact type and the
// signed image as subject.
func signatureArtifact(payload, sig []byte) (Artifact, error) {
	layer := Blob{MediaType: layerMediaType, Data: payload,
		Annotations: map[string]string{signatureAnnotation: base64.StdEncoding.EncodeToString(sig)}}
	img, err := mutate.Append(emptySignatures(), mutate.Addendum{
		Layer: static.NewLayer(payload, layerMediaType), Annotations: layer.Annotations})
	if err != nil {
		return Artifact{}, err
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return Artifact{}, err
	}
	return Artifact{ArtifactType: SignatureArtifactType, Config: Blob{MediaType: SignatureArtifactType, Data: config},
		Layers: []Blob{layer}}, nil
}

// attachReferrer signs payload with signer and attaches the signature to
// digest in repo as a cosign OCI 1.1 signature referrer; with check, not
// when a referrer already holds a signature by signer's key over payload.
func attachReferrer(ctx context.Context, repo name.Repository, digest string, payload []byte, signer crypto.Signer, check bool, opts []remote.Option) error {
	if check {
		existing, err := referrerSignatures(ctx, repo, digest, opts)
		if err != nil {
			return err
		}
		for _, s := range existing {
			if bytes.Equal(s.Payload, payload) && Verify(signer.Public(), s.Payload, s.Signature) == nil {
				return nil
			}
		}
	}
	sig, err := Sign(signer, payload)
	if err != nil {
		return err
	}
	a, err := signatureArtifact(payload, sig)
	if err != nil {
		return err
	}
	_, err = writeReferrer(repo, digest, a, withContext(ctx, opts))
	return err
}

// reusing adds to opts one pusher and one puller that every call made
// with them shares, so that a sequence of calls pings the registry and
// fetches a token once, not once per call.
func reusing(opts []remote.Option) ([]remote.Option, error) {
	pusher, err := remote.NewPusher(opts...)
	if err != nil {
		return nil, err
	}
	puller, err := remote.NewPuller(opts...)
	if err != nil {
		return nil, err
	}
	return append(opts[:len(opts):len(opts)], remote.Reuse(pusher), remote.Reuse(puller)), nil
}

// referrerSignatures reads the signatures of digest in repo from its
// cosign signature referrers, at most maxSignatureReferrers of them, the
// newest (listed last) first.
func referrerSignatures(ctx context.Context, repo name.Repository, digest string, opts []remote.Option) ([]Signature, error) {
	opts = withContext(ctx, opts)
	idx, err := remote.Referrers(repo.Digest(digest), append(opts, remote.WithFilter("artifactType", SignatureArtifactType))...)
	if err != nil {
		return nil, fmt.Errorf("listing the signature referrers of %s@%s: %w", repo, digest, err)
	}
	list, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("listing the signature referrers of %s@%s: %w", repo, digest, err)
	}
	sigs := []Signature{}
	for i, n := len(list.Manifests)-1, 0; i >= 0 && n < maxSignatureReferrers; i-- {
		desc := list.Manifests[i]
		// A registry that ignores the filter lists every referrer.
		if desc.ArtifactType != SignatureArtifactType || !desc.MediaType.IsImage() {
			continue
		}
		n++
		ref := repo.Digest(desc.Digest.String())
		img, err := remote.Image(ref, opts...)
		if err != nil {
			return nil, fmt.Errorf("reading signature referrer %s: %w", ref, err)
		}
		s, err := imageSignatures(img)
		if err != nil {
			return nil, fmt.Errorf("reading signature referrer %s: %w", ref, err)
		}
		sigs = append(sigs, s...)
	}
	return sigs, nil
}
