// Package plaintext checks text people type into names, summaries and
// descriptions for characters that do not belong there: invalid UTF-8,
// control characters (Unicode category Cc, NUL among them) and invisible
// format characters (Cf), such as the bidirectional overrides that make text
// display differently from what it is. Stores and other programs would
// otherwise keep, compare and show text that looks like something else.
package plaintext

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Line checks one line of text (a name, a summary): no Cc or Cf character
// at all. The error says which character to remove.
func Line(s string) error {
	return check(s, func(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf) })
}

// Text checks text of several lines (a description, license terms): tabs and
// line breaks are allowed, and so are format characters that writing needs
// (zero-width joiners in emoji, soft hyphens), but not other control
// characters nor the bidirectional embeddings, overrides and isolates.
func Text(s string) error {
	return check(s, func(r rune) bool {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return false
		case unicode.Is(unicode.Cc, r):
			return true
		}
		return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
	})
}

func check(s string, bad func(rune) bool) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8 text: send it in UTF-8")
	}
	for _, r := range s {
		if bad(r) {
			return fmt.Errorf("contains %U, a control or invisible formatting character: remove it", r)
		}
	}
	return nil
}
