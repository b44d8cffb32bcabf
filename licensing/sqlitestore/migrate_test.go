package sqlitestore

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

// TestMigrateAddsRefreshTokens upgrades a database made by the first schema
// step, with a license in it, and checks that the license survives and that
// refresh tokens can be stored afterwards.
func TestMigrateAddsRefreshTokens(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	if err := sqldb.Migrate(ctx, db, "licensing", schema[:1]); err != nil {
		t.Fatalf("applying the first step: %v", err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO licenses (`+licenseColumns+`)
		VALUES ('l1', 'hash-l1', 'xl1', 'u1', 'acme-db', 'pro', '["acme/db"]', 'active', ?, 0, 0)`,
		storetesting.T0.UnixNano())
	if err != nil {
		t.Fatalf("inserting an old license: %v", err)
	}
	s := storetesting.NewStore(t, db, New)

	want := licensing.License{ID: "l1", KeyHash: "hash-l1", KeyHint: "xl1", Owner: "u1", Product: "acme-db",
		Tier: "pro", Repositories: []string{"acme/db"}, Status: licensing.StatusActive, CreatedAt: storetesting.T0}
	got, err := s.LicenseByID(ctx, "l1")
	if err != nil {
		t.Fatalf("LicenseByID after the migration: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("migrated license (-want +got):\n%s", diff)
	}
	tok := licensing.RefreshToken{ID: "r1", TokenHash: "hash-r1", UserID: "u1", CreatedAt: storetesting.T1}
	if err := s.CreateRefreshToken(ctx, tok); err != nil {
		t.Fatalf("CreateRefreshToken after the migration: %v", err)
	}
	toks, err := s.RefreshTokensByUser(ctx, "u1")
	if err != nil {
		t.Fatalf("RefreshTokensByUser: %v", err)
	}
	if diff := cmp.Diff([]licensing.RefreshToken{tok}, toks); diff != "" {
		t.Errorf("refresh tokens after the migration (-want +got):\n%s", diff)
	}
}
