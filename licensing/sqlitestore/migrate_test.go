package sqlitestore

import (
	"context"
	"database/sql"
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
	insertOldLicense(t, db)
	s := storetesting.NewStore(t, db, New)
	checkOldLicense(t, s)
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

// TestMigrateAddsEntitlementsAndUsage upgrades a database made by the
// first two schema steps, with a license in it, and checks that the license
// reads back with no entitlement terms, that a license with terms can be
// stored, and that usage can be recorded.
func TestMigrateAddsEntitlementsAndUsage(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	if err := sqldb.Migrate(ctx, db, "licensing", schema[:2]); err != nil {
		t.Fatalf("applying the first two steps: %v", err)
	}
	insertOldLicense(t, db)
	s := storetesting.NewStore(t, db, New)
	checkOldLicense(t, s)

	l := licensing.License{ID: "l2", KeyHash: "hash-l2", Trial: true, Seats: 3,
		Entitlement: licensing.Entitlement{Versions: "^2", TagPattern: "2.*", Perpetual: true},
		Quota:       licensing.Quota{Pulls: 10, Period: licensing.PerDay}}
	if err := s.CreateLicense(ctx, l); err != nil {
		t.Fatalf("CreateLicense after the migration: %v", err)
	}
	got, err := s.LicenseByID(ctx, "l2")
	if err != nil {
		t.Fatalf("LicenseByID: %v", err)
	}
	if diff := cmp.Diff(l, got); diff != "" {
		t.Errorf("license with terms (-want +got):\n%s", diff)
	}
	if ok, err := s.ClaimSeat(ctx, "l1", "key", 1, storetesting.T1); err != nil || !ok {
		t.Errorf("ClaimSeat after the migration = %v, %v; want true, nil", ok, err)
	}
}

// TestMigrateAddsOrderAndTerms upgrades a database made by every schema
// step before the order and terms columns, with a license in it, and checks
// that the license reads back with neither and can be given both.
func TestMigrateAddsOrderAndTerms(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	if err := sqldb.Migrate(ctx, db, "licensing", schema[:4]); err != nil {
		t.Fatalf("applying the steps before: %v", err)
	}
	insertOldLicense(t, db)
	s := storetesting.NewStore(t, db, New)
	checkOldLicense(t, s)

	want, err := s.LicenseByID(ctx, "l1")
	if err != nil {
		t.Fatalf("LicenseByID: %v", err)
	}
	want.OrderID, want.TermsVersion, want.TermsAcceptedAt = "o1", 2, storetesting.T1
	if err := s.UpdateLicense(ctx, want); err != nil {
		t.Fatalf("UpdateLicense after the migration: %v", err)
	}
	got, err := s.LicenseByID(ctx, "l1")
	if err != nil {
		t.Fatalf("LicenseByID: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("license with an order and terms (-want +got):\n%s", diff)
	}
}

// insertOldLicense inserts license l1 with the columns of the first schema
// step.
func insertOldLicense(t *testing.T, db *sql.DB) {
	t.Helper()
	_, err := db.ExecContext(context.Background(), `INSERT INTO licenses (id, key_hash, key_hint,
		owner, product, tier, repositories, status, created_at, expires_at, revoked_at)
		VALUES ('l1', 'hash-l1', 'xl1', 'u1', 'acme-db', 'pro', '["acme/db"]', 'active', ?, 0, 0)`,
		storetesting.T0.UnixNano())
	if err != nil {
		t.Fatalf("inserting an old license: %v", err)
	}
}

// checkOldLicense checks that insertOldLicense's license reads back whole.
func checkOldLicense(t *testing.T, s *Store) {
	t.Helper()
	want := licensing.License{ID: "l1", KeyHash: "hash-l1", KeyHint: "xl1", Owner: "u1", Product: "acme-db",
		Tier: "pro", Repositories: []string{"acme/db"}, Status: licensing.StatusActive, CreatedAt: storetesting.T0}
	got, err := s.LicenseByID(context.Background(), "l1")
	if err != nil {
		t.Fatalf("LicenseByID after the migration: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("migrated license (-want +got):\n%s", diff)
	}
}

// TestMigrateAddsProductIndex upgrades a database made by every schema step
// before the product index, with a license in it, and checks that the
// license is listed by its product afterwards.
func TestMigrateAddsProductIndex(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	if err := sqldb.Migrate(ctx, db, "licensing", schema[:5]); err != nil {
		t.Fatalf("applying the steps before: %v", err)
	}
	insertOldLicense(t, db)
	s := storetesting.NewStore(t, db, New)
	checkOldLicense(t, s)
	got, err := s.LicensesByProduct(ctx, "acme-db", 10)
	if err != nil {
		t.Fatalf("LicensesByProduct after the migration: %v", err)
	}
	if len(got) != 1 || got[0].ID != "l1" {
		t.Errorf("LicensesByProduct after the migration = %+v, want l1 only", got)
	}
}
