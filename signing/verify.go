package signing

import (
	"crypto"
	"errors"
	"fmt"
)

// Failure is the kind of a failed image verification. Its only values are
// the sentinels below; VerifyImage wraps one with detail, so callers use
// errors.Is to tell them apart and errors.As to read the Reason (say, for a
// policy decision log).
type Failure struct {
	Reason string
}

// Error returns the reason.
func (f *Failure) Error() string { return f.Reason }

// Verification failures, from least to most specific once an image has
// signatures at all.
var (
	// ErrUnsigned means the image has no signatures.
	ErrUnsigned = &Failure{Reason: "unsigned"}
	// ErrUnknownKey means no trusted key verifies any signature: signed
	// with a key that is not registered, or a bad (altered) signature; the
	// two cannot be told apart without the signer's key.
	ErrUnknownKey = &Failure{Reason: "unknown key or bad signature"}
	// ErrDigestMismatch means a trusted key signed a payload that names
	// another image digest (or is not a simple-signing payload at all).
	ErrDigestMismatch = &Failure{Reason: "digest mismatch"}
	// ErrReferenceMismatch means a trusted key signed this digest under a
	// docker-reference the caller does not accept.
	ErrReferenceMismatch = &Failure{Reason: "reference mismatch"}
)

// VerifyImage looks for one signature among sigs that a key in keys
// verifies, whose payload names digest, and whose docker-reference the
// reference func accepts (nil accepts any, as cosign does by default). It
// returns the index in keys of the key that verified it.
//
// Payload claims are only trusted once a key verifies the signature, so a
// forged payload can only ever yield ErrUnknownKey. When no signature
// passes, the error wraps the most specific failure any signature got:
// ErrReferenceMismatch, then ErrDigestMismatch, then ErrUnknownKey; with no
// signatures at all it wraps ErrUnsigned.
func VerifyImage(sigs []Signature, digest string, reference func(string) bool, keys []crypto.PublicKey) (keyIndex int, err error) {
	if len(sigs) == 0 {
		return -1, fmt.Errorf("%w: no signatures for %s", ErrUnsigned, digest)
	}
	var worst error
	rank := func(err error) int {
		switch {
		case err == nil:
			return 0
		case errors.Is(err, ErrReferenceMismatch):
			return 3
		case errors.Is(err, ErrDigestMismatch):
			return 2
		default:
			return 1
		}
	}
	for i, s := range sigs {
		k, err := checkSignature(i, s, digest, reference, keys)
		if err == nil {
			return k, nil
		}
		if rank(err) > rank(worst) {
			worst = err
		}
	}
	if rank(worst) == 1 {
		return -1, fmt.Errorf("%w: none of %d keys verifies any of the %d signatures for %s",
			ErrUnknownKey, len(keys), len(sigs), digest)
	}
	return -1, worst
}

// checkSignature verifies signature i against digest, reference and keys,
// returning the index of the verifying key.
func checkSignature(i int, s Signature, digest string, reference func(string) bool, keys []crypto.PublicKey) (int, error) {
	k := verifyingKey(keys, s)
	if k < 0 {
		return -1, ErrUnknownKey
	}
	by := fmt.Sprintf("signature %d by key %.12s", i, Fingerprint(keys[k]))
	ref, got, err := parsePayload(s.Payload)
	if err != nil {
		return -1, fmt.Errorf("%w: %s: %v", ErrDigestMismatch, by, err)
	}
	if got != digest {
		return -1, fmt.Errorf("%w: %s signs %s, not %s", ErrDigestMismatch, by, got, digest)
	}
	if reference != nil && !reference(ref) {
		return -1, fmt.Errorf("%w: %s names %q, which is not accepted for %s", ErrReferenceMismatch, by, ref, digest)
	}
	return k, nil
}

// verifyingKey returns the index of the first key that verifies s, or -1.
func verifyingKey(keys []crypto.PublicKey, s Signature) int {
	for k, pub := range keys {
		if Verify(pub, s.Payload, s.Signature) == nil {
			return k
		}
	}
	return -1
}
