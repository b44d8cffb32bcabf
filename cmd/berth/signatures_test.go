package main

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/signing"
)

// cosignPub reads Berth's signing key from /.well-known/cosign.pub.
func cosignPub(t *testing.T, web string) crypto.PublicKey {
	t.Helper()
	resp, err := http.Get(web + "/.well-known/cosign.pub")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.ParsePublicKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// countBerthSignatures counts the signatures key verifies over digest in
// repo: the layers of its cosign .sig manifest, and those of its cosign
// signature referrers. It reads the manifests as JSON itself.
func countBerthSignatures(t *testing.T, repo name.Repository, digest string, key crypto.PublicKey, auth remote.Option) (inTag, inReferrers int) {
	t.Helper()
	sigTag, err := signing.SignatureTag(digest)
	if err != nil {
		t.Fatal(err)
	}
	inTag = verifiedLayers(t, repo, repo.Tag(sigTag), key, auth)
	idx, err := remote.Referrers(repo.Digest(digest), auth)
	if err != nil {
		t.Fatal(err)
	}
	list, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list.Manifests {
		if m.ArtifactType == signing.SignatureArtifactType {
			inReferrers += verifiedLayers(t, repo, repo.Digest(m.Digest.String()), key, auth)
		}
	}
	return inTag, inReferrers
}

// verifiedLayers counts the layers of manifest ref whose cosign signature
// annotation key verifies over the layer's bytes.
func verifiedLayers(t *testing.T, repo name.Repository, ref name.Reference, key crypto.PublicKey, auth remote.Option) int {
	t.Helper()
	desc, err := remote.Get(ref, auth)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Layers []struct {
			Digest      string
			Annotations map[string]string
		}
	}
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range m.Layers {
		sig, err := base64.StdEncoding.DecodeString(l.Annotations["dev.cosignproject.cosign/signature"])
		if err != nil || len(sig) == 0 {
			continue
		}
		layer, err := remote.Layer(repo.Digest(l.Digest), auth)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := layer.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		payload, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if signing.Verify(key, payload, sig) == nil {
			n++
		}
	}
	return n
}
