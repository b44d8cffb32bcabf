package storecodec

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTime(t *testing.T) {
	for _, in := range []time.Time{
		{},
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.FixedZone("X", -3600)),
		time.Date(1900, 1, 1, 0, 0, 0, 1, time.UTC),
	} {
		got := ParseTime(Time(in))
		if !got.Equal(in) || got.IsZero() != in.IsZero() {
			t.Errorf("ParseTime(Time(%v)) = %v", in, got)
		}
		if !got.IsZero() && got.Location() != time.UTC {
			t.Errorf("ParseTime(Time(%v)) is in %v, want UTC", in, got.Location())
		}
	}
	if Time(time.Time{}) != 0 {
		t.Errorf("Time(zero) = %d, want 0", Time(time.Time{}))
	}
}

func TestDistinct(t *testing.T) {
	got := Distinct([]string{"b", "a", "b", "c", "a"})
	if diff := cmp.Diff([]string{"b", "a", "c"}, got); diff != "" {
		t.Errorf("Distinct (-want +got):\n%s", diff)
	}
}

func TestNilIfEmpty(t *testing.T) {
	for _, tc := range []struct {
		in, want []string
	}{
		{nil, nil},
		{[]string{}, nil},
		{[]string{""}, []string{""}},
		{[]string{"a", "b"}, []string{"a", "b"}},
	} {
		got := NilIfEmpty(tc.in)
		if (got == nil) != (tc.want == nil) {
			t.Errorf("NilIfEmpty(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("NilIfEmpty(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}
