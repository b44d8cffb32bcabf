// Package logoimage checks an uploaded logo by its content, never its
// name or declared type: a PNG, JPEG or WebP image of at most MaxBytes.
// SVG is not accepted: it can carry script. Listings' and publishers'
// logos both pass this one check.
package logoimage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// MaxBytes bounds a logo's size.
const MaxBytes = 256 << 10

// Errors of Check.
var (
	// ErrSize means the image is empty or larger than MaxBytes.
	ErrSize = errors.New("send a PNG, JPEG or WebP image of at most 256 KiB")
	// ErrType means the bytes are not a PNG, JPEG or WebP image.
	ErrType = errors.New("the image is not PNG, JPEG or WebP")
)

// types are the image types a logo may be, by their leading bytes.
var types = []struct {
	mime  string
	magic []byte
}{
	{"image/png", []byte("\x89PNG\r\n\x1a\n")},
	{"image/jpeg", []byte("\xff\xd8\xff")},
	{"image/webp", []byte("RIFF")},
}

// Check returns the content type of image, or ErrSize or ErrType.
func Check(image []byte) (string, error) {
	if len(image) == 0 || len(image) > MaxBytes {
		return "", ErrSize
	}
	for _, t := range types {
		if bytes.HasPrefix(image, t.magic) && (t.mime != "image/webp" || len(image) > 12 && string(image[8:12]) == "WEBP") {
			return t.mime, nil
		}
	}
	return "", ErrType
}

// Accepted reports whether mime is a type Check returns.
func Accepted(mime string) bool {
	for _, t := range types {
		if t.mime == mime {
			return true
		}
	}
	return false
}

// Tag is the hex SHA-256 of image: it names this version of a logo, in
// its URL and ETag.
func Tag(image []byte) string {
	sum := sha256.Sum256(image)
	return hex.EncodeToString(sum[:])
}
