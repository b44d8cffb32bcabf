package sqlitestore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/berth/berth/audit"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
)

// benchEvents is how many events the listing benchmarks hold: a busy year
// of sign-ins on one machine is of this order.
const benchEvents = 50_000

// benchEvent is the n'th benchmark event: it names one of 100 busy
// organisations, and every 1000th event also names the rare organisation.
func benchEvent(n int, start time.Time) audit.Event {
	orgs := []string{fmt.Sprintf("org%d", n%100)}
	if n%1000 == 0 {
		orgs = append(orgs, "rare")
	}
	return audit.Event{ID: fmt.Sprintf("e%07d", n), At: start.Add(time.Duration(n) * time.Second),
		Action: audit.Actions[n%len(audit.Actions)], ActorID: fmt.Sprintf("u%d", n%500), ActorName: "someone",
		Credential: audit.CredentialSession, Address: "192.0.2.1", Outcome: audit.Success,
		Target: "user:someone", Orgs: orgs, Detail: "a short detail"}
}

// BenchmarkAddEvent records one event visible to two organisations: the
// cost a request pays for its audit record.
func BenchmarkAddEvent(b *testing.B) {
	s, err := New(context.Background(), sqldbtest.Open(b))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for n := 0; b.Loop(); n++ {
		if err := s.AddEvent(context.Background(), benchEvent(n, start)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvents reads one page of 50 from benchEvents events: the first
// page and one from the middle, for a busy and a rare organisation, an
// actor and everyone. "rare by json_each" is the design not taken (the
// organisations as a JSON list only, searched row by row), kept for
// comparison.
func BenchmarkEvents(b *testing.B) {
	ctx := context.Background()
	db := sqldbtest.Open(b)
	s, err := New(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now().Add(-benchEvents * time.Second)
	for n := range benchEvents {
		if err := s.AddEvent(ctx, benchEvent(n, start)); err != nil {
			b.Fatal(err)
		}
	}
	middle := start.Add(benchEvents / 2 * time.Second)
	for _, bc := range []struct {
		name string
		q    audit.Query
	}{
		{"all", audit.Query{}},
		{"all/middle", audit.Query{Before: middle}},
		{"busy org", audit.Query{OrgID: "org7"}},
		{"busy org/middle", audit.Query{OrgID: "org7", Before: middle}},
		{"rare org", audit.Query{OrgID: "rare"}},
		{"busy org and action", audit.Query{OrgID: "org7", Action: audit.SignIn}},
		{"actor", audit.Query{ActorID: "u7"}},
	} {
		bc.q.Limit = audit.DefaultLimit
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Events(ctx, bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("rare by json_each", func(b *testing.B) {
		const q = `SELECT ` + eventColumns + ` FROM audit_events
			WHERE EXISTS (SELECT 1 FROM json_each(orgs) WHERE value = ?) ORDER BY at DESC, id DESC LIMIT ?`
		for b.Loop() {
			if _, err := sqldb.QueryAll(ctx, db, scanEvent, q, "rare", audit.DefaultLimit); err != nil {
				b.Fatal(err)
			}
		}
	})
}
