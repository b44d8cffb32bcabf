package signing

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
)

// ErrUnsupportedKey reports a key that is neither ECDSA P-256 nor Ed25519,
// the two key types cosign key pairs use.
var ErrUnsupportedKey = errors.New("unsupported key: want ECDSA P-256 or Ed25519")

// ParsePublicKey parses a PEM "PUBLIC KEY" block (PKIX, as in cosign.pub)
// holding an ECDSA P-256 or Ed25519 key. It returns *ecdsa.PublicKey or
// ed25519.PublicKey.
func ParsePublicKey(pemBytes []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("parsing public key: no PEM block found")
	}
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("parsing public key: PEM block is %q, want \"PUBLIC KEY\"", block.Type)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	if err := checkPublicKey(pub); err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	return pub, nil
}

// ParsePrivateKey parses an unencrypted PEM private key: PKCS#8 "PRIVATE
// KEY" (ECDSA P-256 or Ed25519) or SEC 1 "EC PRIVATE KEY" (ECDSA P-256; a
// leading "EC PARAMETERS" block, as openssl ecparam writes, is skipped).
//
// Cosign's own password-encrypted cosign.key format ("ENCRYPTED SIGSTORE
// PRIVATE KEY") is not supported: generate the key with openssl and, if
// cosign needs it too, convert it with "cosign import-key-pair".
func ParsePrivateKey(pemBytes []byte) (crypto.Signer, error) {
	rest := pemBytes
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("parsing private key: no PEM private key block found")
		}
		switch block.Type {
		case "EC PARAMETERS":
			continue
		case "PRIVATE KEY":
			key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parsing private key: %w", err)
			}
			return privateSigner(key)
		case "EC PRIVATE KEY":
			key, err := x509.ParseECPrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parsing private key: %w", err)
			}
			return privateSigner(key)
		case "ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("parsing private key: encrypted %q keys are not supported, use an unencrypted PKCS#8 or EC key", block.Type)
		default:
			return nil, fmt.Errorf("parsing private key: PEM block is %q, want \"PRIVATE KEY\" or \"EC PRIVATE KEY\"", block.Type)
		}
	}
}

// privateSigner returns key as a crypto.Signer if it is a supported type.
func privateSigner(key any) (crypto.Signer, error) {
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("parsing private key: %w, got %T", ErrUnsupportedKey, key)
	}
	if err := checkPublicKey(signer.Public()); err != nil {
		return nil, fmt.Errorf("parsing private key: %w", err)
	}
	return signer, nil
}

// MarshalPublicKey encodes pub as a PEM "PUBLIC KEY" block, the format of
// cosign.pub.
func MarshalPublicKey(pub crypto.PublicKey) ([]byte, error) {
	if err := checkPublicKey(pub); err != nil {
		return nil, fmt.Errorf("marshalling public key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshalling public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// Fingerprint returns the hex SHA-256 of pub's PKIX DER encoding, a stable
// name for a key. It returns "" for a key that has no PKIX encoding.
func Fingerprint(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// checkPublicKey reports ErrUnsupportedKey unless pub is ECDSA P-256 or
// Ed25519.
func checkPublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return fmt.Errorf("%w, got ECDSA %s", ErrUnsupportedKey, k.Curve.Params().Name)
		}
		return nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("%w, got Ed25519 key of %d bytes", ErrUnsupportedKey, len(k))
		}
		return nil
	default:
		return fmt.Errorf("%w, got %s", ErrUnsupportedKey, keyKind(pub))
	}
}

// keyKind names a key type for error messages without printing the key.
func keyKind(pub crypto.PublicKey) string {
	switch pub.(type) {
	case nil:
		return "no key"
	case *rsa.PublicKey:
		return "RSA"
	case *ecdh.PublicKey:
		return "ECDH"
	default:
		return fmt.Sprintf("%T", pub)
	}
}
