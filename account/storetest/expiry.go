package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/storetesting"
)

// testTouchSessionForward checks that a touch earlier than the stored
// LastSeenAt succeeds and leaves it alone.
func testTouchSessionForward(t *testing.T, s account.SessionStore) {
	sess := fullSession() // last seen at T1
	mustCreateSession(t, s, sess)
	touchForward(t, "TouchSession",
		func(at time.Time) error { return s.TouchSession(context.Background(), sess.ID, at) },
		func() time.Time { return mustSession(t, s, sess.TokenHash).LastSeenAt })
}

// touchForward checks a touch method, starting from a stored time of T1:
// earlier or equal times leave it alone without error, a later one moves it.
func touchForward(t *testing.T, name string, touch func(time.Time) error, stored func() time.Time) {
	for _, tc := range []struct {
		name     string
		at, want time.Time
	}{
		{"earlier", storetesting.T0, storetesting.T1},
		{"same instant", storetesting.T1.UTC(), storetesting.T1},
		{"a nanosecond earlier", storetesting.T1.Add(-time.Nanosecond), storetesting.T1},
		{"later", storetesting.T2, storetesting.T2},
		{"earlier again", storetesting.T1, storetesting.T2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := touch(tc.at); err != nil {
				t.Fatalf("%s(%v): %v", name, tc.at, err)
			}
			if got := stored(); !got.Equal(tc.want) {
				t.Errorf("after %s(%v) the stored time is %v, want %v", name, tc.at, got, tc.want)
			}
		})
	}
}

func testDeleteExpiredSessions(t *testing.T, s account.SessionStore) {
	ctx := context.Background()
	// The cut-offs differ, so that swapping them changes the outcome, and
	// expiredBefore is outside UTC, so that stores compare instants.
	expiredBefore := storetesting.T1
	idleBefore := expiredBefore.Add(-7 * 24 * time.Hour)
	live := storetesting.T2
	for _, sess := range []account.Session{
		{ID: "expired", UserID: "u1", ExpiresAt: expiredBefore.Add(-time.Nanosecond), LastSeenAt: live},
		{ID: "idle", UserID: "u1", ExpiresAt: live, LastSeenAt: idleBefore.Add(-time.Nanosecond)},
		{ID: "both", UserID: "u2", ExpiresAt: storetesting.T0, LastSeenAt: storetesting.T0},
		{ID: "zero times", UserID: "u2"},
		{ID: "at the cut-offs", UserID: "u1", ExpiresAt: expiredBefore, LastSeenAt: idleBefore},
		{ID: "seen recently", UserID: "u1", ExpiresAt: live, LastSeenAt: expiredBefore.Add(-time.Hour)},
		{ID: "fresh", UserID: "u2", ExpiresAt: live, LastSeenAt: live},
	} {
		sess.TokenHash = "h-" + sess.ID
		mustCreateSession(t, s, sess)
	}
	ids := func(user string) []string {
		return keys(mustSessions(t, s, user), func(s account.Session) string { return s.ID })
	}

	for _, want := range []int{4, 0} { // the second time there is nothing left to remove
		n, err := s.DeleteExpiredSessions(ctx, expiredBefore, idleBefore)
		if err != nil {
			t.Fatalf("DeleteExpiredSessions: %v", err)
		}
		if n != want {
			t.Errorf("DeleteExpiredSessions = %d, want %d", n, want)
		}
		if diff := cmp.Diff([]string{"seen recently", "at the cut-offs"}, ids("u1")); diff != "" {
			t.Errorf("u1's sessions left (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"fresh"}, ids("u2")); diff != "" {
			t.Errorf("u2's sessions left (-want +got):\n%s", diff)
		}
	}
}

// testTouchTokenForward checks that a use earlier than the stored
// LastUsedAt succeeds and leaves it alone.
func testTouchTokenForward(t *testing.T, s account.TokenStore) {
	tok := fullToken() // last used at T1
	mustCreateToken(t, s, tok)
	touchForward(t, "TouchToken",
		func(at time.Time) error { return s.TouchToken(context.Background(), tok.ID, at) },
		func() time.Time { return mustToken(t, s, tok.TokenHash).LastUsedAt })
}

func testDeleteExpiredTokens(t *testing.T, s account.TokenStore) {
	ctx := context.Background()
	before := storetesting.T1 // outside UTC, so that stores compare instants
	for i, tok := range []account.AccessToken{
		{ID: "never", UserID: "u1", CreatedAt: storetesting.T0},
		{ID: "never used", UserID: "u2"},
		{ID: "expired", UserID: "u1", ExpiresAt: before.Add(-time.Nanosecond), LastUsedAt: storetesting.T2},
		{ID: "long expired", UserID: "u2", ExpiresAt: storetesting.T0},
		{ID: "at the cut-off", UserID: "u1", ExpiresAt: before},
		{ID: "later", UserID: "u1", ExpiresAt: storetesting.T2},
	} {
		tok.TokenHash = "h-" + tok.ID
		tok.CreatedAt = storetesting.T0.Add(time.Duration(i) * time.Second) // listing order
		mustCreateToken(t, s, tok)
	}
	ids := func(user string) []string {
		return keys(mustTokens(t, s, user), func(t account.AccessToken) string { return t.ID })
	}

	for _, tc := range []struct {
		name   string
		before time.Time
		want   int
		u1, u2 []string
	}{
		{"expired", before, 2, []string{"later", "at the cut-off", "never"}, []string{"never used"}},
		{"again", before, 0, []string{"later", "at the cut-off", "never"}, []string{"never used"}},
		{"far in the future", storetesting.T2.AddDate(100, 0, 0), 2, []string{"never"}, []string{"never used"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := s.DeleteExpiredTokens(ctx, tc.before)
			if err != nil {
				t.Fatalf("DeleteExpiredTokens: %v", err)
			}
			if n != tc.want {
				t.Errorf("DeleteExpiredTokens = %d, want %d", n, tc.want)
			}
			if diff := cmp.Diff(tc.u1, ids("u1")); diff != "" {
				t.Errorf("u1's tokens left (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.u2, ids("u2")); diff != "" {
				t.Errorf("u2's tokens left (-want +got):\n%s", diff)
			}
		})
	}
}

// testLatestExpiry checks that a token expiring at account.LatestExpiry,
// the last instant the service accepts, is kept exactly and is not swept
// as expired: an expiry that wrapped round on the way in would read back
// in 1677 and be swept at once.
func testLatestExpiry(t *testing.T, s account.TokenStore) {
	ctx := context.Background()
	tok := account.AccessToken{ID: "last", UserID: "u1", TokenHash: "h-last", CreatedAt: storetesting.T0, ExpiresAt: account.LatestExpiry}
	mustCreateToken(t, s, tok)
	if n, err := s.DeleteExpiredTokens(ctx, storetesting.T2.AddDate(200, 0, 0)); err != nil || n != 0 {
		t.Errorf("DeleteExpiredTokens(200 years on) = %d, %v; want 0, nil", n, err)
	}
	if got := mustToken(t, s, tok.TokenHash).ExpiresAt; !got.Equal(account.LatestExpiry) {
		t.Errorf("TokenByHash: ExpiresAt = %v, want %v", got, account.LatestExpiry)
	}
	if diff := cmp.Diff([]account.AccessToken{tok}, mustTokens(t, s, tok.UserID), equate); diff != "" {
		t.Errorf("TokensByUser (-want +got):\n%s", diff)
	}
}
