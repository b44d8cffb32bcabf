package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
)

// day returns hour:00 UTC on November d, 2026.
func day(d, hour int) time.Time { return time.Date(2026, 11, d, hour, 0, 0, 0, time.UTC) }

// recordTagPulls puts a product shipping acme/app and records pulls of its
// tags, by UTC day: 1.0 twice on the 25th (once at a time given in PST) and
// once on the 27th, latest once on the 25th; then two repeated events, a
// pull without a tag, and a pull of another repository's 1.0.
func recordTagPulls(t *testing.T, s TagStore) {
	t.Helper()
	mustPut(t, s, catalog.Product{Slug: "app", Repositories: []string{"acme/app"}})
	pst := time.FixedZone("PST", -8*3600)
	for _, tc := range []struct {
		e       catalog.PullEvent
		wantNew bool
	}{
		{catalog.PullEvent{ID: "e1", Repository: "acme/app", Tag: "1.0", At: day(25, 0)}, true},
		// 15:59 on the 25th in PST is 23:59 UTC: still the 25th.
		{catalog.PullEvent{ID: "e2", Repository: "acme/app", Tag: "1.0", At: day(25, 23).Add(59 * time.Minute).In(pst)}, true},
		{catalog.PullEvent{ID: "e3", Repository: "acme/app", Tag: "1.0", At: day(27, 12)}, true},
		{catalog.PullEvent{ID: "e4", Repository: "acme/app", Tag: "latest", At: day(25, 6)}, true},
		{catalog.PullEvent{ID: "e1", Repository: "acme/app", Tag: "1.0", At: day(25, 0)}, false},
		{catalog.PullEvent{ID: "e4", Repository: "acme/app", Tag: "1.0", At: day(26, 0)}, false},
		{catalog.PullEvent{ID: "e5", Repository: "acme/app", At: day(25, 1)}, true},
		{catalog.PullEvent{ID: "e6", Repository: "acme/other", Tag: "1.0", At: day(25, 2)}, true},
	} {
		got, err := s.RecordPull(context.Background(), tc.e)
		if err != nil {
			t.Fatalf("RecordPull(%s): %v", tc.e.ID, err)
		}
		if got != tc.wantNew {
			t.Errorf("RecordPull(%s) = %v, want %v", tc.e.ID, got, tc.wantNew)
		}
	}
}

func testTagPullsPerDay(t *testing.T, s TagStore) {
	recordTagPulls(t, s)
	for _, tc := range []struct {
		name     string
		repo     string
		tag      string
		from, to time.Time
		want     []catalog.DayCount
	}{
		{"every day", "acme/app", "1.0", day(20, 0), day(30, 0),
			[]catalog.DayCount{{Day: "2026-11-25", Pulls: 2}, {Day: "2026-11-27", Pulls: 1}}},
		{"from is inclusive", "acme/app", "1.0", day(27, 0), day(28, 0),
			[]catalog.DayCount{{Day: "2026-11-27", Pulls: 1}}},
		{"to is exclusive", "acme/app", "1.0", day(25, 0), day(27, 0),
			[]catalog.DayCount{{Day: "2026-11-25", Pulls: 2}}},
		{"days partly in range count", "acme/app", "1.0", day(25, 12), day(27, 1),
			[]catalog.DayCount{{Day: "2026-11-25", Pulls: 2}, {Day: "2026-11-27", Pulls: 1}}},
		{"no pulls in range", "acme/app", "1.0", day(26, 0), day(27, 0), nil},
		{"other tag", "acme/app", "latest", day(20, 0), day(30, 0),
			[]catalog.DayCount{{Day: "2026-11-25", Pulls: 1}}},
		{"other repository", "acme/other", "1.0", day(20, 0), day(30, 0),
			[]catalog.DayCount{{Day: "2026-11-25", Pulls: 1}}},
		{"unknown tag", "acme/app", "2.0", day(20, 0), day(30, 0), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.TagPulls(context.Background(), tc.repo, tc.tag, tc.from, tc.to)
			if err != nil {
				t.Fatalf("TagPulls: %v", err)
			}
			if diff := cmp.Diff(tc.want, got, equate); diff != "" {
				t.Errorf("TagPulls (-want +got):\n%s", diff)
			}
		})
	}
	if got := mustProduct(t, s, "app").Pulls; got != 5 {
		t.Errorf("product Pulls = %d, want 5 (tagged or not, each event once)", got)
	}
}

func testTagPullTotals(t *testing.T, s TagStore) {
	ctx := context.Background()
	recordTagPulls(t, s)
	mustPutTag(t, s, singlePlatform("1.0", "sha256:one"))
	if err := s.DeleteTag(ctx, "acme/app", "1.0"); err != nil {
		t.Fatalf("DeleteTag: %v", err)
	}
	for repo, want := range map[string]map[string]int64{
		"acme/app":   {"1.0": 3, "latest": 1}, // a deleted tag's pulls stay
		"acme/other": {"1.0": 1},
		"acme/none":  {},
	} {
		got, err := s.TagPullTotals(ctx, repo)
		if err != nil {
			t.Fatalf("TagPullTotals(%s): %v", repo, err)
		}
		if diff := cmp.Diff(want, got, equate); diff != "" {
			t.Errorf("TagPullTotals(%s) (-want +got):\n%s", repo, diff)
		}
	}
}
