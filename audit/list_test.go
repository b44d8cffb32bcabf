package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/audit"
	"github.com/berth/berth/internal/storetesting"
)

func TestListLimits(t *testing.T) {
	svc, _, c := newService(t)
	ctx := context.Background()
	for range audit.MaxLimit + 1 {
		c.now = c.now.Add(time.Second)
		if err := svc.Record(ctx, audit.Event{Action: audit.SignIn, Outcome: audit.Success, Orgs: []string{"o1"}}); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	for _, tc := range []struct {
		limit, want int
	}{
		{0, audit.DefaultLimit}, {1, 1}, {audit.MaxLimit, audit.MaxLimit},
	} {
		got, err := svc.List(ctx, audit.Query{OrgID: "o1", Limit: tc.limit})
		if err != nil || len(got) != tc.want {
			t.Errorf("List with limit %d: %d events, %v; want %d", tc.limit, len(got), err, tc.want)
		}
	}
	for _, limit := range []int{-1, audit.MaxLimit + 1} {
		got, err := svc.List(ctx, audit.Query{Limit: limit})
		var invalid *audit.InvalidError
		if !errors.As(err, &invalid) || invalid.Field != "limit" || got != nil {
			t.Errorf("List with limit %d: %d events, %v; want an InvalidError naming the limit", limit, len(got), err)
		}
	}
}

func TestListPagesWithNext(t *testing.T) {
	svc, _, c := newService(t)
	ctx := context.Background()
	// Five events at one instant: only the ID cursor tells pages apart.
	for range 5 {
		if err := svc.Record(ctx, audit.Event{Action: audit.SignIn, Outcome: audit.Success}); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	c.now = c.now.Add(time.Second)
	seen := map[string]bool{}
	q := audit.Query{Limit: 2}
	for more, n := true, 0; more; n++ {
		page, err := svc.List(ctx, q)
		if err != nil || n > 5 {
			t.Fatalf("page %d: %v", n, err)
		}
		for _, e := range page {
			seen[e.ID] = true
		}
		q, more = q.Next(page)
	}
	if len(seen) != 5 {
		t.Errorf("paging read %d distinct events, want 5", len(seen))
	}
	// A stray ID without a time is no cursor.
	got, err := svc.List(ctx, audit.Query{BeforeID: "zzz"})
	if err != nil || len(got) != 5 {
		t.Errorf("List with only BeforeID: %d events, %v; want all 5", len(got), err)
	}
}

func TestSweepKeepsRetention(t *testing.T) {
	svc, store, c := newService(t)
	ctx := context.Background()
	now := storetesting.T2
	for _, age := range []time.Duration{audit.Retention + time.Hour, audit.Retention - time.Hour, 0} {
		c.now = now.Add(-age)
		if err := svc.Record(ctx, audit.Event{Action: audit.AdminAction, Outcome: audit.Success, Detail: age.String()}); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	n, err := svc.Sweep(ctx, now.Add(-audit.Retention))
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1, nil", n, err)
	}
	var left []string
	for _, e := range everything(t, store) {
		left = append(left, e.Detail)
	}
	want := []string{"0s", (audit.Retention - time.Hour).String()}
	if diff := cmp.Diff(want, left); diff != "" {
		t.Errorf("events left after the sweep (-want +got):\n%s", diff)
	}
}
