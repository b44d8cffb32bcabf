package sqldb

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/berth/berth/internal/storecodec"
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

// NameDuplicate puts the column a UNIQUE or PRIMARY KEY violation names in
// front of err ("duplicate sessions.token_hash: ..."); any other err, nil
// included, is returned as it is.
func NameDuplicate(err error) error {
	if column, ok := UniqueViolation(err); ok {
		return fmt.Errorf("duplicate %s: %w", column, err)
	}
	return err
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
	return storecodec.NilIfEmpty(s), nil
}
