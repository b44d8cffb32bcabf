package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berth/berth/licensing"
	"github.com/berth/berth/server"
	"github.com/berth/berth/signing"
)

// cosignSigType is the artifactType of cosign's OCI 1.1 signatures, spelled
// out here rather than taken from package signing.
const cosignSigType = "application/vnd.dev.cosign.artifact.sig.v1+json"

// realTool returns the path of a registry client that ./scripts/test
// installs (`go install`, pinned there).
func realTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		if p := filepath.Join(strings.TrimSpace(string(out)), "bin", name); fileExists(p) {
			return p
		}
	}
	t.Fatalf("%s is not installed: ./scripts/test installs it", name)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// toolUser is one person running real clients: their own HOME and Docker
// config (where `cosign login` stores the registry credential), both
// temporary.
type toolUser struct {
	home string
	env  []string
}

func newToolUser(t *testing.T, extra ...string) *toolUser {
	home := t.TempDir()
	env := []string{"HOME=" + home, "DOCKER_CONFIG=" + filepath.Join(home, ".docker"), "PATH=" + os.Getenv("PATH"),
		"TMPDIR=" + home}
	return &toolUser{home: home, env: append(env, extra...)}
}

// run runs bin with args in the user's HOME, with stdin, and returns
// stdout and stderr.
func (u *toolUser) run(t *testing.T, stdin, bin string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir, cmd.Env = u.home, u.env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// must runs bin and fails the test if it fails.
func (u *toolUser) must(t *testing.T, stdin, bin string, args ...string) string {
	t.Helper()
	out, errOut, err := u.run(t, stdin, bin, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(bin), strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// discovered lists, with `oras discover`, the referrers of ref with their
// artifact types, as the user.
func (u *toolUser) discovered(t *testing.T, oras, ref string) map[string]string {
	t.Helper()
	out := u.must(t, "", oras, "discover", "--plain-http", "--registry-config", filepath.Join(u.home, ".docker", "config.json"),
		"--format", "json", ref)
	var tree struct {
		Referrers []struct {
			Digest       string `json:"digest"`
			ArtifactType string `json:"artifactType"`
		} `json:"referrers"`
	}
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		t.Fatalf("oras discover output: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, r := range tree.Referrers {
		got[r.Digest] = r.ArtifactType
	}
	return got
}

// TestCosignSignedUploadVerifiedByBuyer is the signed upload with the real
// cosign binary: the publisher generates a key pair, registers cosign.pub,
// pushes to staging with a push token and signs with `cosign sign`, as a
// .sig tag or as an OCI 1.1 referrer; Berth promotes the image, and the
// buyer, logged in with a license key, verifies Berth's counter-signature
// with `cosign verify` both ways and lists it with `oras discover`.
// Uploads unsigned, signed with an unregistered key, or carrying a
// tampered signature are not promoted.
func TestCosignSignedUploadVerifiedByBuyer(t *testing.T) {
	cosign, oras := realTool(t, "cosign"), realTool(t, "oras")
	// cosign signs after the push; on a loaded machine that has taken
	// more than the 3 s the other publishing tests wait, so the upload was
	// rejected as unsigned before its signature arrived. The rejected
	// cases below each wait this long, at once.
	w := newPublisherWorld(t, func(c *server.Config) { c.SignatureWait = 20 * time.Second })
	reg := w.in.Registry

	pub := newToolUser(t, "COSIGN_PASSWORD=publisher-key-password", "COSIGN_EXPERIMENTAL=1")
	pub.must(t, "", cosign, "generate-key-pair")
	pubPEM, err := os.ReadFile(filepath.Join(pub.home, "cosign.pub"))
	must(t, err)
	if status := w.in.call("POST", "/api/v1/publishers/ottosoft/keys", "ottmar", "ottmar-password",
		map[string]any{"name": "cosign key", "public_key": string(pubPEM)}, nil); status != http.StatusCreated {
		t.Fatalf("registering cosign.pub: %d", status)
	}
	pub.must(t, w.token, cosign, "login", reg, "-u", "ottmar", "--password-stdin")

	buyer := newToolUser(t, "COSIGN_EXPERIMENTAL=1")
	buyer.must(t, w.buyerKey, cosign, "login", reg, "-u", "bob", "--password-stdin")
	berthKey := w.in.URL + "/.well-known/cosign.pub" // README: the documented key

	signArgs := func(mode, ref string) []string {
		args := []string{"sign", "--key", "cosign.key", "--tlog-upload=false", "--yes"}
		if mode == "oci-1-1" {
			args = append(args, "--registry-referrers-mode=oci-1-1")
		}
		return append(args, ref)
	}
	promoted := map[string]string{} // mode → digest
	for _, mode := range []string{"legacy", "oci-1-1"} {
		t.Run(mode, func(t *testing.T) {
			tag := "cosign-" + mode
			digest := w.pushStaging(t, tag, builtImage(t, nil, tag, "echo "+mode))
			staged := reg + "/staging/otto/app@" + digest
			pub.must(t, "", cosign, signArgs(mode, staged)...)

			// Where cosign put the signature: a .sig tag, or only a referrer.
			sigTag, _ := signing.SignatureTag(digest)
			tags, err := remote.List(w.repo(t, "staging/otto/app"), w.pushAuth())
			must(t, err)
			refs := pub.discovered(t, oras, staged)
			if hasSig := slices.Contains(tags, sigTag); hasSig != (mode == "legacy") {
				t.Errorf("cosign sign (%s): .sig tag present = %v; tags %v", mode, hasSig, tags)
			}
			if n := countType(refs, cosignSigType); n != map[string]int{"legacy": 0, "oci-1-1": 1}[mode] {
				t.Errorf("cosign sign (%s): %d signature referrers in staging: %v", mode, n, refs)
			}

			if status, reason := w.upload(t, tag); status != "promoted" {
				t.Fatalf("upload signed by cosign (%s): %s (%s); want promoted", mode, status, reason)
			}
			promoted[mode] = digest
			ref := reg + "/otto/app:" + tag

			// The buyer verifies Berth's counter-signature: from the .sig
			// tag, and through the referrers API.
			for _, extra := range [][]string{nil, {"--experimental-oci11"}} {
				args := append([]string{"verify", "--key", berthKey, "--insecure-ignore-tlog"}, extra...)
				out := buyer.must(t, "", cosign, append(args, ref)...)
				if !strings.Contains(out, `"docker-manifest-digest":"`+digest+`"`) {
					t.Errorf("cosign %s: output does not name %s:\n%s", strings.Join(args, " "), digest, out)
				}
			}
			// The publisher's key signed staging, not what buyers pull.
			if out, errOut, err := buyer.run(t, "", cosign, "verify", "--key", filepath.Join(pub.home, "cosign.pub"),
				"--insecure-ignore-tlog", "--experimental-oci11", ref); err == nil {
				t.Errorf("the publisher's key verifies the buyer-facing image:\n%s%s", out, errOut)
			}

			// oras lists exactly one signature referrer: Berth's.
			berthRefs := buyer.discovered(t, oras, ref)
			if countType(berthRefs, cosignSigType) != 1 {
				t.Fatalf("oras discover %s as the buyer: %v; want Berth's signature", ref, berthRefs)
			}
			if mode == "oci-1-1" {
				sameCosignLayout(t, w, refs, berthRefs)
			}
		})
	}
	if t.Failed() {
		return
	}

	t.Run("idempotent", func(t *testing.T) {
		// A job that runs twice signs again: nothing new is written.
		digest := promoted["oci-1-1"]
		must(t, w.in.srv.Backend.Registry.Attach(context.Background(), "otto/app", digest, reg+"/otto/app",
			w.in.srv.Backend.Keys.CosignSigner()))
		if refs := buyer.discovered(t, oras, reg+"/otto/app@"+digest); countType(refs, cosignSigType) != 1 {
			t.Errorf("after signing twice: %v; want one signature referrer", refs)
		}
		sigs, err := signing.Signatures(context.Background(), w.repo(t, "otto/app"), digest,
			remote.WithAuth(&authn.Basic{Username: "bob", Password: w.buyerKey}))
		if err != nil || len(sigs) != 2 {
			t.Errorf("after signing twice: %d signatures, %v; want one in the .sig tag and one referrer", len(sigs), err)
		}
	})

	t.Run("referrers-only", func(t *testing.T) {
		// With the .sig tag gone, only the referrers API can answer: the
		// verify that reads it passes, the one that does not fails.
		digest := promoted["oci-1-1"]
		deleteSigTag(t, w, digest)
		ref := reg + "/otto/app:cosign-oci-1-1"
		if _, _, err := buyer.run(t, "", cosign, "verify", "--key", berthKey, "--insecure-ignore-tlog", ref); err == nil {
			t.Fatal("cosign verify without --experimental-oci11 passed with no .sig tag; the test proves nothing")
		}
		buyer.must(t, "", cosign, "verify", "--key", berthKey, "--insecure-ignore-tlog", "--experimental-oci11", ref)
	})

	t.Run("rejected", func(t *testing.T) {
		// Unsigned.
		w.pushStaging(t, "cosign-unsigned", builtImage(t, nil, "u", "echo unsigned"))
		// Signed with a key pair Berth does not know.
		stranger := newToolUser(t, "COSIGN_PASSWORD=stranger", "COSIGN_EXPERIMENTAL=1")
		stranger.must(t, "", cosign, "generate-key-pair")
		stranger.must(t, w.token, cosign, "login", reg, "-u", "ottmar", "--password-stdin")
		d := w.pushStaging(t, "cosign-stranger", builtImage(t, nil, "s", "echo stranger"))
		stranger.must(t, "", cosign, signArgs("oci-1-1", reg+"/staging/otto/app@"+d)...)
		// A real cosign signature by the publisher's key, of another image
		// (pushed by digest, so no upload), whose payload was edited to name
		// this upload, attached to it as a referrer.
		other := builtImage(t, nil, "o", "echo other")
		otherDigest := digestOf(t, other)
		must(t, remote.Write(w.repo(t, "staging/otto/app").Digest(otherDigest), other, w.pushAuth()))
		pub.must(t, "", cosign, signArgs("oci-1-1", reg+"/staging/otto/app@"+otherDigest)...)
		d = w.pushStaging(t, "cosign-tampered", builtImage(t, nil, "x", "echo tampered"))
		for sig := range pub.discovered(t, oras, reg+"/staging/otto/app@"+otherDigest) {
			w.tamperedReferrer(t, sig, otherDigest, d)
		}

		for tag, want := range map[string]string{"cosign-unsigned": "unsigned", "cosign-stranger": "unknown key",
			"cosign-tampered": "bad signature"} {
			if status, reason := w.upload(t, tag); status != "rejected" || !strings.Contains(reason, want) {
				t.Errorf("upload %s: %s (%s); want rejected: %s", tag, status, reason, want)
			}
			if err := w.buyerPulls(t, "otto/app", tag); err == nil {
				t.Errorf("the buyer pulled the rejected %s", tag)
			}
		}
	})
}

// countType counts the referrers of an artifact type.
func countType(refs map[string]string, artifactType string) int {
	n := 0
	for _, at := range refs {
		if at == artifactType {
			n++
		}
	}
	return n
}

// referrerShape is the fields of a referrer manifest this test compares.
type referrerShape struct {
	MediaType    string `json:"mediaType"`
	ArtifactType string `json:"artifactType"`
	Config       struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
	} `json:"config"`
	Layers []struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Annotations map[string]string `json:"annotations"`
	} `json:"layers"`
	Subject     map[string]any    `json:"subject"`
	Annotations map[string]string `json:"annotations"`
}

// fetchReferrer fetches a referrer manifest and its config from repo.
func fetchReferrer(t *testing.T, w *publisherWorld, repo, digest string, auth remote.Option) (referrerShape, map[string]any) {
	t.Helper()
	desc, err := remote.Get(w.repo(t, repo).Digest(digest), auth)
	must(t, err)
	var m referrerShape
	must(t, json.Unmarshal(desc.Manifest, &m))
	if len(m.Layers) == 0 {
		t.Fatalf("%s@%s has no layers", repo, digest)
	}
	layer, err := remote.Layer(w.repo(t, repo).Digest(m.Config.Digest), auth)
	must(t, err)
	rc, err := layer.Compressed()
	must(t, err)
	defer rc.Close()
	var config map[string]any
	must(t, json.NewDecoder(rc).Decode(&config))
	return m, config
}

// sameCosignLayout compares the signature referrer cosign wrote in staging
// with the one Berth wrote beside the promoted image: the same media
// types, artifact type, annotation names and subject, and a config of the
// same shape naming its own payload.
func sameCosignLayout(t *testing.T, w *publisherWorld, staging, buyer map[string]string) {
	t.Helper()
	pick := func(refs map[string]string) string {
		for d, at := range refs {
			if at == cosignSigType {
				return d
			}
		}
		return ""
	}
	cm, cconf := fetchReferrer(t, w, "staging/otto/app", pick(staging), w.pushAuth())
	bm, bconf := fetchReferrer(t, w, "otto/app", pick(buyer), remote.WithAuth(&authn.Basic{Username: "bob", Password: w.buyerKey}))
	shape := func(m referrerShape, config map[string]any) map[string]any {
		var layers []string
		for _, l := range m.Layers {
			layers = append(layers, l.MediaType+" "+strings.Join(slices.Sorted(maps.Keys(l.Annotations)), ","))
		}
		rootfs, _ := config["rootfs"].(map[string]any)
		diffIDs, _ := rootfs["diff_ids"].([]any)
		return map[string]any{"mediaType": m.MediaType, "artifactType": m.ArtifactType, "config": m.Config.MediaType,
			"layers": layers, "subject": m.Subject, "annotations": slices.Sorted(maps.Keys(m.Annotations)),
			"configKeys": slices.Sorted(maps.Keys(config)), "configNamesPayload": len(diffIDs) == 1 && diffIDs[0] == m.Layers[0].Digest}
	}
	want, got := shape(cm, cconf), shape(bm, bconf)
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(got)
	if string(wantJSON) != string(gotJSON) {
		t.Errorf("Berth's signature referrer differs from cosign's:\ncosign %s\nberth  %s", wantJSON, gotJSON)
	}
	if cm.ArtifactType != cosignSigType {
		t.Errorf("cosign's referrer has artifactType %q", cm.ArtifactType)
	}
}

// deleteSigTag deletes the .sig manifest of digest in otto/app, as an
// operator could with a token of Berth's own.
func deleteSigTag(t *testing.T, w *publisherWorld, digest string) {
	t.Helper()
	tok, err := w.in.srv.Backend.Tokens.Sign(licensing.InternalSubject+"test",
		[]licensing.Access{{Type: "repository", Name: "otto/app", Actions: []string{"pull", "delete"}}})
	must(t, err)
	auth := remote.WithAuth(&authn.Bearer{Token: tok.Token})
	sigTag, _ := signing.SignatureTag(digest)
	desc, err := remote.Head(w.repo(t, "otto/app").Tag(sigTag), auth)
	must(t, err)
	must(t, remote.Delete(w.repo(t, "otto/app").Digest(desc.Digest.String()), auth))
}

// tamperedReferrer copies the signature referrer sig of signed in staging
// to a referrer of target whose payload names target instead: the
// signature no longer matches what it claims.
func (w *publisherWorld) tamperedReferrer(t *testing.T, sig, signed, target string) {
	t.Helper()
	staging := w.repo(t, "staging/otto/app")
	desc, err := remote.Get(staging.Digest(sig), w.pushAuth())
	must(t, err)
	var m map[string]any
	must(t, json.Unmarshal(desc.Manifest, &m))
	layer := m["layers"].([]any)[0].(map[string]any)
	blob, err := remote.Layer(staging.Digest(layer["digest"].(string)), w.pushAuth())
	must(t, err)
	rc, err := blob.Compressed()
	must(t, err)
	var payload bytes.Buffer
	_, err = payload.ReadFrom(rc)
	rc.Close()
	must(t, err)
	edited := strings.Replace(payload.String(), signed, target, 1)
	if edited == payload.String() {
		t.Fatalf("cosign's payload does not name %s: %s", signed, payload.String())
	}
	l := static.NewLayer([]byte(edited), types.MediaType(layer["mediaType"].(string)))
	must(t, remote.WriteLayer(staging, l, w.pushAuth()))
	ld, err := l.Digest()
	must(t, err)
	layer["digest"], layer["size"] = ld.String(), len(edited)
	subject, err := remote.Head(staging.Digest(target), w.pushAuth())
	must(t, err)
	m["subject"] = map[string]any{"mediaType": subject.MediaType, "digest": target, "size": subject.Size}
	raw, err := json.Marshal(m)
	must(t, err)
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	must(t, err)
	must(t, remote.Put(staging.Digest(h.String()), ociManifest(raw), w.pushAuth()))
}

// ociManifest is a raw OCI image manifest to PUT.
type ociManifest []byte

func (m ociManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m ociManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
