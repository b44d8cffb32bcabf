package licensing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeyCosign is the kind of Berth's image-signing key: it counter-signs
// every image promoted to buyers, in cosign's key-pair format, so that
// buyers can run `cosign verify --key <store>/.well-known/cosign.pub`.
const KeyCosign KeyKind = "cosign"

const cosignKeyID = "cosign"

// ensureCosign returns the image-signing key, creating it on first start.
func (r *KeyRing) ensureCosign(ctx context.Context, keys []Key) (*ecdsa.PrivateKey, error) {
	for _, k := range keys {
		if k.Kind == KeyCosign {
			_, priv, err := r.parseKey(k)
			return priv, err
		}
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the image-signing key: %w", err)
	}
	tmpl := r.template("Berth image signing", rootValidity)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, fmt.Errorf("creating the image-signing certificate: %w", err)
	}
	k, err := r.newKey(cosignKeyID, KeyCosign, priv, der)
	if err != nil {
		return nil, err
	}
	if err := r.store.AddKey(ctx, k); errors.Is(err, ErrConflict) {
		// Another instance created it first: use theirs.
		keys, err := r.store.Keys(ctx)
		if err != nil {
			return nil, err
		}
		return r.ensureCosign(ctx, keys)
	} else if err != nil {
		return nil, fmt.Errorf("storing the image-signing key: %w", err)
	}
	return priv, nil
}

// CosignSigner returns Berth's image-signing key.
func (r *KeyRing) CosignSigner() crypto.Signer {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cosign
}

// CosignPublicPEM returns Berth's image-signing public key as cosign.pub.
func (r *KeyRing) CosignPublicPEM() []byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.cosign == nil {
		return nil
	}
	der, err := x509.MarshalPKIXPublicKey(&r.cosign.PublicKey)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// DeriveSecret returns a secret for label derived from the root key, the
// same on every instance and never stored: webhook signing secrets come
// from it.
func (r *KeyRing) DeriveSecret(label string) []byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.rootKey == nil {
		return nil
	}
	key, err := r.rootKey.Bytes()
	if err != nil {
		return nil
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("berth derived secret: " + label))
	return m.Sum(nil)
}
