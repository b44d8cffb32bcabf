package frontend

import (
	"fmt"
	"strings"
	"time"
)

// nbsp joins a number to its unit with a non-breaking space ("87.7 kB"),
// so that a narrow column never wraps the unit onto a line of its own.
func nbsp(s string) string { return strings.ReplaceAll(s, " ", "\u00a0") }

// span is a duration that prints in words through humanDuration
// ("5 minutes") instead of Go's "5m0s", for page fields such as the
// registry token lifetime.
type span time.Duration

// String is humanDuration of the span.
func (d span) String() string { return humanDuration(time.Duration(d)) }

// humanDuration says a duration in words ("5 minutes", "1 hour 30
// minutes", "2 days"), to the two largest units, for pages: Go's own
// form ("5m0s") is not for people. Every page that shows a duration uses
// it (template func humanDuration).
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < time.Second {
		return "less than a second"
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 {
			parts = append(parts, plural(int64(n), u.name))
			d -= n * u.size
		}
		if len(parts) == 2 || len(parts) == 1 && d == 0 {
			break
		}
	}
	return strings.Join(parts, " ")
}

// plural is n and the noun, with an s unless n is one: "1 day", "3 days".
func plural(n int64, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
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
