// Package storecodec holds the value encodings that the SQLite and the
// MongoDB stores share, so that both keep the same values the same way and a
// value reads back alike from either.
package storecodec

import "time"

// Time encodes t as Unix nanoseconds in UTC; the zero time encodes as 0.
// Nanoseconds keep every time.Now() exact (BSON dates keep only
// milliseconds) and sort numerically; the representable range is the years
// 1678 to 2262, and the Unix epoch itself reads back as the zero time.
func Time(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// ParseTime decodes what Time encoded, in UTC; 0 decodes as the zero time.
func ParseTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Distinct returns s without repeated elements, keeping first occurrences in
// order. The SQLite stores keep such lists in side tables whose key would
// reject a repeat; the MongoDB stores apply it too, so that both keep the
// same list.
func Distinct(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// NilIfEmpty returns nil for an empty list and s otherwise, so that every
// store reads an empty list back as nil.
func NilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
