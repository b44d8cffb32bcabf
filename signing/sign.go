package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// errBadSignature is what Verify wraps when a signature does not match.
var errBadSignature = errors.New("signature does not match")

// Sign signs payload the way cosign does: an ASN.1 DER ECDSA signature of
// SHA-256(payload) for P-256 keys, ed25519.Sign over the raw payload for
// Ed25519 keys. signer may be backed by a KMS or HSM; only its Public key
// type matters.
//
// A key held in memory signs deterministically (RFC 6979 for ECDSA;
// Ed25519 always is): the same payload always gives the same bytes. Two
// workers that both counter-sign one upload (a job whose lease lapsed while
// it ran, and the instance that took it over) then write the same
// signature manifest, whose digest the registry stores once, instead of
// two signatures.
func Sign(signer crypto.Signer, payload []byte) ([]byte, error) {
	pub := signer.Public()
	if err := checkPublicKey(pub); err != nil {
		return nil, fmt.Errorf("signing payload: %w", err)
	}
	var (
		sig []byte
		err error
	)
	switch pub.(type) {
	case *ecdsa.PublicKey:
		sum := sha256.Sum256(payload)
		sig, err = signer.Sign(entropy(signer), sum[:], crypto.SHA256)
	case ed25519.PublicKey:
		sig, err = signer.Sign(rand.Reader, payload, crypto.Hash(0))
	}
	if err != nil {
		return nil, fmt.Errorf("signing payload: %w", err)
	}
	return sig, nil
}

// entropy is the random source for an ECDSA signature by signer: none (a
// deterministic signature) for an in-memory key, crypto/rand for any other
// signer, which may not accept nil.
func entropy(signer crypto.Signer) io.Reader {
	if _, ok := signer.(*ecdsa.PrivateKey); ok {
		return nil
	}
	return rand.Reader
}

// Verify checks sig over payload with pub, as cosign verify --key does.
func Verify(pub crypto.PublicKey, payload, sig []byte) error {
	if err := checkPublicKey(pub); err != nil {
		return fmt.Errorf("verifying signature: %w", err)
	}
	ok := false
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		sum := sha256.Sum256(payload)
		ok = ecdsa.VerifyASN1(k, sum[:], sig)
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, payload, sig)
	}
	if !ok {
		return fmt.Errorf("verifying signature: %w", errBadSignature)
	}
	return nil
}
