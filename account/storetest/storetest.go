// Package storetest is the behaviour suite every account.Store must pass; the
// SQLite and MongoDB implementations both run it.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/account"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) account.Store) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore(t)) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, newStore(t)) })
	t.Run("Conflicts", func(t *testing.T) { testConflicts(t, newStore(t)) })
}

// created is a time with nanoseconds in a zone other than UTC, to show that
// stores keep the instant exactly.
var created = time.Date(2024, 3, 9, 17, 4, 5, 123456789, time.FixedZone("CET", 3600))

func testRoundTrip(t *testing.T, s account.Store) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		in   account.User
		want account.User
	}{
		{
			name: "every field set",
			in: account.User{ID: "u1", Username: "Alice", Email: "alice@example.com",
				PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA", Admin: true, Disabled: true, CreatedAt: created},
			want: account.User{ID: "u1", Username: "alice", Email: "alice@example.com",
				PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA", Admin: true, Disabled: true, CreatedAt: created},
		},
		{
			name: "zero values",
			in:   account.User{ID: "u2", Username: "bob", Email: "bob@example.com"},
			want: account.User{ID: "u2", Username: "bob", Email: "bob@example.com"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.CreateUser(ctx, tc.in); err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			byID, err := s.UserByID(ctx, tc.in.ID)
			if err != nil {
				t.Fatalf("UserByID: %v", err)
			}
			if diff := cmp.Diff(tc.want, byID); diff != "" {
				t.Errorf("UserByID mismatch (-want +got):\n%s", diff)
			}
			if !byID.CreatedAt.IsZero() && byID.CreatedAt.Location() != time.UTC {
				t.Errorf("CreatedAt location = %v, want UTC", byID.CreatedAt.Location())
			}
			byName, err := s.UserByUsername(ctx, tc.in.Username)
			if err != nil {
				t.Fatalf("UserByUsername(%q): %v", tc.in.Username, err)
			}
			if diff := cmp.Diff(tc.want, byName); diff != "" {
				t.Errorf("UserByUsername mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("username lookup ignores case", func(t *testing.T) {
		u, err := s.UserByUsername(ctx, "ALICE")
		if err != nil {
			t.Fatalf("UserByUsername(ALICE): %v", err)
		}
		if u.ID != "u1" {
			t.Errorf("UserByUsername(ALICE).ID = %q, want u1", u.ID)
		}
	})
}

func testNotFound(t *testing.T, s account.Store) {
	ctx := context.Background()
	if err := s.CreateUser(ctx, account.User{ID: "u1", Username: "alice", Email: "a@example.com"}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	for _, tc := range []struct {
		name string
		get  func() (account.User, error)
	}{
		{"UserByID", func() (account.User, error) { return s.UserByID(ctx, "u2") }},
		{"UserByUsername", func() (account.User, error) { return s.UserByUsername(ctx, "bob") }},
		{"UserByUsername empty", func() (account.User, error) { return s.UserByUsername(ctx, "") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := tc.get()
			if !errors.Is(err, account.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
			if u != (account.User{}) {
				t.Errorf("user = %+v, want zero", u)
			}
		})
	}
}

func testConflicts(t *testing.T, s account.Store) {
	ctx := context.Background()
	first := account.User{ID: "u1", Username: "alice", Email: "alice@example.com"}
	if err := s.CreateUser(ctx, first); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	for _, tc := range []struct {
		name string
		u    account.User
		want error
	}{
		{"same username", account.User{ID: "u2", Username: "alice", Email: "other@example.com"}, account.ErrUsernameTaken},
		{"same username other case", account.User{ID: "u3", Username: "ALICE", Email: "other@example.com"}, account.ErrUsernameTaken},
		{"same email", account.User{ID: "u4", Username: "bob", Email: "alice@example.com"}, account.ErrEmailTaken},
		{"both taken: the username is reported", account.User{ID: "u5", Username: "alice", Email: "alice@example.com"}, account.ErrUsernameTaken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.CreateUser(ctx, tc.u)
			if !errors.Is(err, tc.want) {
				t.Fatalf("CreateUser: err = %v, want %v", err, tc.want)
			}
			if _, err := s.UserByID(ctx, tc.u.ID); !errors.Is(err, account.ErrNotFound) {
				t.Errorf("rejected user %s was stored (UserByID err = %v)", tc.u.ID, err)
			}
		})
	}
	got, err := s.UserByUsername(ctx, "alice")
	if err != nil {
		t.Fatalf("UserByUsername: %v", err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("first user changed (-want +got):\n%s", diff)
	}
}
