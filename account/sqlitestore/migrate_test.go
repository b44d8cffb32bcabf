package sqlitestore

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// TestMigrateFromUniqueEmail upgrades a database made by the first schema
// step, with users in it, and checks that they survive with the new fields
// zero and that their email addresses no longer need to be unique.
func TestMigrateFromUniqueEmail(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	if err := sqldb.Migrate(ctx, db, "account", schema[:1]); err != nil {
		t.Fatalf("applying the first step: %v", err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO users
		(id, username, email, password_hash, admin, disabled, created_at) VALUES
		('u1', 'alice', 'a@example.com', 'h1', 1, 0, ?), ('u2', 'bob', 'b@example.com', 'h2', 0, 1, 0)`,
		storetesting.T0.UnixNano())
	if err != nil {
		t.Fatalf("inserting old users: %v", err)
	}
	s := storetesting.NewStore(t, db, New)

	want := []account.User{
		{ID: "u1", Username: "alice", Email: "a@example.com", PasswordHash: "h1", Admin: true, CreatedAt: storetesting.T0},
		{ID: "u2", Username: "bob", Email: "b@example.com", PasswordHash: "h2", Disabled: true},
	}
	got, err := s.ListUsers(ctx, account.Page{})
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("migrated users (-want +got):\n%s", diff)
	}
	if err := s.CreateUser(ctx, account.User{ID: "u3", Username: "carol", Email: "a@example.com"}); err != nil {
		t.Errorf("CreateUser with an email already in use: %v", err)
	}
	if err := s.CreateUser(ctx, account.User{ID: "u4", Username: "ALICE"}); err == nil {
		t.Error("CreateUser with a taken username succeeded after the migration")
	}
}
