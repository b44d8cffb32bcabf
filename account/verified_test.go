package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/berth/berth/account"
)

// TestVerifiedPasswordCache: a password checked recently is accepted again
// without a new hash until its minute is up; a wrong password and an
// unknown user always cost a hash and are never remembered; a changed
// password and a disabled account take effect at once. Each step counts
// the argon2id hashes the service computed, so that a cache that never
// hits, one that never expires and one that remembers failures all fail.
func TestVerifiedPasswordCache(t *testing.T) {
	ctx := context.Background()
	s, now := newService(t)
	u := register(t, s, "alice")
	admin, err := s.Register(ctx, account.SignUp{Username: "ops", Email: "ops@example.com", Password: "ops-password", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	start := *now
	at := func(d time.Duration) func() { return func() { *now = start.Add(d) } }
	authenticate := func(password string, want error) func() {
		return func() {
			t.Helper()
			if _, err := s.Authenticate(ctx, "alice", password); !errors.Is(err, want) {
				t.Fatalf("Authenticate(alice, %q) = %v; want %v", password, err, want)
			}
		}
	}
	changePassword := func(current, next string) func() {
		return func() {
			t.Helper()
			if err := s.ChangePassword(ctx, u.ID, current, next, ""); err != nil {
				t.Fatalf("ChangePassword: %v", err)
			}
		}
	}
	setDisabled := func(disabled bool) func() {
		return func() {
			t.Helper()
			if _, err := s.SetDisabled(ctx, admin, u.ID, disabled); err != nil {
				t.Fatalf("SetDisabled(%v): %v", disabled, err)
			}
		}
	}
	unknown := func() {
		t.Helper()
		if _, err := s.Authenticate(ctx, "nobody", "nobody-password"); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("an unknown user: %v; want ErrBadCredentials", err)
		}
	}
	for _, step := range []struct {
		name   string
		do     func()
		hashes int64 // computed by this step
	}{
		{"first check", authenticate("alice-password", nil), 1},
		{"again at once: a hit", authenticate("alice-password", nil), 0},
		{"a second before the minute is up: a hit", func() { at(time.Minute - time.Second)(); authenticate("alice-password", nil)() }, 0},
		{"the minute is up: checked again", func() { at(time.Minute)(); authenticate("alice-password", nil)() }, 1},
		{"remembered anew from then", func() { at(time.Minute + 59*time.Second)(); authenticate("alice-password", nil)() }, 0},
		{"a wrong password", authenticate("alice-wrong", account.ErrBadCredentials), 1},
		{"the same wrong password again", authenticate("alice-wrong", account.ErrBadCredentials), 1},
		{"an unknown user", unknown, 1},
		{"the same unknown user again", unknown, 1},
		// The current password comes from the cache; the new one is hashed.
		{"change the password", changePassword("alice-password", "alice-password-2"), 1},
		{"the old password", authenticate("alice-password", account.ErrBadCredentials), 1},
		{"the old password again", authenticate("alice-password", account.ErrBadCredentials), 1},
		{"the new password", authenticate("alice-password-2", nil), 1},
		{"the new password again", authenticate("alice-password-2", nil), 0},
		{"disable alice", setDisabled(true), 0},
		{"a disabled account, though cached", authenticate("alice-password-2", account.ErrBadCredentials), 1},
		{"enable alice", setDisabled(false), 0},
		{"enabled again: still remembered", authenticate("alice-password-2", nil), 0},
	} {
		before := account.Hashes(s)
		step.do()
		if got := account.Hashes(s) - before; got != step.hashes {
			t.Errorf("%s: %d password hashes computed; want %d", step.name, got, step.hashes)
		}
	}
}
