package plugin

import (
	"bytes"
	"compress/gzip"
	"io"
)

// uncompress returns blob gunzipped, or blob itself when it is not gzip
// (an uncompressed layer).
func uncompress(blob []byte) ([]byte, error) {
	if len(blob) < 2 || blob[0] != 0x1f || blob[1] != 0x8b {
		return blob, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(zr)
}

// Uncompressed returns a layer blob's uncompressed bytes (gunzipped when it
// is gzip), for callers that recompute a diff ID themselves.
func Uncompressed(blob []byte) ([]byte, error) { return uncompress(blob) }
