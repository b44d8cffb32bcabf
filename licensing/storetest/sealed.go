package storetest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

// Sealed is a store with a view of the bytes its database keeps.
type Sealed struct {
	Store licensing.Store
	// Dump returns every byte the database keeps, as stored: the database
	// files for SQLite, the raw BSON documents for MongoDB.
	Dump func(t *testing.T) []byte
}

// RunSealed shows, on the store's own bytes, that a KeyRing over it keeps
// every private key sealed with the key-encryption key: none is ever
// readable in the database, keys stored in the clear are sealed at the next
// load, a wrong key-encryption key is refused without creating keys, and a
// rotation of the key-encryption key keeps the keys. newStore must return a
// new, empty store for each call.
func RunSealed(t *testing.T, newStore func(t *testing.T) Sealed) {
	storetesting.Run(t, newStore, []storetesting.Test[Sealed]{
		{Name: "NoKeyInTheClear", Run: testNoKeyInTheClear},
		{Name: "SealsClearKeys", Run: testSealsClearKeys},
		{Name: "WrongKEK", Run: testWrongKEK},
		{Name: "MovedValue", Run: testMovedValue},
		{Name: "RotateKEK", Run: testRotateKEK},
	})
}

// retire is the KeyRings' retireAfter in these tests.
const retire = 10 * time.Minute

func newKEK(t *testing.T) *kek.Key {
	t.Helper()
	k, err := kek.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// loadRing loads a KeyRing over s sealing with sealer and fails on error.
func loadRing(t *testing.T, s licensing.Store, sealer licensing.Sealer) *licensing.KeyRing {
	t.Helper()
	r := licensing.NewKeyRing(s, sealer, retire)
	if err := r.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return r
}

func testNoKeyInTheClear(t *testing.T, s Sealed) {
	ring := kek.NewRing(newKEK(t))
	r := loadRing(t, s.Store, ring)
	if n := checkNoClearKeys(t, s, ring); n != 3 {
		t.Errorf("checked %d keys; want 3 (root, cosign, signing key)", n)
	}
	if _, err := r.Rotate(context.Background()); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if n := checkNoClearKeys(t, s, ring); n != 4 {
		t.Errorf("checked %d keys; want 4 (root, cosign, two signing keys)", n)
	}
}

// checkNoClearKeys opens every stored key with ring and checks that neither
// it (PKCS#8) nor its private scalar, nor any PEM private key, is in the
// database's bytes, while its certificate is (so the dump holds the key
// records). It returns how many keys it checked.
func checkNoClearKeys(t *testing.T, s Sealed, ring *kek.Ring) int {
	t.Helper()
	dump := s.Dump(t)
	if bytes.Contains(dump, []byte("PRIVATE KEY")) {
		t.Error(`the database holds "PRIVATE KEY" text`)
	}
	keys, err := s.Store.Keys(context.Background())
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	for _, k := range keys {
		if id, ok := kek.SealedBy(k.PrivateDER); !ok || id != ring.ID() {
			t.Errorf("%s key %s is stored sealed by %q (sealed: %v); want %s", k.Kind, k.ID, id, ok, ring.ID())
		}
		der, priv := openKey(t, ring, k)
		if !bytes.Contains(dump, k.CertDER) {
			t.Fatalf("the dump lacks the certificate of key %s: it does not show the database", k.ID)
		}
		if bytes.Contains(dump, der) {
			t.Errorf("the database holds %s key %s in the clear (PKCS#8)", k.Kind, k.ID)
		}
		if bytes.Contains(dump, priv.D.FillBytes(make([]byte, 32))) {
			t.Errorf("the database holds the private scalar of %s key %s", k.Kind, k.ID)
		}
	}
	return len(keys)
}

// openKey opens k with ring and checks that it is the private half of its
// certificate's key.
func openKey(t *testing.T, ring *kek.Ring, k licensing.Key) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	der, _, err := ring.Open(k.PrivateDER, []byte("berth token key\x00"+string(k.Kind)+"\x00"+k.ID))
	if err != nil {
		t.Fatalf("opening key %s: %v", k.ID, err)
	}
	p, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatalf("parsing key %s: %v", k.ID, err)
	}
	priv, ok := p.(*ecdsa.PrivateKey)
	cert, err := x509.ParseCertificate(k.CertDER)
	if !ok || err != nil || !priv.PublicKey.Equal(cert.PublicKey) {
		t.Fatalf("key %s does not match its certificate (%v)", k.ID, err)
	}
	return der, priv
}

// clear is how keys were stored before encryption: as they are.
type clear struct{}

func (clear) Seal(plaintext, _ []byte) ([]byte, error) { return bytes.Clone(plaintext), nil }
func (clear) Open(stored, _ []byte) ([]byte, bool, error) {
	return stored, false, nil
}

// facts is what must survive any change to how keys are stored.
type facts struct {
	Root, Cosign, Webhooks []byte
	Kids                   []string
}

func factsOf(r *licensing.KeyRing) facts {
	f := facts{Root: r.RootPEM(), Cosign: r.CosignPublicPEM(), Webhooks: r.DeriveSecret("webhooks")}
	for _, k := range r.JWKS().Keys {
		f.Kids = append(f.Kids, k.Kid)
	}
	return f
}

func testSealsClearKeys(t *testing.T, s Sealed) {
	old := loadRing(t, s.Store, clear{})
	keys, err := s.Store.Keys(context.Background())
	if err != nil || len(keys) != 3 {
		t.Fatalf("keys stored in the clear: %d, %v; want 3", len(keys), err)
	}
	// The scan finds a key in the clear: a clean dump later means something.
	if der := keys[0].PrivateDER; !bytes.Contains(s.Dump(t), der) {
		t.Fatal("the dump does not show a key stored in the clear")
	}
	ring := kek.NewRing(newKEK(t))
	r := loadRing(t, s.Store, ring)
	if diff := cmp.Diff(factsOf(old), factsOf(r)); diff != "" {
		t.Errorf("sealing changed the keys (-before +after):\n%s", diff)
	}
	for _, k := range keys {
		if bytes.Contains(s.Dump(t), k.PrivateDER) {
			t.Errorf("%s key %s is still in the database's bytes after sealing", k.Kind, k.ID)
		}
	}
	checkNoClearKeys(t, s, ring)
}

func testWrongKEK(t *testing.T, s Sealed) {
	ctx := context.Background()
	loadRing(t, s.Store, kek.NewRing(newKEK(t)))
	before, err := s.Store.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wrong := licensing.NewKeyRing(s.Store, kek.NewRing(newKEK(t)), retire)
	if err := wrong.Load(ctx); !errors.Is(err, kek.ErrUnknownKEK) {
		t.Errorf("Load with another KEK: %v; want ErrUnknownKEK", err)
	}
	if _, err := wrong.Rotate(ctx); !errors.Is(err, kek.ErrUnknownKEK) {
		t.Errorf("Rotate with another KEK: %v; want ErrUnknownKEK", err)
	}
	after, err := s.Store.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after, equate); diff != "" {
		t.Errorf("a KeyRing with the wrong KEK changed the stored keys (-before +after):\n%s", diff)
	}
}

// testMovedValue: a sealed private key copied onto another key's record
// does not open there.
func testMovedValue(t *testing.T, s Sealed) {
	ctx := context.Background()
	ring := kek.NewRing(newKEK(t))
	loadRing(t, s.Store, ring)
	keys, err := s.Store.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[licensing.KeyKind]licensing.Key{}
	for _, k := range keys {
		byKind[k.Kind] = k
	}
	signing, root := byKind[licensing.KeySigning], byKind[licensing.KeyRoot]
	if err := s.Store.UpdateKeyPrivate(ctx, signing.ID, signing.PrivateDER, root.PrivateDER); err != nil {
		t.Fatal(err)
	}
	if err := licensing.NewKeyRing(s.Store, ring, retire).Load(ctx); !errors.Is(err, kek.ErrTampered) {
		t.Errorf("Load with the root's sealed key on the signing key's record: %v; want ErrTampered", err)
	}
}

func testRotateKEK(t *testing.T, s Sealed) {
	ctx := context.Background()
	oldKEK, newKEK := newKEK(t), newKEK(t)
	r := loadRing(t, s.Store, kek.NewRing(oldKEK))
	before := sign(t, r)
	n, err := licensing.NewKeyRing(s.Store, kek.NewRing(newKEK, oldKEK), retire).SealStored(ctx)
	if err != nil || n != 3 {
		t.Fatalf("SealStored with a new KEK: %d, %v; want 3 keys sealed again", n, err)
	}
	if err := licensing.NewKeyRing(s.Store, kek.NewRing(oldKEK), retire).Load(ctx); !errors.Is(err, kek.ErrUnknownKEK) {
		t.Errorf("Load with the old KEK after rotating: %v; want ErrUnknownKEK", err)
	}
	again := loadRing(t, s.Store, kek.NewRing(newKEK))
	if diff := cmp.Diff(factsOf(r), factsOf(again)); diff != "" {
		t.Errorf("rotating the KEK changed the keys (-before +after):\n%s", diff)
	}
	VerifyToken(t, before, again.RootPEM())
	VerifyToken(t, sign(t, again), r.RootPEM())
	checkNoClearKeys(t, s, kek.NewRing(newKEK))
}

// sign signs a registry token with r's current signing key.
func sign(t *testing.T, r *licensing.KeyRing) string {
	t.Helper()
	ts := licensing.NewTokenServer(licensing.TokenConfig{Issuer: "berth", Service: "registry", TTL: time.Minute}, licensing.TokenDeps{Keys: r})
	tok, err := ts.Sign("alice", nil)
	if err != nil {
		t.Fatalf("signing a token: %v", err)
	}
	return tok.Token
}

// VerifyToken checks raw the way a registry does: its x5c leaf must chain
// to the root in rootPEM and sign it, for the audience "registry" and the
// issuer "berth". Key tests outside the store suite use it too.
func VerifyToken(t *testing.T, raw string, rootPEM []byte) {
	t.Helper()
	block, _ := pem.Decode(rootPEM)
	if block == nil {
		t.Fatal("no root certificate")
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	_, err = jwt.Parse(raw, func(tok *jwt.Token) (any, error) {
		x5c, _ := tok.Header["x5c"].([]any)
		if len(x5c) == 0 {
			return nil, errors.New("no x5c header")
		}
		b64, _ := x5c[0].(string)
		der, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, err
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return nil, err
		}
		return leaf.PublicKey, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience("registry"), jwt.WithIssuer("berth"))
	if err != nil {
		t.Errorf("token does not verify against the root: %v", err)
	}
}
