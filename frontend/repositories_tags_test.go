package frontend

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSortTags(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"latest first", []string{"a", "latest", "1"}, []string{"latest", "1", "a"}},
		{"numbers by value", []string{"1.10", "1.9", "1.2.3", "10", "2"}, []string{"1.2.3", "1.9", "1.10", "2", "10"}},
		{"suffixes after the plain version", []string{"1.0-alpha", "1.0", "1.0-alpha2", "1.0-alpha10"},
			[]string{"1.0", "1.0-alpha", "1.0-alpha2", "1.0-alpha10"}},
		{"leading zeros tie-broken as text", []string{"1", "01", "001"}, []string{"001", "01", "1"}},
		{"words", []string{"stable", "edge", "bookworm"}, []string{"bookworm", "edge", "stable"}},
		{"empty", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := append([]string(nil), tt.in...)
			sortTags(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sortTags(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
