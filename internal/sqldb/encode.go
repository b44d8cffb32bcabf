package sqldb

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// UniqueViolation reports whether err is a UNIQUE or PRIMARY KEY constraint
// failure and, if so, which column it names as "table.column" (several
// columns are joined by ", "), so that a store can map it to the right domain
// error.
func UniqueViolation(err error) (column string, ok bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return "", false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
	default:
		return "", false
	}
	// The message reads "... constraint failed: users.email (2067)".
	msg := se.Error()
	const marker = "constraint failed: "
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return "", true
	}
	column = msg[i+len(marker):]
	if j := strings.LastIndex(column, " ("); j >= 0 {
		column = column[:j]
	}
	return strings.TrimSpace(column), true
}

// Time encodes t for an INTEGER column as Unix nanoseconds in UTC; the zero
// time encodes as 0. Nanoseconds keep every time.Now() exact and sort
// numerically; the representable range is the years 1678 to 2262, and the
// Unix epoch itself reads back as the zero time.
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

// Strings encodes a string list as JSON text; nil encodes as "[]".
func Strings(s []string) string {
	if s == nil {
		return "[]"
	}
	// Marshalling a []string cannot fail.
	b, _ := json.Marshal(s)
	return string(b)
}

// ParseStrings decodes what Strings encoded; an empty list decodes as nil.
func ParseStrings(text string) ([]string, error) {
	var s []string
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		return nil, fmt.Errorf("decoding string list: %w", err)
	}
	if len(s) == 0 {
		return nil, nil
	}
	return s, nil
}

// Distinct returns s without repeated elements, keeping first occurrences in
// order. Stores apply it to lists kept in side tables whose key would reject a
// repeat.
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
