package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/storetesting"
)

// hash is a password hash in the form the service stores.
const hash = "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA"

func testRoundTrip(t *testing.T, s account.Store) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		in   account.User
		want account.User
	}{
		{
			name: "every field set",
			in: account.User{ID: "u1", Username: "Alice", Email: "alice@example.com", PasswordHash: hash,
				Admin: true, Disabled: true, DefaultPrivate: true, CreatedAt: storetesting.T0, PasswordChangedAt: storetesting.T1},
			want: account.User{ID: "u1", Username: "alice", Email: "alice@example.com", PasswordHash: hash,
				Admin: true, Disabled: true, DefaultPrivate: true, CreatedAt: storetesting.T0, PasswordChangedAt: storetesting.T1},
		},
		{
			name: "some flags set",
			in:   account.User{ID: "u3", Username: "carol", Email: "c@example.com", Admin: true, PasswordChangedAt: storetesting.T2},
			want: account.User{ID: "u3", Username: "carol", Email: "c@example.com", Admin: true, PasswordChangedAt: storetesting.T2},
		},
		{
			name: "other flags set",
			in:   account.User{ID: "u4", Username: "dave", Email: "d@example.com", Disabled: true, CreatedAt: storetesting.T2},
			want: account.User{ID: "u4", Username: "dave", Email: "d@example.com", Disabled: true, CreatedAt: storetesting.T2},
		},
		{
			name: "zero values",
			in:   account.User{ID: "u2", Username: "bob", Email: "bob@example.com"},
			want: account.User{ID: "u2", Username: "bob", Email: "bob@example.com"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustCreateUser(t, s, tc.in)
			byID := mustUser(t, s, tc.in.ID)
			if diff := cmp.Diff(tc.want, byID); diff != "" {
				t.Errorf("UserByID mismatch (-want +got):\n%s", diff)
			}
			for name, at := range map[string]time.Time{"CreatedAt": byID.CreatedAt, "PasswordChangedAt": byID.PasswordChangedAt} {
				if !at.IsZero() && at.Location() != time.UTC {
					t.Errorf("%s location = %v, want UTC", name, at.Location())
				}
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
	mustCreateUser(t, s, account.User{ID: "u1", Username: "alice", Email: "a@example.com"})
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
	t.Run("UpdateUser", func(t *testing.T) {
		err := s.UpdateUser(ctx, account.User{ID: "u2", Username: "bob", Email: "b@example.com"})
		if !errors.Is(err, account.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
		if _, err := s.UserByID(ctx, "u2"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("UpdateUser of an absent user created it (UserByID err = %v)", err)
		}
	})
	t.Run("DeleteUser", func(t *testing.T) {
		if err := s.DeleteUser(ctx, "u2"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
}

func testConflicts(t *testing.T, s account.Store) {
	ctx := context.Background()
	first := account.User{ID: "u1", Username: "alice", Email: "alice@example.com"}
	mustCreateUser(t, s, first)
	for _, tc := range []struct {
		name string
		u    account.User
		want error // nil: any error
	}{
		{"same username", account.User{ID: "u2", Username: "alice", Email: "other@example.com"}, account.ErrUsernameTaken},
		{"same username other case", account.User{ID: "u3", Username: "ALICE", Email: "other@example.com"}, account.ErrUsernameTaken},
		{"same ID and username: the username is reported", account.User{ID: "u1", Username: "Alice"}, account.ErrUsernameTaken},
		{"same ID", account.User{ID: "u1", Username: "mallory", Email: "m@example.com"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.CreateUser(ctx, tc.u)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("CreateUser: err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && errors.Is(err, account.ErrUsernameTaken) {
				t.Errorf("CreateUser: err = %v, want no ErrUsernameTaken for a free username", err)
			}
			if tc.u.ID != first.ID {
				if _, err := s.UserByID(ctx, tc.u.ID); !errors.Is(err, account.ErrNotFound) {
					t.Errorf("rejected user %s was stored (UserByID err = %v)", tc.u.ID, err)
				}
			}
		})
	}
	if _, err := s.UserByUsername(ctx, "mallory"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("user with a taken ID was stored (UserByUsername err = %v)", err)
	}
	if diff := cmp.Diff(first, mustUser(t, s, "u1")); diff != "" {
		t.Errorf("first user changed (-want +got):\n%s", diff)
	}
	t.Run("same email is allowed", func(t *testing.T) {
		second := account.User{ID: "u5", Username: "bob", Email: first.Email}
		mustCreateUser(t, s, second)
		for _, want := range []account.User{first, second} {
			if diff := cmp.Diff(want, mustUser(t, s, want.ID)); diff != "" {
				t.Errorf("user %s (-want +got):\n%s", want.ID, diff)
			}
		}
	})
}

func testUpdateUser(t *testing.T, s account.Store) {
	ctx := context.Background()
	orig := account.User{ID: "u1", Username: "alice", Email: "alice@example.com", PasswordHash: "old", CreatedAt: storetesting.T0}
	other := account.User{ID: "u2", Username: "bob", Email: "bob@example.com", PasswordHash: "bobs", CreatedAt: storetesting.T1}
	mustCreateUser(t, s, orig)
	mustCreateUser(t, s, other)

	// Each update builds on the last; the flags differ pairwise in some
	// step, so that no two of them can be swapped unnoticed.
	for _, tc := range []struct {
		name   string
		change account.User
	}{
		{"every mutable field", account.User{Email: "new@example.com", PasswordHash: hash,
			Admin: true, DefaultPrivate: true, PasswordChangedAt: storetesting.T1}},
		{"flags the other way", account.User{Email: "new@example.com", PasswordHash: hash,
			Disabled: true, DefaultPrivate: true, PasswordChangedAt: storetesting.T2}},
		{"back to zero values", account.User{PasswordHash: "reset"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			change := tc.change
			// The ID selects the user; the username and CreatedAt never change.
			change.ID, change.Username, change.CreatedAt = orig.ID, "mallory", storetesting.T2
			if err := s.UpdateUser(ctx, change); err != nil {
				t.Fatalf("UpdateUser: %v", err)
			}
			want := change
			want.Username, want.CreatedAt = orig.Username, orig.CreatedAt
			if diff := cmp.Diff(want, mustUser(t, s, orig.ID)); diff != "" {
				t.Errorf("updated user (-want +got):\n%s", diff)
			}
			if _, err := s.UserByUsername(ctx, "mallory"); !errors.Is(err, account.ErrNotFound) {
				t.Errorf("UpdateUser changed the username (UserByUsername(mallory) err = %v)", err)
			}
			if diff := cmp.Diff(other, mustUser(t, s, other.ID)); diff != "" {
				t.Errorf("other user changed (-want +got):\n%s", diff)
			}
		})
	}
}

func testListUsers(t *testing.T, s account.Store) {
	ctx := context.Background()
	if got, err := s.ListUsers(ctx, account.Page{}); err != nil || len(got) != 0 {
		t.Fatalf("ListUsers of an empty store = %v, %v; want none", got, err)
	}
	for i, name := range []string{"carol", "Alice", "erin", "bob", "dave"} {
		// IDs run in creation order, not in username order.
		mustCreateUser(t, s, account.User{ID: fmt.Sprintf("u%d", i), Username: name, Email: "same@example.com",
			Admin: i%2 == 0, CreatedAt: storetesting.T0.Add(time.Duration(i) * time.Hour)})
	}
	for _, tc := range []struct {
		name string
		page account.Page
		want []string
	}{
		{"everything", account.Page{}, []string{"alice", "bob", "carol", "dave", "erin"}},
		{"limit one", account.Page{Limit: 1}, []string{"alice"}},
		{"limit", account.Page{Limit: 2}, []string{"alice", "bob"}},
		{"offset and limit", account.Page{Offset: 2, Limit: 2}, []string{"carol", "dave"}},
		{"offset", account.Page{Offset: 4}, []string{"erin"}},
		{"limit past the end", account.Page{Offset: 3, Limit: 10}, []string{"dave", "erin"}},
		{"offset past the end", account.Page{Offset: 10}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListUsers(ctx, tc.page)
			if err != nil {
				t.Fatalf("ListUsers: %v", err)
			}
			if diff := cmp.Diff(tc.want, keys(got, func(u account.User) string { return u.Username })); diff != "" {
				t.Errorf("usernames (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("users are complete", func(t *testing.T) {
		got, err := s.ListUsers(ctx, account.Page{})
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		for _, u := range got {
			if diff := cmp.Diff(mustUser(t, s, u.ID), u); diff != "" {
				t.Errorf("listed %s differs from UserByID (-want +got):\n%s", u.ID, diff)
			}
		}
	})
}

func testDeleteUser(t *testing.T, s account.Store) {
	ctx := context.Background()
	mustCreateUser(t, s, account.User{ID: "u1", Username: "alice", Email: "a@example.com"})
	bob := account.User{ID: "u2", Username: "bob", Email: "b@example.com"}
	mustCreateUser(t, s, bob)
	if err := s.DeleteUser(ctx, "u1"); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := s.UserByID(ctx, "u1"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("UserByID of a deleted user: err = %v, want ErrNotFound", err)
	}
	if _, err := s.UserByUsername(ctx, "alice"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("UserByUsername of a deleted user: err = %v, want ErrNotFound", err)
	}
	got, err := s.ListUsers(ctx, account.Page{})
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	if diff := cmp.Diff([]account.User{bob}, got); diff != "" {
		t.Errorf("users left (-want +got):\n%s", diff)
	}
	if err := s.DeleteUser(ctx, "u1"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("DeleteUser again: err = %v, want ErrNotFound", err)
	}
	mustCreateUser(t, s, account.User{ID: "u3", Username: "alice", Email: "a@example.com"})
}

// mustCreateUser creates u and fails the test on error.
func mustCreateUser(t *testing.T, s account.Store, u account.User) {
	t.Helper()
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", u.ID, err)
	}
}

// mustUser reads the user id and fails the test on error.
func mustUser(t *testing.T, s account.Store, id string) account.User {
	t.Helper()
	u, err := s.UserByID(context.Background(), id)
	if err != nil {
		t.Fatalf("UserByID(%s): %v", id, err)
	}
	return u
}
