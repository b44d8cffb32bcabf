package publisher_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"slices"
	"testing"

	"github.com/berth/berth/account"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/signing"
)

// TestPushToken: only an approved publisher's owners and editors get push
// tokens, and a token pushes to the staging namespaces only.
func TestPushToken(t *testing.T) {
	w := newWorld(t)
	alice, eddie, vera, root := w.user("alice", false), w.user("eddie", false), w.user("vera", false), w.user("ada", true)
	w.org(alice, "aco", map[account.User]account.Role{eddie: account.RoleAdmin, vera: account.RoleMember})
	w.apply(alice, "aco", "acme", "acme", "acme-labs")
	if _, err := w.pubs.PushToken(w.ctx, alice.ID, "acme", ""); !errors.Is(err, publisher.ErrNotApproved) {
		t.Errorf("a push token before approval: %v; want ErrNotApproved", err)
	}
	if _, err := w.pubs.Review(w.ctx, "acme", publisher.Review{Decision: "approve"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []account.User{vera, root} {
		if _, err := w.pubs.PushToken(w.ctx, u.ID, "acme", ""); !errors.Is(err, publisher.ErrNotPusher) {
			t.Errorf("a push token for %s: %v; want ErrNotPusher", u.Username, err)
		}
	}
	if _, err := w.pubs.PushToken(w.ctx, eddie.ID, "acme", "ci\x00"); !isInvalid(err, "name") {
		t.Errorf("a token name with NUL: %v; want invalid name", err)
	}
	tok, err := w.pubs.PushToken(w.ctx, eddie.ID, "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"staging/acme", "staging/acme-labs"}
	if tok.Name != "push to staging/acme, staging/acme-labs" || !slices.Equal(tok.Resources, want) {
		t.Errorf("push token = %+v", tok)
	}
	u, at, err := w.accounts.AuthenticateToken(w.ctx, tok.Secret)
	if err != nil || u.ID != eddie.ID || at.ID != tok.ID || at.Access != account.TokenReadWrite || !slices.Equal(at.Resources, want) {
		t.Errorf("the token authenticates as %s with %+v, %v; want eddie's read-write token on %q", u.Username, at, err, want)
	}
}

// TestKeys: a key is registered once, normalised, with who added it; bad
// names and keys are refused; revoking an unknown key says so.
func TestKeys(t *testing.T) {
	w := newWorld(t)
	alice := w.user("alice", false)
	w.org(alice, "aco", nil)
	w.apply(alice, "aco", "acme", "acme")
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := signing.MarshalPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, field, key, pem string }{
		{"NUL in the name", "name", "release\x00", string(pem)},
		{"no name", "name", " ", string(pem)},
		{"not a key", "public_key", "release", "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"},
	} {
		if _, err := w.pubs.AddKey(w.ctx, alice.ID, "acme", publisher.NewKey{Name: tc.key, PEM: tc.pem}); !isInvalid(err, tc.field) {
			t.Errorf("%s: %v; want invalid %s", tc.name, err, tc.field)
		}
	}
	k, err := w.pubs.AddKey(w.ctx, alice.ID, "acme", publisher.NewKey{Name: " release ", PEM: "\n" + string(pem)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.pubs.AddKey(w.ctx, alice.ID, "acme", publisher.NewKey{Name: "again", PEM: string(pem)}); !errors.Is(err, publisher.ErrConflict) {
		t.Errorf("registering the key twice: %v; want ErrConflict", err)
	}
	keys, err := w.pubs.Keys(w.ctx, "acme")
	if err != nil || len(keys) != 1 || keys[0].ID != k.ID || keys[0].Name != "release" || keys[0].PEM != string(pem) || keys[0].CreatedBy != alice.ID {
		t.Errorf("Keys = %+v, %v", keys, err)
	}
	if err := w.pubs.RevokeKey(w.ctx, "acme", "nope"); !errors.Is(err, publisher.ErrKeyNotFound) {
		t.Errorf("revoking an unknown key: %v; want ErrKeyNotFound", err)
	}
	if err := w.pubs.RevokeKey(w.ctx, "acme", k.ID); err != nil {
		t.Fatal(err)
	}
	if keys, _ := w.pubs.Keys(w.ctx, "acme"); len(keys) != 1 || keys[0].RevokedAt.IsZero() {
		t.Errorf("after revoking: %+v", keys)
	}
}

func isInvalid(err error, field string) bool {
	var invalid *publisher.InvalidError
	return errors.As(err, &invalid) && invalid.Field == field
}
