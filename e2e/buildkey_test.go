package e2e

import (
	"context"
	"crypto"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/signing"
)

// TestBuildKeySignsStagedBuilds is a publisher letting Berth sign its
// builds: an owner enables the build key, which is listed among the
// publisher's keys as Berth-held and stored sealed; a build pushed to
// staging the way the builder pushes it and signed through SignStaged is
// verified, promoted and counter-signed by Berth like any upload. Once
// the key is revoked, Berth refuses to sign with it, and an upload
// carrying only its signature is rejected.
func TestBuildKeySignsStagedBuilds(t *testing.T) {
	w := newPublisherWorld(t)
	ctx := context.Background()
	bk := w.in.srv.Backend.BuildKeys
	const staging = "staging/otto/app"

	img := builtImage(t, nil, "5.0", "echo built by Berth", "make app")
	digest := w.pushStaging(t, "5.0", img)
	if err := bk.SignStaged(ctx, "ottosoft", staging, digest); !errors.Is(err, publisher.ErrNoBuildKey) {
		t.Fatalf("SignStaged before the key is enabled: %v; want ErrNoBuildKey", err)
	}
	if status := w.in.call("GET", "/api/v1/publishers/ottosoft/build-key", "ottmar", "ottmar-password", nil, nil); status != http.StatusNotFound {
		t.Errorf("GET build-key before enabling: %d, want 404", status)
	}

	var key struct {
		ID        string `json:"id"`
		PublicKey string `json:"public_key"`
		BerthHeld bool   `json:"berth_held"`
	}
	if status := w.in.call("POST", "/api/v1/publishers/ottosoft/build-key", "ottmar", "ottmar-password", map[string]any{}, &key); status != http.StatusCreated || !key.BerthHeld {
		t.Fatalf("enabling the build key: %d %+v", status, key)
	}
	var again struct{ ID string }
	if w.in.call("POST", "/api/v1/publishers/ottosoft/build-key", "ottmar", "ottmar-password", map[string]any{}, &again); again.ID != key.ID {
		t.Errorf("enabling again made key %s; want the active %s", again.ID, key.ID)
	}
	buildPub, err := signing.ParsePublicKey([]byte(key.PublicKey))
	must(t, err)
	w.checkBuildKeyListed(t, key.ID)

	// Signed the way a build is: the upload waiting in staging is
	// promoted, with Berth's counter-signature, for the buyer.
	if err := bk.SignStaged(ctx, "ottosoft", staging, digest); err != nil {
		t.Fatalf("SignStaged: %v", err)
	}
	if status, reason := w.upload(t, "5.0"); status != "promoted" || !strings.Contains(reason, publisher.BuildKeyName) {
		t.Fatalf("build signed with the build key: %s (%s); want promoted by %q", status, reason, publisher.BuildKeyName)
	}
	if err := w.buyerPulls(t, "otto/app", "5.0"); err != nil {
		t.Fatalf("the buyer cannot pull the promoted build: %v", err)
	}
	w.checkSigned(t, staging, digest, buildPub, "the build key's signature in staging")
	w.checkSigned(t, "otto/app", digest, w.berthKey(t), "Berth's counter-signature")

	if err := bk.SignStaged(ctx, "ottosoft", "staging/elsewhere/app", digest); !errors.Is(err, publisher.ErrNotStaging) {
		t.Errorf("SignStaged outside the publisher's staging: %v; want ErrNotStaging", err)
	}

	// Revoked: Berth signs nothing more, and the build's signature no
	// longer promotes the same digest pushed again.
	if status := w.in.call("DELETE", "/api/v1/publishers/ottosoft/build-key", "ottmar", "ottmar-password", nil, nil); status != http.StatusNoContent {
		t.Fatalf("revoking the build key: %d", status)
	}
	if status := w.in.call("GET", "/api/v1/publishers/ottosoft/build-key", "ottmar", "ottmar-password", nil, nil); status != http.StatusConflict {
		t.Errorf("GET build-key after revoking: %d, want 409", status)
	}
	next := w.pushStaging(t, "5.1", builtImage(t, nil, "5.1", "echo built after revoking"))
	if err := bk.SignStaged(ctx, "ottosoft", staging, next); !errors.Is(err, publisher.ErrBuildKeyRevoked) {
		t.Errorf("SignStaged after revoking: %v; want ErrBuildKeyRevoked", err)
	}
	w.pushStaging(t, "5.0-again", img)
	if status, reason := w.upload(t, "5.0-again"); status != "rejected" {
		t.Errorf("an upload signed only by the revoked build key: %s (%s); want rejected", status, reason)
	}
	if err := w.buyerPulls(t, "otto/app", "5.0-again"); err == nil {
		t.Errorf("the buyer pulled an upload signed only by the revoked build key")
	}
	w.buildKeyPageTwin(t, key.ID)
}

// buildKeyPageTwin enables and revokes the build key with the portal's
// forms, as an owner in a browser does.
func (w *publisherWorld) buildKeyPageTwin(t *testing.T, revoked string) {
	t.Helper()
	session := signInAPI(t, w.in, "ottmar", "ottmar-password")
	resp, page := send(t, "GET", w.in.URL+"/publishers/ottosoft", "", nil, session)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Enable Berth build key") {
		t.Fatalf("portal page after revoking: %d; want the enable button", resp.StatusCode)
	}
	form := url.Values{"_csrf": {between(page, `name="_csrf" value="`, `"`)}}.Encode()
	formHeader := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if resp, _ := send(t, "POST", w.in.URL+"/publishers/ottosoft/build-key", form, formHeader, session); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enabling with the form: %d; want 303", resp.StatusCode)
	}
	var fresh struct{ ID string }
	if status := w.in.call("GET", "/api/v1/publishers/ottosoft/build-key", "ottmar", "ottmar-password", nil, &fresh); status != http.StatusOK ||
		fresh.ID == "" || fresh.ID == revoked {
		t.Errorf("build key after enabling with the form: %d %+v; want a new key, not the revoked %s", status, fresh, revoked)
	}
	if resp, _ := send(t, "POST", w.in.URL+"/publishers/ottosoft/build-key/revoke", form, formHeader, session); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoking with the form: %d; want 303", resp.StatusCode)
	}
	if status := w.in.call("GET", "/api/v1/publishers/ottosoft/build-key", "ottmar", "ottmar-password", nil, nil); status != http.StatusConflict {
		t.Errorf("GET build-key after revoking with the form: %d, want 409", status)
	}
}

// checkBuildKeyListed checks that the key id is among the publisher's
// keys as Berth-held, in the API and on the portal page, and that the
// store holds its private half sealed with the key-encryption key.
func (w *publisherWorld) checkBuildKeyListed(t *testing.T, id string) {
	t.Helper()
	var list struct {
		Keys []struct {
			ID        string `json:"id"`
			BerthHeld bool   `json:"berth_held"`
		}
	}
	w.in.call("GET", "/api/v1/publishers/ottosoft/keys", "ottmar", "ottmar-password", nil, &list)
	held := 0
	for _, k := range list.Keys {
		if k.BerthHeld {
			held++
			if k.ID != id {
				t.Errorf("Berth-held key %s listed; want %s", k.ID, id)
			}
		}
	}
	if len(list.Keys) != 2 || held != 1 {
		t.Errorf("keys = %+v; want the release key and one Berth-held key", list.Keys)
	}
	resp, page := send(t, "GET", w.in.URL+"/publishers/ottosoft", "", nil, signInAPI(t, w.in, "ottmar", "ottmar-password"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Berth-held") || !strings.Contains(page, "Revoke build key") {
		t.Errorf("portal page: %d; want the key marked Berth-held and the revoke button", resp.StatusCode)
	}
	p, err := w.in.srv.Backend.Stores.Publishers.PublisherBySlug(context.Background(), "ottosoft")
	must(t, err)
	stored, err := w.in.srv.Backend.Stores.Publishers.Keys(context.Background(), p.ID)
	must(t, err)
	for _, k := range stored {
		if k.ID != id {
			continue
		}
		if _, sealed := kek.SealedBy(k.Sealed); !sealed {
			t.Errorf("the build key's private half is stored unsealed (%d bytes)", len(k.Sealed))
		}
		return
	}
	t.Errorf("the store holds no key %s", id)
}

// berthKey returns Berth's cosign public key, as published.
func (w *publisherWorld) berthKey(t *testing.T) crypto.PublicKey {
	t.Helper()
	resp, err := http.Get(w.in.URL + "/.well-known/cosign.pub")
	must(t, err)
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	k, err := signing.ParsePublicKey(pemBytes)
	must(t, err)
	return k
}

// checkSigned checks that repo holds a cosign-format signature of digest
// by key, naming repo as its docker-reference.
func (w *publisherWorld) checkSigned(t *testing.T, repo, digest string, key crypto.PublicKey, what string) {
	t.Helper()
	sigs, err := signing.Signatures(context.Background(), w.repo(t, repo), digest,
		remote.WithAuth(&authn.Basic{Username: "ottmar", Password: "ottmar-password"}))
	must(t, err)
	ref := func(r string) bool { return strings.HasSuffix(r, "/"+repo) }
	if _, err := signing.VerifyImage(sigs, digest, ref, []crypto.PublicKey{key}); err != nil {
		t.Errorf("%s does not verify: %v (%d signatures)", what, err, len(sigs))
	}
}
