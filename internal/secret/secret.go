// Package secret makes and checks the random values Berth hands out: record
// IDs, license keys and tokens. Every value comes from crypto/rand, secrets
// are stored only as hashes, and comparisons take constant time.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// encoding is lower-case base32 without padding: URL-safe, case-insensitive
// friendly and free of characters that break shell quoting.
var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// random returns n bytes from crypto/rand encoded with encoding.
func random(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error on supported platforms (Go 1.24+
	// crashes the program instead), so there is nothing to handle.
	_, _ = rand.Read(b)
	return encoding.EncodeToString(b)
}

// ID returns a new random record identifier (128 bits).
func ID() string { return random(16) }

// Token returns prefix followed by 256 random bits. The prefix makes a leaked
// value recognisable to secret scanners and tells credential kinds apart.
func Token(prefix string) string { return prefix + random(32) }

// Hash returns the hex SHA-256 of a high-entropy secret. It is the stored form
// of license keys and tokens; passwords need a slow hash instead.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Hint returns the last four characters of a secret, enough to tell keys apart
// in a list without weakening them.
func Hint(s string) string {
	if len(s) <= 4 {
		return strings.Repeat("*", len(s))
	}
	return s[len(s)-4:]
}
