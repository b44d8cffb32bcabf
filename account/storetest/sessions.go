package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/storetesting"
)

// fullSession is a session with every field set.
func fullSession() account.Session {
	return account.Session{
		ID: "s1", TokenHash: "hash-s1", UserID: "u1", Context: "acme",
		UserAgent: "Mozilla/5.0 (X11; Linux x86_64) \"quoted\" ünïcode", Address: "2001:db8::1",
		CreatedAt: storetesting.T0, LastSeenAt: storetesting.T1, ExpiresAt: storetesting.T2,
	}
}

func testSessionRoundTrip(t *testing.T, s account.SessionStore) {
	for _, tc := range []struct {
		name string
		in   account.Session
	}{
		{"every field set", fullSession()},
		{"zero values", account.Session{ID: "s2", TokenHash: "hash-s2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustCreateSession(t, s, tc.in)
			if diff := cmp.Diff(tc.in, mustSession(t, s, tc.in.TokenHash)); diff != "" {
				t.Errorf("SessionByTokenHash (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]account.Session{tc.in}, mustSessions(t, s, tc.in.UserID)); diff != "" {
				t.Errorf("SessionsByUser (-want +got):\n%s", diff)
			}
		})
	}
}

func testSessionNotFound(t *testing.T, s account.SessionStore) {
	ctx := context.Background()
	sess := fullSession()
	mustCreateSession(t, s, sess)
	t.Run("SessionByTokenHash", func(t *testing.T) {
		for _, h := range []string{"hash-s2", "", sess.ID} {
			got, err := s.SessionByTokenHash(ctx, h)
			if !errors.Is(err, account.ErrNotFound) {
				t.Errorf("SessionByTokenHash(%q): err = %v, want ErrNotFound", h, err)
			}
			if got != (account.Session{}) {
				t.Errorf("SessionByTokenHash(%q) = %+v, want zero", h, got)
			}
		}
	})
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"TouchSession", func() error { return s.TouchSession(ctx, "s2", storetesting.T2) }},
		{"SetSessionContext", func() error { return s.SetSessionContext(ctx, "s2", "beta") }},
		{"DeleteSession", func() error { return s.DeleteSession(ctx, "u1", "s2") }},
		{"DeleteSession of another user's session", func() error { return s.DeleteSession(ctx, "u2", "s1") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, account.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
	}
	if diff := cmp.Diff(sess, mustSession(t, s, sess.TokenHash)); diff != "" {
		t.Errorf("session changed (-want +got):\n%s", diff)
	}
	if got := mustSessions(t, s, "u2"); len(got) != 0 {
		t.Errorf("SessionsByUser(u2) = %+v, want none", got)
	}
}

func testSessionDuplicates(t *testing.T, s account.SessionStore) {
	ctx := context.Background()
	first := fullSession()
	mustCreateSession(t, s, first)
	sameHash := account.Session{ID: "s2", TokenHash: first.TokenHash, UserID: "u2"}
	if err := s.CreateSession(ctx, sameHash); err == nil {
		t.Error("CreateSession with a taken token hash succeeded, want an error")
	}
	sameID := account.Session{ID: first.ID, TokenHash: "hash-other", UserID: "u2"}
	if err := s.CreateSession(ctx, sameID); err == nil {
		t.Error("CreateSession with a taken ID succeeded, want an error")
	}
	if _, err := s.SessionByTokenHash(ctx, "hash-other"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("session with a taken ID was stored (SessionByTokenHash err = %v)", err)
	}
	if diff := cmp.Diff(first, mustSession(t, s, first.TokenHash)); diff != "" {
		t.Errorf("first session changed (-want +got):\n%s", diff)
	}
	if got := mustSessions(t, s, "u2"); len(got) != 0 {
		t.Errorf("SessionsByUser(u2) = %+v, want none", got)
	}
}

func testTouchSession(t *testing.T, s account.SessionStore) {
	ctx := context.Background()
	sess := fullSession()
	other := account.Session{ID: "s2", TokenHash: "hash-s2", UserID: "u1", Context: "alice", LastSeenAt: storetesting.T0}
	mustCreateSession(t, s, sess)
	mustCreateSession(t, s, other)

	at := storetesting.T2.Add(time.Hour)
	if err := s.TouchSession(ctx, sess.ID, at); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	sess.LastSeenAt = at
	if diff := cmp.Diff(sess, mustSession(t, s, sess.TokenHash)); diff != "" {
		t.Errorf("touched session (-want +got):\n%s", diff)
	}
	for _, acting := range []string{"beta", ""} {
		if err := s.SetSessionContext(ctx, sess.ID, acting); err != nil {
			t.Fatalf("SetSessionContext(%q): %v", acting, err)
		}
		sess.Context = acting
		if diff := cmp.Diff(sess, mustSession(t, s, sess.TokenHash)); diff != "" {
			t.Errorf("session after SetSessionContext(%q) (-want +got):\n%s", acting, diff)
		}
	}
	if diff := cmp.Diff(other, mustSession(t, s, other.TokenHash)); diff != "" {
		t.Errorf("other session changed (-want +got):\n%s", diff)
	}
}

func testSessionsByUser(t *testing.T, s account.SessionStore) {
	ctx := context.Background()
	for _, sess := range []account.Session{
		{ID: "a", TokenHash: "ha", UserID: "u1", LastSeenAt: storetesting.T0, CreatedAt: storetesting.T0},
		{ID: "b", TokenHash: "hb", UserID: "u1", LastSeenAt: storetesting.T2, CreatedAt: storetesting.T0},
		{ID: "e", TokenHash: "he", UserID: "u2", LastSeenAt: storetesting.T2},
		{ID: "c", TokenHash: "hc", UserID: "u1", LastSeenAt: storetesting.T1, Context: "acme"},
		{ID: "d", TokenHash: "hd", UserID: "u1"},
	} {
		mustCreateSession(t, s, sess)
	}
	ids := func(user string) []string {
		return keys(mustSessions(t, s, user), func(s account.Session) string { return s.ID })
	}
	if diff := cmp.Diff([]string{"b", "c", "a", "d"}, ids("u1")); diff != "" {
		t.Errorf("SessionsByUser(u1) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"e"}, ids("u2")); diff != "" {
		t.Errorf("SessionsByUser(u2) (-want +got):\n%s", diff)
	}
	if got := ids("u3"); len(got) != 0 {
		t.Errorf("SessionsByUser(u3) = %q, want none", got)
	}
	if err := s.TouchSession(ctx, "a", storetesting.T2.Add(time.Second)); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d"}, ids("u1")); diff != "" {
		t.Errorf("SessionsByUser(u1) after a touch (-want +got):\n%s", diff)
	}
	for _, sess := range mustSessions(t, s, "u1") {
		if diff := cmp.Diff(mustSession(t, s, sess.TokenHash), sess); diff != "" {
			t.Errorf("listed %s differs from SessionByTokenHash (-want +got):\n%s", sess.ID, diff)
		}
	}
}

func testDeleteSessions(t *testing.T, s account.SessionStore) {
	ctx := context.Background()
	for i, id := range []string{"a", "b", "c", "d"} {
		mustCreateSession(t, s, account.Session{ID: id, TokenHash: "h" + id, UserID: "u1",
			LastSeenAt: storetesting.T2.Add(-time.Duration(i) * time.Hour)})
	}
	theirs := account.Session{ID: "e", TokenHash: "he", UserID: "u2"}
	mustCreateSession(t, s, theirs)
	ids := func(user string) []string {
		return keys(mustSessions(t, s, user), func(s account.Session) string { return s.ID })
	}

	if err := s.DeleteSession(ctx, "u1", "a"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if _, err := s.SessionByTokenHash(ctx, "ha"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("deleted session still found (err = %v)", err)
	}
	if err := s.DeleteSession(ctx, "u1", "a"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("DeleteSession again: err = %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff([]string{"b", "c", "d"}, ids("u1")); diff != "" {
		t.Errorf("sessions left (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name, user, except string
		want               int
		left               []string
	}{
		{"all but one", "u1", "c", 2, []string{"c"}},
		{"all but one again", "u1", "c", 0, []string{"c"}},
		{"except another user's session", "u1", "e", 1, nil},
		{"none left", "u1", "", 0, nil},
		{"unknown user", "u3", "", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := s.DeleteUserSessions(ctx, tc.user, tc.except)
			if err != nil {
				t.Fatalf("DeleteUserSessions: %v", err)
			}
			if n != tc.want {
				t.Errorf("DeleteUserSessions = %d, want %d", n, tc.want)
			}
			if diff := cmp.Diff(tc.left, ids(tc.user)); diff != "" {
				t.Errorf("sessions left (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("everything", func(t *testing.T) {
		for _, id := range []string{"x", "y"} {
			mustCreateSession(t, s, account.Session{ID: id, TokenHash: "h" + id, UserID: "u1"})
		}
		if n, err := s.DeleteUserSessions(ctx, "u1", ""); n != 2 || err != nil {
			t.Errorf("DeleteUserSessions = %d, %v; want 2, nil", n, err)
		}
		if got := ids("u1"); len(got) != 0 {
			t.Errorf("sessions left: %q", got)
		}
	})
	if diff := cmp.Diff(theirs, mustSession(t, s, theirs.TokenHash)); diff != "" {
		t.Errorf("another user's session changed (-want +got):\n%s", diff)
	}
}

// mustCreateSession creates sess and fails the test on error.
func mustCreateSession(t *testing.T, s account.SessionStore, sess account.Session) {
	t.Helper()
	if err := s.CreateSession(context.Background(), sess); err != nil {
		t.Fatalf("CreateSession(%s): %v", sess.ID, err)
	}
}

// mustSession reads the session with token hash h and fails the test on error.
func mustSession(t *testing.T, s account.SessionStore, h string) account.Session {
	t.Helper()
	sess, err := s.SessionByTokenHash(context.Background(), h)
	if err != nil {
		t.Fatalf("SessionByTokenHash(%s): %v", h, err)
	}
	return sess
}

// mustSessions lists userID's sessions and fails the test on error.
func mustSessions(t *testing.T, s account.SessionStore, userID string) []account.Session {
	t.Helper()
	got, err := s.SessionsByUser(context.Background(), userID)
	if err != nil {
		t.Fatalf("SessionsByUser(%s): %v", userID, err)
	}
	return got
}
