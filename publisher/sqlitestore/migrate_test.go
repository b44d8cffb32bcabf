package sqlitestore

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/publisher"
)

// TestMigrateApprovesOldPublishers upgrades a database made by the first
// schema step, with a publisher and its member in it, and checks that the
// publisher reads back approved, is listed as approved and is still found
// by its member.
func TestMigrateApprovesOldPublishers(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	if err := sqldb.Migrate(ctx, db, "publisher", schema[:1]); err != nil {
		t.Fatalf("applying the first step: %v", err)
	}
	for _, stmt := range []string{
		`INSERT INTO publishers (id, slug, name, verified, created_at) VALUES ('p1', 'acme', 'Acme', 1, 5)`,
		`INSERT INTO publisher_namespaces (namespace, publisher_id, position) VALUES ('acme', 'p1', 0)`,
		`INSERT INTO publisher_members (publisher_id, user_id, position) VALUES ('p1', 'u1', 0)`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("inserting an old publisher: %v", err)
		}
	}
	s := storetesting.NewStore(t, db, New)
	want := publisher.Publisher{ID: "p1", Slug: "acme", Name: "Acme", Verified: true,
		Namespaces: []string{"acme"}, Members: []string{"u1"}, Status: publisher.StatusApproved,
		CreatedAt: storecodec.ParseTime(5)}
	for name, list := range map[string]func() ([]publisher.Publisher, error){
		"PublishersByStatus": func() ([]publisher.Publisher, error) {
			return s.PublishersByStatus(ctx, publisher.StatusApproved)
		},
		"PublishersByUser": func() ([]publisher.Publisher, error) { return s.PublishersByUser(ctx, "u1") },
	} {
		got, err := list()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff([]publisher.Publisher{want}, got); diff != "" {
			t.Errorf("%s after the migration (-want +got):\n%s", name, diff)
		}
	}
}
