package storetesting

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTimesKeepNanosecondsAndZones(t *testing.T) {
	for _, tm := range []time.Time{T0, T1, T2} {
		if tm.Nanosecond()%int(time.Millisecond) == 0 {
			t.Errorf("%v has no sub-millisecond part", tm)
		}
	}
	if T1.Location() == time.UTC {
		t.Errorf("T1 is in UTC, want another zone")
	}
}

func TestRunGivesEachTestANewStoreInOrder(t *testing.T) {
	var stores, ran []int
	newStore := func(*testing.T) int {
		stores = append(stores, len(stores)+1)
		return len(stores)
	}
	test := func(name string) Test[int] {
		return Test[int]{Name: name, Run: func(t *testing.T, s int) {
			ran = append(ran, s)
			if got := t.Name(); got != "TestRunGivesEachTestANewStoreInOrder/"+name {
				t.Errorf("subtest name = %q", got)
			}
		}}
	}
	Run(t, newStore, []Test[int]{test("a"), test("b"), test("c")})
	if diff := cmp.Diff([]int{1, 2, 3}, ran); diff != "" {
		t.Errorf("stores the tests got (-want +got):\n%s", diff)
	}
}

func TestNewStoreCallsNewTwiceOnOneDatabase(t *testing.T) {
	var dbs []string
	got := NewStore(t, "db", func(_ context.Context, db string) (int, error) {
		dbs = append(dbs, db)
		return len(dbs), nil
	})
	if got != 1 {
		t.Errorf("NewStore returned the store of call %d, want the first", got)
	}
	if diff := cmp.Diff([]string{"db", "db"}, dbs); diff != "" {
		t.Errorf("databases newStore was called on (-want +got):\n%s", diff)
	}
}

func TestNewStoreFailsWhenEitherCallFails(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		failOn int
		want   string
	}{
		{1, "New: boom"},
		{2, "New again: boom"},
	} {
		r := &recorder{TB: t}
		calls := 0
		NewStore(r, "db", func(context.Context, string) (int, error) {
			calls++
			if calls == tc.failOn {
				return 0, boom
			}
			return calls, nil
		})
		if r.fatal != tc.want {
			t.Errorf("failing call %d: Fatalf(%q), want %q", tc.failOn, r.fatal, tc.want)
		}
	}
}

// recorder is a testing.TB that records a Fatalf instead of stopping the
// test, so that NewStore's failures can be checked.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	if r.fatal == "" {
		r.fatal = fmt.Sprintf(format, args...)
	}
}
