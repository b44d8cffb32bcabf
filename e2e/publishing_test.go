package e2e

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/server"
	"github.com/berth/berth/signing"
)

// publisherWorld is a running Berth where organisation ottoco applied to
// publish as "ottosoft" under namespace otto, was approved as a Verified
// Publisher, registered an ECDSA signing key and made a push token; a
// product lists otto/app.
type publisherWorld struct {
	in       *instance
	key      *ecdsa.PrivateKey
	token    string // otto's push token
	buyerKey string // a license key for otto/app
	// signatureWait is how long an unsigned upload waits before it is
	// rejected: upload waits that long and more.
	signatureWait time.Duration
}

func newPublisherWorld(t *testing.T, configure ...func(*server.Config)) *publisherWorld {
	t.Helper()
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	cfg.SignatureWait = 3 * time.Second
	for _, c := range configure {
		c(&cfg)
	}
	in := start(t, cfg)
	ctx := context.Background()
	accounts := in.srv.Backend.Accounts
	otto, err := accounts.Register(ctx, account.SignUp{Username: "ottmar", Email: "ottmar@example.com", Password: "ottmar-password"})
	must(t, err)
	_, err = accounts.Register(ctx, account.SignUp{Username: "ada", Email: "ada@example.com", Password: "ada-password", Admin: true})
	must(t, err)
	_, err = accounts.CreateOrg(ctx, otto, "ottoco", "Otto Co")
	must(t, err)

	var applied struct{ Slug, Status string }
	if status := in.call("POST", "/api/v1/publishers", "ottmar", "ottmar-password", map[string]any{
		"slug": "ottosoft", "name": "Otto Software", "organization": "ottoco", "namespaces": []string{"otto"}}, &applied); status != http.StatusCreated || applied.Status != "pending" {
		t.Fatalf("applying: %d %+v", status, applied)
	}
	// Pending: no push token yet, and the admin sees the application.
	if status := in.call("POST", "/api/v1/publishers/ottosoft/push-tokens", "ottmar", "ottmar-password", map[string]any{}, nil); status != http.StatusConflict {
		t.Errorf("push token before approval: %d, want 409", status)
	}
	var pending struct{ Publishers []struct{ Slug string } }
	if status := in.call("GET", "/api/v1/admin/publishers", "ada", "ada-password", nil, &pending); status != http.StatusOK || len(pending.Publishers) != 1 {
		t.Fatalf("pending applications: %d %+v", status, pending)
	}
	if status := in.call("GET", "/api/v1/admin/publishers", "ottmar", "ottmar-password", nil, nil); status != http.StatusForbidden {
		t.Errorf("a non-admin listing applications: %d, want 403", status)
	}
	var reviewed struct {
		Status   string
		Verified bool
	}
	if status := in.call("POST", "/api/v1/admin/publishers/ottosoft/review", "ada", "ada-password",
		map[string]any{"decision": "approve", "verified": true}, &reviewed); status != http.StatusOK || reviewed.Status != "approved" || !reviewed.Verified {
		t.Fatalf("approving: %d %+v", status, reviewed)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	pub, err := signing.MarshalPublicKey(&key.PublicKey)
	must(t, err)
	if status := in.call("POST", "/api/v1/publishers/ottosoft/keys", "ottmar", "ottmar-password",
		map[string]any{"name": "release key", "public_key": string(pub)}, nil); status != http.StatusCreated {
		t.Fatalf("registering the key: %d", status)
	}
	if status := in.call("POST", "/api/v1/publishers/ottosoft/keys", "ottmar", "ottmar-password",
		map[string]any{"name": "rsa?", "public_key": "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n"}, nil); status != http.StatusUnprocessableEntity {
		t.Errorf("registering garbage as a key: %d, want 422", status)
	}
	var tok struct {
		Token     string
		Resources []string
	}
	if status := in.call("POST", "/api/v1/publishers/ottosoft/push-tokens", "ottmar", "ottmar-password", map[string]any{"name": "release"}, &tok); status != http.StatusCreated ||
		len(tok.Resources) != 1 || tok.Resources[0] != "staging/otto" {
		t.Fatalf("push token: %d %+v", status, tok)
	}

	_, err = in.srv.Backend.Stores.Catalog.PutProduct(ctx, catalog.Product{Slug: "otto-app", Name: "Otto App", Publisher: "ottosoft",
		Kind: catalog.KindImage, Repositories: []string{"otto/app"},
		Tiers: []catalog.Tier{{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{"otto/app"}}}})
	must(t, err)
	buyer, err := accounts.Register(ctx, account.SignUp{Username: "bob", Email: "bob@example.com", Password: "bob-password"})
	must(t, err)
	lic, err := in.srv.Backend.Licenses.Grant(ctx, licensing.Grant{Owner: buyer.ID, Product: "otto-app", Tier: "express"})
	must(t, err)
	return &publisherWorld{in: in, key: key, token: tok.Token, buyerKey: lic.Key, signatureWait: cfg.SignatureWait}
}

func (w *publisherWorld) pushAuth() remote.Option {
	return remote.WithAuth(&authn.Basic{Username: "ottmar", Password: w.token})
}

func (w *publisherWorld) repo(t *testing.T, path string) name.Repository {
	r, err := name.NewRepository(w.in.Registry+"/"+path, name.Insecure)
	must(t, err)
	return r
}

// pushStaging pushes img to staging/otto/app:tag and returns its digest.
func (w *publisherWorld) pushStaging(t *testing.T, tag string, img v1.Image) string {
	t.Helper()
	must(t, remote.Write(w.repo(t, "staging/otto/app").Tag(tag), img, w.pushAuth()))
	d, err := img.Digest()
	must(t, err)
	return d.String()
}

// sign signs digest in staging the way `cosign sign --key` does.
func (w *publisherWorld) sign(t *testing.T, digest string, signer crypto.Signer) {
	t.Helper()
	staging := w.repo(t, "staging/otto/app")
	must(t, signing.Attach(context.Background(), staging, digest, staging.Name(), signer, w.pushAuth()))
}

// upload waits until the upload of tag leaves "waiting" and returns it.
func (w *publisherWorld) upload(t *testing.T, tag string) (status, reason string) {
	t.Helper()
	deadline := time.Now().Add(w.signatureWait + 30*time.Second)
	for {
		var list struct {
			Uploads []struct{ Tag, Status, Reason string }
		}
		w.in.call("GET", "/api/v1/publishers/ottosoft/uploads", "ottmar", "ottmar-password", nil, &list)
		for _, u := range list.Uploads {
			if u.Tag == tag && u.Status != "waiting" {
				return u.Status, u.Reason
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upload of %s is still waiting (or missing): %+v", tag, list.Uploads)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// buyerPulls reports whether the buyer's license key pulls otto/app:tag.
func (w *publisherWorld) buyerPulls(t *testing.T, repo, tag string) error {
	_, err := remote.Image(w.repo(t, repo).Tag(tag), remote.WithAuth(&authn.Basic{Username: "bob", Password: w.buyerKey}),
		remote.WithRetryBackoff(remote.Backoff{Steps: 1}))
	return err
}

// TestSignedUploadPipeline is the publisher's path end to end: apply, be
// approved, register a key, push to staging with a push token, sign the
// cosign way, and see the tag promoted to buyers with Berth's
// counter-signature; unsigned, foreign-key and digest-mismatch uploads are
// rejected with their reasons and never reach the buyer.
func TestSignedUploadPipeline(t *testing.T) {
	w := newPublisherWorld(t)

	// The push token cannot push to the buyer-facing repository itself.
	img := builtImage(t, nil, "1.0", "apk add app", "cp app /app", "adduser app", "chmod +x /app", "echo done")
	if err := remote.Write(w.repo(t, "otto/app").Tag("1.0"), img, w.pushAuth()); !isDenied(err) {
		t.Errorf("pushing straight to otto/app: %v; want denied", err)
	}
	digest := w.pushStaging(t, "1.0", img)
	w.sign(t, digest, w.key)
	if status, reason := w.upload(t, "1.0"); status != "promoted" {
		t.Fatalf("signed upload: %s (%s); want promoted", status, reason)
	}
	if err := w.buyerPulls(t, "otto/app", "1.0"); err != nil {
		t.Fatalf("the buyer cannot pull the promoted image: %v", err)
	}
	if err := w.buyerPulls(t, "staging/otto/app", "1.0"); !isDenied(err) {
		t.Errorf("the buyer pulled from staging: %v", err)
	}

	// Berth's counter-signature verifies with /.well-known/cosign.pub.
	resp, err := http.Get(w.in.URL + "/.well-known/cosign.pub")
	must(t, err)
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	berthKey, err := signing.ParsePublicKey(pemBytes)
	must(t, err)
	sigs, err := signing.Signatures(context.Background(), w.repo(t, "otto/app"), digest,
		remote.WithAuth(&authn.Basic{Username: "bob", Password: w.buyerKey}))
	must(t, err)
	if _, err := signing.VerifyImage(sigs, digest, func(ref string) bool { return strings.HasSuffix(ref, "/otto/app") }, []crypto.PublicKey{berthKey}); err != nil {
		t.Errorf("Berth's counter-signature does not verify with cosign.pub: %v (%d signatures)", err, len(sigs))
	}
	var tag struct {
		Signed    bool
		Platforms []struct{ Layers []struct{ Command string } }
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.in.call("GET", "/api/v1/images/otto/app/tags/1.0", "", "", nil, &tag) != http.StatusOK || !tag.Signed {
		if time.Now().After(deadline) {
			t.Fatalf("the catalog does not show 1.0 signed: %+v", tag)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(tag.Platforms) != 1 || len(tag.Platforms[0].Layers) != 5 {
		t.Errorf("catalog tag = %+v; want the 5-layer image", tag)
	}
	var tags struct{ Tags []struct{ Name string } }
	w.in.call("GET", "/api/v1/images/otto/app/tags", "", "", nil, &tags)
	for _, tg := range tags.Tags {
		if strings.HasSuffix(tg.Name, ".sig") {
			t.Errorf("a signature tag is listed: %s", tg.Name)
		}
	}

	// A multi-platform index goes through too.
	idx, err := random.Index(1024, 2, 2)
	must(t, err)
	must(t, remote.WriteIndex(w.repo(t, "staging/otto/app").Tag("2.0"), idx, w.pushAuth()))
	idxDigest, err := idx.Digest()
	must(t, err)
	w.sign(t, idxDigest.String(), w.key)
	if status, reason := w.upload(t, "2.0"); status != "promoted" {
		t.Errorf("signed index: %s (%s); want promoted", status, reason)
	} else if _, err := remote.Index(w.repo(t, "otto/app").Tag("2.0"), remote.WithAuth(&authn.Basic{Username: "bob", Password: w.buyerKey})); err != nil {
		t.Errorf("the buyer cannot pull the promoted index: %v", err)
	}

	// Rejections, each with its reason, none reaching the buyer.
	w.pushStaging(t, "1.1", builtImage(t, nil, "1.1", "echo unsigned"))
	_, foreign, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	w.sign(t, w.pushStaging(t, "1.2", builtImage(t, nil, "1.2", "echo foreign")), foreign)
	w.signOtherDigest(t, w.pushStaging(t, "1.3", builtImage(t, nil, "1.3", "echo mismatch")), digest)
	w.signTampered(t, w.pushStaging(t, "1.4", builtImage(t, nil, "1.4", "echo tampered")))
	for tg, want := range map[string]string{"1.1": "unsigned", "1.2": "unknown key", "1.3": "digest mismatch", "1.4": "bad signature"} {
		status, reason := w.upload(t, tg)
		if status != "rejected" || !strings.Contains(reason, want) {
			t.Errorf("upload %s: %s (%s); want rejected: %s", tg, status, reason, want)
		}
		if err := w.buyerPulls(t, "otto/app", tg); err == nil {
			t.Errorf("the buyer pulled the rejected %s", tg)
		}
	}

	// The portal page lists uploads with their reasons.
	resp2, page := send(t, "GET", w.in.URL+"/publishers/ottosoft", "", nil, signInAPI(t, w.in, "ottmar", "ottmar-password"))
	if resp2.StatusCode != http.StatusOK || !strings.Contains(page, "digest mismatch") || !strings.Contains(page, "Verified Publisher") {
		t.Errorf("portal page: %d; want the uploads with their reasons and the badge", resp2.StatusCode)
	}
}

// signTampered writes a .sig for digest with the publisher's key whose
// signature bytes were altered after signing.
func (w *publisherWorld) signTampered(t *testing.T, digest string) {
	t.Helper()
	staging := w.repo(t, "staging/otto/app")
	payload := signing.Payload(staging.Name(), digest)
	sig, err := signing.Sign(w.key, payload)
	must(t, err)
	sig[len(sig)-1] ^= 0xff
	w.writeSig(t, digest, payload, sig)
}

// writeSig stores one signature layer as cosign lays it out.
func (w *publisherWorld) writeSig(t *testing.T, digest string, payload, sig []byte) {
	t.Helper()
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer:       static.NewLayer(payload, "application/vnd.dev.cosign.simplesigning.v1+json"),
		Annotations: map[string]string{"dev.cosignproject.cosign/signature": base64.StdEncoding.EncodeToString(sig)},
	})
	must(t, err)
	tag, err := signing.SignatureTag(digest)
	must(t, err)
	must(t, remote.Write(w.repo(t, "staging/otto/app").Tag(tag), img, w.pushAuth()))
}

// signOtherDigest writes a .sig for digest, signed with the publisher's
// key, whose payload names other: a signature moved from another image.
func (w *publisherWorld) signOtherDigest(t *testing.T, digest, other string) {
	t.Helper()
	staging := w.repo(t, "staging/otto/app")
	payload := signing.Payload(staging.Name(), other)
	sig, err := signing.Sign(w.key, payload)
	must(t, err)
	w.writeSig(t, digest, payload, sig)
}
