// Package kek seals Berth's private keys at rest with a key-encryption key
// (KEK) kept outside the database, so that a copy of the database alone can
// neither mint registry tokens nor recompute webhook secrets. A sealed value
// is AES-256-GCM under the KEK and names the KEK that sealed it, so that a
// rotation can still open values sealed before it while it seals them again.
package kek

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Size is the length of a KEK in bytes: an AES-256 key.
const Size = 32

// idSize is the length of the KEK id an envelope carries.
const idSize = 8

// magic starts every sealed value. A PKCS#8 key (DER, a SEQUENCE: 0x30)
// never does, so a stored value without it is one written before
// encryption.
var magic = []byte("BKEK\x01")

// headerSize is the length of an envelope's header: magic, KEK id, nonce.
const headerSize = 5 + idSize + 12

// Errors callers compare with errors.Is.
var (
	// ErrUnknownKEK means a value was sealed with a KEK this process was not
	// given: it runs with another KEK than the one the database was
	// encrypted with.
	ErrUnknownKEK = errors.New("sealed with another key-encryption key")
	// ErrTampered means a value names a KEK this process has but does not
	// decrypt: it was altered, or copied to another key's record.
	ErrTampered = errors.New("sealed value does not authenticate")
)

// Key is one key-encryption key.
type Key struct {
	raw  []byte
	id   [idSize]byte
	aead cipher.AEAD
}

// New returns the KEK whose bytes are raw, which must be Size random bytes.
func New(raw []byte) (*Key, error) {
	if len(raw) != Size {
		return nil, fmt.Errorf("want a key of %d bytes, got %d", Size, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("preparing the key-encryption key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("preparing the key-encryption key: %w", err)
	}
	k := &Key{raw: bytes.Clone(raw), aead: aead}
	// The id is a MAC under the key, not a hash of it: it names the key
	// without offering anything to test guesses of it against.
	m := hmac.New(sha256.New, raw)
	m.Write([]byte("berth kek id"))
	copy(k.id[:], m.Sum(nil))
	return k, nil
}

// Generate returns a new random KEK.
func Generate() (*Key, error) {
	raw := make([]byte, Size)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generating a key-encryption key: %w", err)
	}
	return New(raw)
}

// Parse reads a KEK written in base64, the form of BERTH_KEK and of a KEK
// file (`openssl rand -base64 32` makes one). Surrounding space is ignored.
func Parse(text string) (*Key, error) {
	text = strings.TrimSpace(text)
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(text)
	}
	if err != nil {
		return nil, fmt.Errorf("want %d random bytes in base64 (openssl rand -base64 32): not base64", Size)
	}
	if len(raw) != Size {
		return nil, fmt.Errorf("want %d random bytes in base64 (openssl rand -base64 32), got %d bytes", Size, len(raw))
	}
	return New(raw)
}

// Encode returns k in the form Parse reads, with a final newline.
func (k *Key) Encode() string { return base64.StdEncoding.EncodeToString(k.raw) + "\n" }

// String names k without revealing it, so that printing a Key with %v
// never prints the secret.
func (k *Key) String() string { return "key-encryption key " + k.ID() }

// ID names k in envelopes and messages without revealing it.
func (k *Key) ID() string { return hex.EncodeToString(k.id[:]) }

// SealedBy returns the id of the KEK that sealed stored, or false when
// stored is not a sealed value.
func SealedBy(stored []byte) (string, bool) {
	if len(stored) < headerSize || !bytes.HasPrefix(stored, magic) {
		return "", false
	}
	return hex.EncodeToString(stored[len(magic) : len(magic)+idSize]), true
}

// Ring seals with one KEK and opens with it or with previous ones, so that
// values sealed before a rotation stay readable until they are sealed again.
type Ring struct {
	current  *Key
	previous []*Key
}

// NewRing returns a ring that seals with current and also opens values
// sealed with previous.
func NewRing(current *Key, previous ...*Key) *Ring {
	return &Ring{current: current, previous: previous}
}

// Next returns a ring that seals with next and still opens everything r
// opens: the ring of a rotation in progress.
func (r *Ring) Next(next *Key) *Ring {
	return NewRing(next, append([]*Key{r.current}, r.previous...)...)
}

// ID is the id of the KEK the ring seals with.
func (r *Ring) ID() string { return r.current.ID() }

// Seal encrypts plaintext, bound to aad: it opens only with the same aad.
func (r *Ring) Seal(plaintext, aad []byte) ([]byte, error) {
	k := r.current
	out := make([]byte, headerSize, headerSize+len(plaintext)+k.aead.Overhead())
	copy(out, magic)
	copy(out[len(magic):], k.id[:])
	if _, err := rand.Read(out[len(magic)+idSize : headerSize]); err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	return k.aead.Seal(out, out[len(magic)+idSize:headerSize], plaintext, associated(out[:len(magic)+idSize], aad)), nil
}

// Open returns the plaintext of stored, sealed with aad, and whether it
// should be sealed again: it was sealed with a previous KEK, or it is not
// sealed at all (a value stored before encryption, returned as it is).
func (r *Ring) Open(stored, aad []byte) (plaintext []byte, stale bool, err error) {
	id, ok := SealedBy(stored)
	if !ok {
		return stored, true, nil
	}
	for i, k := range append([]*Key{r.current}, r.previous...) {
		if k.ID() != id {
			continue
		}
		plain, err := k.aead.Open(nil, stored[len(magic)+idSize:headerSize], stored[headerSize:], associated(stored[:len(magic)+idSize], aad))
		if err != nil {
			return nil, false, fmt.Errorf("%w (key-encryption key %s)", ErrTampered, id)
		}
		return plain, i > 0, nil
	}
	return nil, false, fmt.Errorf("%w: it names key %s, this process has %s", ErrUnknownKEK, id, r.known())
}

// known lists the ids of the ring's KEKs.
func (r *Ring) known() string {
	ids := []string{r.current.ID()}
	for _, k := range r.previous {
		ids = append(ids, k.ID())
	}
	return strings.Join(ids, " and ")
}

// associated is the additional data a value is sealed with: its header, so
// that the KEK id cannot be swapped, and the caller's aad.
func associated(header, aad []byte) []byte {
	return append(bytes.Clone(header), aad...)
}
