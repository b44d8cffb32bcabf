package account

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Joiners that writing needs: ZWNJ and ZWJ are format characters (Cf), but
// Persian, Hindi and other scripts use them inside words, and emoji
// sequences join with ZWJ. Free text (display names, token names,
// descriptions) keeps them; identifiers (usernames, emails) do not.
const (
	zeroWidthNonJoiner = '\u200C'
	zeroWidthJoiner    = '\u200D'
)

// invisible returns the first rune of s that a person reading s cannot see
// or that changes how the text around it is shown, and its byte offset:
// control characters (Cc), format characters (Cf: the bidirectional
// overrides and isolates U+202A..U+202E and U+2066..U+2069, the marks
// U+200E and U+200F, zero-width spaces, tag characters), the line and
// paragraph separators, and bytes that are not UTF-8 (reported as
// utf8.RuneError). Such runes let "admin\u202Egpj.exe" read as something it
// is not in a member list, an email or a log line. With joiners, ZWNJ and
// ZWJ are allowed. ok is false when there is none.
func invisible(s string, joiners bool) (r rune, at int, ok bool) {
	for i, c := range s {
		if c == utf8.RuneError && !validRuneAt(s, i) {
			return c, i, true
		}
		if joiners && (c == zeroWidthNonJoiner || c == zeroWidthJoiner) {
			continue
		}
		if unicode.In(c, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			return c, i, true
		}
	}
	return 0, 0, false
}

// validRuneAt reports whether the U+FFFD at byte i of s is really written
// there, rather than standing for a byte that is not UTF-8.
func validRuneAt(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size == 3
}

// plainText refuses s, naming field, when it holds an invisible rune (see
// invisible); joiners allows ZWNJ and ZWJ, which free text needs.
func plainText(field, s string, joiners bool) error {
	r, at, ok := invisible(s, joiners)
	if !ok {
		return nil
	}
	what := fmt.Sprintf("the invisible control or formatting character U+%04X", r)
	if r == utf8.RuneError {
		what = "bytes that are not UTF-8 text"
	}
	return &InvalidError{Field: field, Message: fmt.Sprintf(
		"remove %s (character %d): it can make text display as something other than what it is", what, utf8.RuneCountInString(s[:at])+1)}
}
