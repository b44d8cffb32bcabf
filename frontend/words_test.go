package frontend

import (
	"testing"
	"time"
)

func TestHumanDuration(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want string
	}{
		{5 * time.Minute, "5 minutes"},
		{time.Minute, "1 minute"},
		{90 * time.Minute, "1 hour 30 minutes"},
		{48 * time.Hour, "2 days"},
		{25*time.Hour + 30*time.Minute + 5*time.Second, "1 day 1 hour"},
		{61 * time.Second, "1 minute 1 second"},
		{300 * time.Millisecond, "less than a second"},
	} {
		if got := humanDuration(c.in); got != c.want {
			t.Errorf("humanDuration(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWords(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{span(5 * time.Minute).String(), "5 minutes"},
		{span(90 * time.Minute).String(), "1 hour 30 minutes"},
		{article("Express") + " Express", "an Express"},
		{article("Standard") + " Standard", "a Standard"},
		{nbsp("87.7 kB"), "87.7\u00a0kB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
