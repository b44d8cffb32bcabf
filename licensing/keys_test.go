package licensing_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/licensing/sqlitestore"
)

func newStore(t *testing.T) licensing.Store {
	t.Helper()
	db, err := sqldb.Open(filepath.Join(t.TempDir(), "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := sqlitestore.New(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sealers holds the key-encryption key of each store, as one process would.
var sealers sync.Map // licensing.Store → *kek.Ring

// sealer returns store's key-encryption keys, made on first use.
func sealer(t *testing.T, store licensing.Store) licensing.Sealer {
	t.Helper()
	k, err := kek.Generate()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := sealers.LoadOrStore(store, kek.NewRing(k))
	return r.(*kek.Ring)
}

func loaded(t *testing.T, store licensing.Store) *licensing.KeyRing {
	t.Helper()
	r := licensing.NewKeyRing(store, sealer(t, store), 10*time.Minute)
	if err := r.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestKeyRingCreatesOnceAndAgrees: the first load creates a root and a
// signing key; later loads, and instances racing on one database, use them.
func TestKeyRingCreatesOnceAndAgrees(t *testing.T) {
	store := newStore(t)
	var wg sync.WaitGroup
	rings := make([]*licensing.KeyRing, 4)
	for i := range rings {
		wg.Add(1)
		go func() { defer wg.Done(); rings[i] = loaded(t, store) }()
	}
	wg.Wait()
	again := loaded(t, store)
	for i, r := range rings {
		if string(r.RootPEM()) != string(again.RootPEM()) {
			t.Errorf("instance %d trusts another root than a later load", i)
		}
	}
	keys, err := store.Keys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	roots := 0
	for _, k := range keys {
		if k.Kind == licensing.KeyRoot {
			roots++
		}
	}
	if roots != 1 {
		t.Errorf("%d root keys stored; want exactly one", roots)
	}
	if kid := again.JWKS().Keys[len(again.JWKS().Keys)-1].Kid; kid != loaded(t, store).JWKS().Keys[len(again.JWKS().Keys)-1].Kid {
		t.Errorf("signing key changed between loads")
	}
}

// TestJWKSChainsToRoot: every published key carries a certificate chain
// that verifies against the trust bundle registries are given.
func TestJWKSChainsToRoot(t *testing.T) {
	r := loaded(t, newStore(t))
	block, _ := pem.Decode(r.RootPEM())
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("root PEM = %q", r.RootPEM())
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !root.IsCA {
		t.Fatalf("root certificate: %v (CA %v)", err, root != nil && root.IsCA)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	set := r.JWKS()
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if k.Kty != "EC" || k.Crv != "P-256" || k.Alg != "ES256" || k.Kid == "" || len(k.X5c) != 2 {
		t.Fatalf("JWK = %+v", k)
	}
	der, _ := base64.StdEncoding.DecodeString(k.X5c[0])
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("signing certificate does not chain to the root: %v", err)
	}
	if other := loaded(t, newStore(t)).JWKS().Keys[0].Kid; other == k.Kid {
		t.Error("two different keys have the same kid")
	}
}

// TestKeyRingRenewsExpiringSigningKey: a signing key whose certificate is
// about to expire is replaced at load, and an expired one is never used.
func TestKeyRingRenewsExpiringSigningKey(t *testing.T) {
	store := newStore(t)
	first := loaded(t, store)
	kid := first.JWKS().Keys[0].Kid

	later := licensing.NewKeyRing(store, sealer(t, store), 10*time.Minute)
	licensing.SetClock(later, func() time.Time { return time.Now().Add(2*365*24*time.Hour - 30*24*time.Hour) })
	if err := later.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys := later.JWKS().Keys
	if len(keys) != 2 || keys[1].Kid == kid {
		t.Fatalf("a month before expiry the ring has %d keys, newest %q; want the old one plus a new one", len(keys), keys[len(keys)-1].Kid)
	}

	expired := licensing.NewKeyRing(store, sealer(t, store), 10*time.Minute)
	licensing.SetClock(expired, func() time.Time { return time.Now().Add(2*365*24*time.Hour + 24*time.Hour) })
	if err := expired.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, k := range expired.JWKS().Keys {
		if k.Kid == kid {
			t.Errorf("the expired key %s is still published", kid)
		}
	}
}

// TestKeyRingRotation: after a rotation the new key signs and both are
// published; once the successor is older than retireAfter, only it is.
func TestKeyRingRotation(t *testing.T) {
	store := newStore(t)
	ring := licensing.NewKeyRing(store, sealer(t, store), 10*time.Minute)
	now := time.Now()
	licensing.SetClock(ring, func() time.Time { return now })
	if err := ring.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	old := ring.JWKS().Keys[0].Kid
	now = now.Add(time.Hour)
	kid, err := ring.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	keys := ring.JWKS().Keys
	if kid == old || len(keys) != 2 || keys[0].Kid != old || keys[1].Kid != kid {
		t.Fatalf("after rotating: new %s, published %+v; want the old then the new key", kid, keys)
	}
	states, err := ring.States(context.Background())
	if err != nil || len(states) != 2 || states[0].Current || !states[0].Published || !states[1].Current {
		t.Fatalf("states = %+v, %v; want the old key retiring and the new one current", states, err)
	}
	now = now.Add(11 * time.Minute)
	if err := ring.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if keys := ring.JWKS().Keys; len(keys) != 1 || keys[0].Kid != kid {
		t.Errorf("after retireAfter: published %+v; want only %s", keys, kid)
	}
}
