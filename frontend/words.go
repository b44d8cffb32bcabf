package frontend

import (
	"fmt"
	"strings"
	"time"
)

// nbsp joins a number to its unit with a non-breaking space ("87.7 kB"),
// so that a narrow column never wraps the unit onto a line of its own.
func nbsp(s string) string { return strings.ReplaceAll(s, " ", "\u00a0") }

// span is a duration that prints in words ("5 minutes", "1 hour 30
// minutes") instead of Go's "5m0s".
type span time.Duration

// String renders the span in days, hours, minutes and seconds, largest
// first, leaving out zero parts.
func (d span) String() string {
	left := time.Duration(d).Round(time.Second)
	if left <= 0 {
		return "0 seconds"
	}
	var parts []string
	for _, u := range []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		if n := left / u.size; n > 0 {
			parts = append(parts, plural(int64(n), u.name))
			left -= n * u.size
		}
	}
	return strings.Join(parts, " ")
}

// plural renders "1 seat", "25 seats".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// article returns "a" or "an" for the word that follows it ("an
// Express license", "a Standard license"), by its first letter.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

// copyTarget is what the "copy" and "command" partials (templates/_copy.html)
// take: the id of the element to copy, words naming it for the button's
// label, and for "command" the text and an optional class.
type copyTarget struct {
	Target, What, Text, Class string
}

// copyOf is the "copy" partial's argument: a button copying element id.
func copyOf(id, what string) copyTarget { return copyTarget{Target: id, What: what} }

// commandOf is the "command" partial's argument: text in a code block of
// that id, and its copy button; class (optional) classes the code.
func commandOf(id, what, text string, class ...string) copyTarget {
	return copyTarget{Target: id, What: what, Text: text, Class: strings.Join(class, " ")}
}
