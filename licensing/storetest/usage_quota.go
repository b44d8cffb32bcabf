package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

func testCountPull(t *testing.T, s licensing.UsageStore) {
	const day, nextDay, month = "2026-11-27", "2026-11-28", "2026-11"
	for _, step := range []struct {
		name, license, period string
		limit, want           int
		counted               bool
	}{
		{"first", "l1", day, 3, 1, true},
		{"second", "l1", day, 3, 2, true},
		{"reaches the limit", "l1", day, 3, 3, true},
		{"over the limit", "l1", day, 3, 3, false},
		{"still over the limit", "l1", day, 3, 3, false},
		{"next period", "l1", nextDay, 3, 1, true},
		{"other license", "l2", day, 3, 1, true},
		{"raised limit", "l1", day, 4, 4, true},
		{"lowered limit", "l1", day, 2, 4, false},
		{"unlimited", "l1", month, 0, 1, true},
		{"unlimited again", "l1", month, 0, 2, true},
		{"negative is unlimited", "l1", month, -1, 3, true},
		{"limit after unlimited", "l1", month, 3, 3, false},
	} {
		n, counted, err := s.CountPull(context.Background(), step.license, step.period, step.limit)
		if err != nil {
			t.Fatalf("%s: CountPull: %v", step.name, err)
		}
		if n != step.want || counted != step.counted {
			t.Errorf("%s: CountPull(%s, %s, %d) = %d, %v; want %d, %v",
				step.name, step.license, step.period, step.limit, n, counted, step.want, step.counted)
		}
	}
	for _, tc := range []struct {
		license, period string
		want            int
	}{
		{"l1", day, 4}, {"l1", nextDay, 1}, {"l1", month, 3}, {"l2", day, 1},
		{"l2", nextDay, 0}, {"l3", day, 0},
	} {
		if got := mustPullCount(t, s, tc.license, tc.period); got != tc.want {
			t.Errorf("PullCount(%s, %s) = %d, want %d", tc.license, tc.period, got, tc.want)
		}
	}
}

// testCountPullConcurrently counts more pulls at once than the limit lets
// through: exactly the limit's worth are counted.
func testCountPullConcurrently(t *testing.T, s licensing.UsageStore) {
	const pulls, limit = 30, 10
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		counted int
	)
	for range pulls {
		wg.Go(func() {
			_, ok, err := s.CountPull(context.Background(), "l1", "2026-11", limit)
			if err != nil {
				t.Errorf("CountPull: %v", err)
			}
			if ok {
				mu.Lock()
				counted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if counted != limit {
		t.Errorf("%d pulls counted, want %d", counted, limit)
	}
	if got := mustPullCount(t, s, "l1", "2026-11"); got != limit {
		t.Errorf("PullCount = %d, want %d", got, limit)
	}
}

func testReleases(t *testing.T, s licensing.UsageStore) {
	ctx := context.Background()
	for _, r := range []licensing.Release{
		{Repository: "acme/db", Tag: "latest", Digest: "sha256:a", At: storetesting.T0},
		{Repository: "acme/db", Tag: "1.0", Digest: "sha256:a", At: storetesting.T0},
		{Repository: "acme/db", Tag: "1.0", Digest: "sha256:a", At: storetesting.T1},
		{Repository: "acme/db", Tag: "2.0", Digest: "sha256:b", At: storetesting.T1},
		{Repository: "acme/db", Tag: "latest", Digest: "sha256:b", At: storetesting.T1},
		{Repository: "acme/db", Tag: "latest", Digest: "sha256:b", At: storetesting.T2},
		{Repository: "acme/db-tools", Tag: "1.0", Digest: "sha256:c", At: storetesting.T2},
	} {
		if err := s.RecordRelease(ctx, r); err != nil {
			t.Fatalf("RecordRelease(%s:%s): %v", r.Repository, r.Tag, err)
		}
	}
	for _, tc := range []struct {
		repository string
		want       []licensing.Release
	}{
		{"acme/db", []licensing.Release{
			{Repository: "acme/db", Tag: "1.0", Digest: "sha256:a", At: storetesting.T0},
			{Repository: "acme/db", Tag: "2.0", Digest: "sha256:b", At: storetesting.T1},
			{Repository: "acme/db", Tag: "latest", Digest: "sha256:b", At: storetesting.T1},
		}},
		{"acme/db-tools", []licensing.Release{
			{Repository: "acme/db-tools", Tag: "1.0", Digest: "sha256:c", At: storetesting.T2},
		}},
		{"acme/none", nil},
	} {
		got, err := s.Releases(ctx, tc.repository)
		if err != nil {
			t.Fatalf("Releases(%s): %v", tc.repository, err)
		}
		if diff := cmp.Diff(tc.want, got, equate); diff != "" {
			t.Errorf("Releases(%s) (-want +got):\n%s", tc.repository, diff)
		}
	}
}

func testPrune(t *testing.T, s licensing.UsageStore) {
	ctx := context.Background()
	r1, r2, r3 := tokenRecord("r1", storetesting.T0, "l1"), tokenRecord("r2", storetesting.T1, "l1"),
		tokenRecord("r3", storetesting.T2, "l1")
	p1, p2, p3 := pull("p1", "l1", storetesting.T0), pull("p2", "l1", storetesting.T1), pull("p3", "l1", storetesting.T2)
	mustRecordTokens(t, s, r1, r2, r3)
	mustRecordPulls(t, s, p1, p2, p3)
	if _, _, err := s.CountPull(ctx, "l1", "2026-11", 0); err != nil {
		t.Fatalf("CountPull: %v", err)
	}

	// T1 is long past: the count, changed now, stays.
	for _, tc := range []struct {
		name    string
		before  time.Time
		deleted int
		records []licensing.TokenRecord
		pulls   []licensing.Pull
		count   int
	}{
		{"nothing before the first", storetesting.T0, 0, []licensing.TokenRecord{r3, r2, r1}, []licensing.Pull{p3, p2, p1}, 1},
		{"older than before", storetesting.T1, 2, []licensing.TokenRecord{r3, r2}, []licensing.Pull{p3, p2}, 1},
		{"again", storetesting.T1, 0, []licensing.TokenRecord{r3, r2}, []licensing.Pull{p3, p2}, 1},
		{"everything", time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), 5, nil, nil, 0},
	} {
		n, err := s.PruneUsage(ctx, tc.before)
		if err != nil {
			t.Fatalf("%s: PruneUsage: %v", tc.name, err)
		}
		if n != tc.deleted {
			t.Errorf("%s: PruneUsage = %d, want %d", tc.name, n, tc.deleted)
		}
		if diff := cmp.Diff(tc.records, mustTokenRecords(t, s, licensing.UsageQuery{Limit: 10}), equate); diff != "" {
			t.Errorf("%s: TokenRecords (-want +got):\n%s", tc.name, diff)
		}
		byLicense := mustTokenRecords(t, s, licensing.UsageQuery{LicenseID: "l1", Limit: 10})
		if diff := cmp.Diff(tc.records, byLicense, equate); diff != "" {
			t.Errorf("%s: TokenRecords(l1) (-want +got):\n%s", tc.name, diff)
		}
		if diff := cmp.Diff(tc.pulls, mustPulls(t, s, licensing.UsageQuery{LicenseID: "l1", Limit: 10}), equate); diff != "" {
			t.Errorf("%s: Pulls(l1) (-want +got):\n%s", tc.name, diff)
		}
		if got := mustPullCount(t, s, "l1", "2026-11"); got != tc.count {
			t.Errorf("%s: PullCount = %d, want %d", tc.name, got, tc.count)
		}
	}
}

// mustPullCount reads a pull count and fails the test on error.
func mustPullCount(t *testing.T, s licensing.UsageStore, licenseID, period string) int {
	t.Helper()
	n, err := s.PullCount(context.Background(), licenseID, period)
	if err != nil {
		t.Fatalf("PullCount(%s, %s): %v", licenseID, period, err)
	}
	return n
}
