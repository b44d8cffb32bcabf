// Package storetesting holds what the domains' store suites (the storetest
// packages) and the store tests that run them share: running each test on a
// fresh store, building a store twice on one database, and times that show
// whether a store keeps instants exactly. Production code must not import
// this package.
package storetesting

import (
	"context"
	"testing"
	"time"
)

// Times with nanoseconds, one outside UTC, to show that stores keep
// instants exactly.
var (
	T0 = time.Date(2024, 1, 2, 3, 4, 5, 600700800, time.UTC)
	T1 = time.Date(2025, 6, 7, 8, 9, 10, 11, time.FixedZone("PDT", -7*3600))
	T2 = time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// Test is one named test of a suite for stores of type S.
type Test[S any] struct {
	Name string
	Run  func(*testing.T, S)
}

// Run runs each test as a subtest of t, in order, each on a new, empty store
// from newStore.
func Run[S any](t *testing.T, newStore func(*testing.T) S, tests []Test[S]) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) { tc.Run(t, newStore(t)) })
	}
}

// NewStore returns the store newStore builds on db. It calls newStore a
// second time on the same db, which must find the schema and indexes the
// first call made in place, so that every store's setup is shown
// idempotent.
func NewStore[DB, S any](t testing.TB, db DB, newStore func(context.Context, DB) (S, error)) S {
	t.Helper()
	s, err := newStore(context.Background(), db)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := newStore(context.Background(), db); err != nil {
		t.Fatalf("New again: %v", err)
	}
	return s
}
