package frontend

import (
	"testing"
	"time"
)

func TestWords(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{span(5 * time.Minute).String(), "5 minutes"},
		{span(90 * time.Minute).String(), "1 hour 30 minutes"},
		{span(time.Second).String(), "1 second"},
		{span(0).String(), "0 seconds"},
		{article("Express") + " Express", "an Express"},
		{article("Standard") + " Standard", "a Standard"},
		{nbsp("87.7 kB"), "87.7\u00a0kB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
