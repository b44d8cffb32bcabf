package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

// Options adjusts a suite to what a store's database can do.
type Options struct {
	// NotAtomic, when set, says why the database may apply concurrent
	// conditional updates as read-modify-write (FerretDB v1 does), and skips
	// the tests that claim seats and count pulls concurrently. Such a store
	// keeps its caps only as far as its database does.
	NotAtomic string
}

// RunUsage runs the usage suite. newStore must return a new, empty store for
// each call.
func RunUsage(t *testing.T, newStore func(t *testing.T) licensing.UsageStore, o Options) {
	concurrent := func(run func(*testing.T, licensing.UsageStore)) func(*testing.T, licensing.UsageStore) {
		if o.NotAtomic == "" {
			return run
		}
		return func(t *testing.T, _ licensing.UsageStore) { t.Skip(o.NotAtomic) }
	}
	storetesting.Run(t, newStore, []storetesting.Test[licensing.UsageStore]{
		{Name: "Seats", Run: testSeats},
		{Name: "ReleaseSeat", Run: testReleaseSeat},
		{Name: "SeatsUncapped", Run: testSeatsUncapped},
		{Name: "SeatsConcurrently", Run: concurrent(testSeatsConcurrently)},
		{Name: "TokenRecords", Run: testTokenRecords},
		{Name: "TokenRecordDuplicates", Run: testTokenRecordDuplicates},
		{Name: "Pulls", Run: testPulls},
		{Name: "PullDuplicates", Run: testPullDuplicates},
		{Name: "CountPull", Run: testCountPull},
		{Name: "CountPullConcurrently", Run: concurrent(testCountPullConcurrently)},
		{Name: "Releases", Run: testReleases},
		{Name: "Prune", Run: testPrune},
	})
}

func testSeats(t *testing.T, s licensing.UsageStore) {
	for _, step := range []struct {
		name, license, holder string
		max                   int
		at                    time.Time
		want                  bool
	}{
		{"first", "l1", "user:u1", 2, storetesting.T0, true},
		{"second", "l1", "pat:p1", 2, storetesting.T1, true},
		{"over the cap", "l1", "key", 2, storetesting.T2, false},
		{"holder again keeps its claim time", "l1", "user:u1", 2, storetesting.T2, true},
		{"holder under a lowered cap", "l1", "pat:p1", 1, storetesting.T2, true},
		{"other under a lowered cap", "l1", "key", 1, storetesting.T2, false},
		{"other license", "l2", "key", 1, storetesting.T2, true},
		{"other license is full", "l2", "user:u1", 1, storetesting.T2, false},
	} {
		if got := mustClaim(t, s, step.license, step.holder, step.max, step.at); got != step.want {
			t.Errorf("%s: ClaimSeat(%s, %s, %d) = %v, want %v", step.name, step.license, step.holder, step.max, got, step.want)
		}
	}
	checkSeats(t, s, "l1", []licensing.Seat{
		{LicenseID: "l1", Holder: "user:u1", ClaimedAt: storetesting.T0},
		{LicenseID: "l1", Holder: "pat:p1", ClaimedAt: storetesting.T1},
	})
	checkSeats(t, s, "l2", []licensing.Seat{{LicenseID: "l2", Holder: "key", ClaimedAt: storetesting.T2}})
	checkSeats(t, s, "l3", nil)
}

func testReleaseSeat(t *testing.T, s licensing.UsageStore) {
	ctx := context.Background()
	mustClaim(t, s, "l1", "user:u1", 2, storetesting.T0)
	mustClaim(t, s, "l1", "pat:p1", 2, storetesting.T1)
	mustClaim(t, s, "l2", "key", 2, storetesting.T1)
	if err := s.ReleaseSeat(ctx, "l1", "user:u1"); err != nil {
		t.Fatalf("ReleaseSeat: %v", err)
	}
	if !mustClaim(t, s, "l1", "key", 2, storetesting.T2) {
		t.Error("ClaimSeat after a release = false, want true")
	}
	if mustClaim(t, s, "l1", "user:u1", 2, storetesting.T2) {
		t.Error("ClaimSeat of the released holder on a full license = true, want false")
	}
	checkSeats(t, s, "l1", []licensing.Seat{
		{LicenseID: "l1", Holder: "pat:p1", ClaimedAt: storetesting.T1},
		{LicenseID: "l1", Holder: "key", ClaimedAt: storetesting.T2},
	})
	for _, tc := range []struct{ license, holder string }{
		{"l1", "user:u1"}, // released already
		{"l2", "pat:p1"},  // holds a seat on another license
		{"l3", "key"},     // no seats at all
		{"l1", ""},
	} {
		if err := s.ReleaseSeat(ctx, tc.license, tc.holder); !errors.Is(err, licensing.ErrNotFound) {
			t.Errorf("ReleaseSeat(%s, %q): err = %v, want ErrNotFound", tc.license, tc.holder, err)
		}
	}
	checkSeats(t, s, "l2", []licensing.Seat{{LicenseID: "l2", Holder: "key", ClaimedAt: storetesting.T1}})
	for _, h := range []string{"pat:p1", "key"} {
		if err := s.ReleaseSeat(ctx, "l1", h); err != nil {
			t.Fatalf("ReleaseSeat(l1, %s): %v", h, err)
		}
	}
	checkSeats(t, s, "l1", nil)
	if !mustClaim(t, s, "l1", "user:u2", 1, storetesting.T2) {
		t.Error("ClaimSeat on an emptied license = false, want true")
	}
}

func testSeatsUncapped(t *testing.T, s licensing.UsageStore) {
	var want []licensing.Seat
	for i, limit := range []int{0, 0, -1, 0, 0} {
		holder, at := fmt.Sprintf("user:u%d", i), storetesting.T0.Add(time.Duration(i)*time.Second)
		if !mustClaim(t, s, "l1", holder, limit, at) {
			t.Errorf("ClaimSeat(%s, limit %d) = false, want true", holder, limit)
		}
		want = append(want, licensing.Seat{LicenseID: "l1", Holder: holder, ClaimedAt: at})
	}
	checkSeats(t, s, "l1", want)
}

// testSeatsConcurrently claims seats for more holders than fit, each
// holder from several goroutines at once: exactly the cap's worth of
// holders get one seat each, and every claim of a holder agrees.
func testSeatsConcurrently(t *testing.T, s licensing.UsageStore) {
	const holders, copies, limit = 8, 3, 3
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got = map[string][]bool{}
	)
	for i := range holders * copies {
		wg.Go(func() {
			holder := fmt.Sprintf("user:u%d", i%holders)
			ok, err := s.ClaimSeat(context.Background(), "l1", holder, limit, storetesting.T0)
			if err != nil {
				t.Errorf("ClaimSeat(%s): %v", holder, err)
			}
			mu.Lock()
			defer mu.Unlock()
			got[holder] = append(got[holder], ok)
		})
	}
	wg.Wait()
	var winners []string
	for holder, oks := range got {
		for _, ok := range oks[1:] {
			if ok != oks[0] {
				t.Errorf("claims of %s disagree: %v", holder, oks)
			}
		}
		if oks[0] {
			winners = append(winners, holder)
		}
	}
	if len(winners) != limit {
		t.Errorf("%d holders got a seat (%q), want %d", len(winners), winners, limit)
	}
	if seats := mustSeats(t, s, "l1"); len(seats) != limit {
		t.Errorf("%d seats stored (%+v), want %d", len(seats), seats, limit)
	}
}

// mustClaim claims a seat and fails the test on error.
func mustClaim(t *testing.T, s licensing.UsageStore, licenseID, holder string, limit int, at time.Time) bool {
	t.Helper()
	ok, err := s.ClaimSeat(context.Background(), licenseID, holder, limit, at)
	if err != nil {
		t.Fatalf("ClaimSeat(%s, %s): %v", licenseID, holder, err)
	}
	return ok
}

// mustSeats lists the license's seats and fails the test on error.
func mustSeats(t *testing.T, s licensing.UsageStore, licenseID string) []licensing.Seat {
	t.Helper()
	seats, err := s.Seats(context.Background(), licenseID)
	if err != nil {
		t.Fatalf("Seats(%s): %v", licenseID, err)
	}
	return seats
}

// checkSeats checks the license's seats.
func checkSeats(t *testing.T, s licensing.UsageStore, licenseID string, want []licensing.Seat) {
	t.Helper()
	if diff := cmp.Diff(want, mustSeats(t, s, licenseID), equate); diff != "" {
		t.Errorf("Seats(%s) (-want +got):\n%s", licenseID, diff)
	}
}
