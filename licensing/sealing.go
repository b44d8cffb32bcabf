package licensing

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
)

// Sealer encrypts private keys at rest with a key-encryption key kept
// outside the database (internal/kek implements it), so that a copy of the
// database alone holds no usable key.
type Sealer interface {
	// Seal encrypts plaintext, bound to aad.
	Seal(plaintext, aad []byte) ([]byte, error)
	// Open returns the plaintext of stored, sealed with aad, and whether it
	// should be sealed again: it is a key stored before encryption or one
	// sealed with a previous key-encryption key.
	Open(stored, aad []byte) (plaintext []byte, stale bool, err error)
}

// errNoSealer refuses to handle private keys without a key-encryption key.
var errNoSealer = errors.New("no key-encryption key: private keys are never stored in the clear")

// keyAAD binds a sealed private key to its record: a sealed value copied to
// another key's record does not open.
func keyAAD(id string, kind KeyKind) []byte {
	return []byte("berth token key\x00" + string(kind) + "\x00" + id)
}

// newKey returns a Key holding priv sealed and its certificate.
func (r *KeyRing) newKey(id string, kind KeyKind, priv *ecdsa.PrivateKey, certDER []byte) (Key, error) {
	if r.sealer == nil {
		return Key{}, errNoSealer
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return Key{}, fmt.Errorf("encoding %s key: %w", kind, err)
	}
	sealed, err := r.sealer.Seal(pkcs8, keyAAD(id, kind))
	if err != nil {
		return Key{}, fmt.Errorf("sealing %s key: %w", kind, err)
	}
	return Key{ID: id, Kind: kind, PrivateDER: sealed, CertDER: certDER, CreatedAt: r.now().UTC()}, nil
}

// parseKey returns k's certificate and its private key, opened.
func (r *KeyRing) parseKey(k Key) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	if r.sealer == nil {
		return nil, nil, errNoSealer
	}
	cert, err := x509.ParseCertificate(k.CertDER)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing certificate of key %s: %w", k.ID, err)
	}
	der, _, err := r.sealer.Open(k.PrivateDER, keyAAD(k.ID, k.Kind))
	if err != nil {
		return nil, nil, fmt.Errorf("opening %s key %s: %w", k.Kind, k.ID, err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing key %s: %w", k.ID, err)
	}
	ec, ok := priv.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("key %s is not ECDSA", k.ID)
	}
	if !ec.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, fmt.Errorf("key %s does not match its certificate", k.ID)
	}
	return cert, ec, nil
}

// SealStored seals again every stored key that is in the clear (stored
// before encryption) or sealed with a previous key-encryption key, and
// returns how many it sealed. Load does it on every start; `berth keys
// rotate-kek` calls it with the new key-encryption key first in the Sealer.
func (r *KeyRing) SealStored(ctx context.Context) (int, error) {
	keys, err := r.store.Keys(ctx)
	if err != nil {
		return 0, fmt.Errorf("loading token keys: %w", err)
	}
	_, n, err := r.sealStale(ctx, keys)
	return n, err
}

// sealStale seals the stale keys among keys in the store and returns the
// keys as stored afterwards and how many it sealed. A key another instance
// sealed meanwhile is left to it.
func (r *KeyRing) sealStale(ctx context.Context, keys []Key) ([]Key, int, error) {
	if r.sealer == nil {
		return nil, 0, errNoSealer
	}
	n, changed := 0, false
	for _, k := range keys {
		aad := keyAAD(k.ID, k.Kind)
		plain, stale, err := r.sealer.Open(k.PrivateDER, aad)
		if err != nil {
			return nil, 0, fmt.Errorf("opening %s key %s: %w", k.Kind, k.ID, err)
		}
		if !stale {
			continue
		}
		sealed, err := r.sealer.Seal(plain, aad)
		if err != nil {
			return nil, 0, fmt.Errorf("sealing %s key %s: %w", k.Kind, k.ID, err)
		}
		err = r.store.UpdateKeyPrivate(ctx, k.ID, k.PrivateDER, sealed)
		if err != nil && !errors.Is(err, ErrConflict) {
			return nil, 0, fmt.Errorf("storing %s key %s sealed: %w", k.Kind, k.ID, err)
		}
		if err == nil {
			n++
		}
		changed = true
	}
	if !changed {
		return keys, 0, nil
	}
	keys, err := r.store.Keys(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("reloading token keys: %w", err)
	}
	return keys, n, nil
}
