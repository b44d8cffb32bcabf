package account_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/account"
	"github.com/berth/berth/account/sqlitestore"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
)

// TestSweep checks, on a service whose lifetimes and clock are not the
// defaults (so that Sweep is shown to use both), that Sweep removes what
// Session and AuthenticateToken refuse and keeps what they accept.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	s, _, clock := newSweepService(t)
	t0 := *clock
	sweepAt := t0.Add(11 * 24 * time.Hour)
	alice, bob := register(t, s, "alice"), register(t, s, "bob")

	signIn := func(user string, at time.Time) (string, string) {
		t.Helper()
		*clock = at
		sess, token, err := s.SignIn(ctx, user, user+"-password", account.Client{})
		if err != nil {
			t.Fatal(err)
		}
		return sess.ID, token
	}
	newToken := func(userID, name string, expires time.Time) string {
		t.Helper()
		_, secret, err := s.CreateToken(ctx, userID, account.NewToken{Name: name, ExpiresAt: expires})
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	forever := newToken(alice.ID, "forever", time.Time{})
	newToken(alice.ID, "lapsed", sweepAt.Add(-time.Second))
	later := newToken(alice.ID, "later", sweepAt.Add(time.Hour))
	newToken(bob.ID, "lapsed", sweepAt.Add(-24*time.Hour))

	// Active every two days, yet past its ten-day lifetime at the sweep.
	_, expired := signIn("alice", t0)
	for day := 2; day <= 10; day += 2 {
		*clock = t0.Add(time.Duration(day) * 24 * time.Hour)
		if _, _, err := s.Session(ctx, expired); err != nil {
			t.Fatalf("day %d: an active session ended: %v", day, err)
		}
	}
	signIn("alice", sweepAt.Add(-3*24*time.Hour-time.Second)) // idle at the sweep
	edgeID, edge := signIn("alice", sweepAt.Add(-3*24*time.Hour))
	liveID, live := signIn("bob", sweepAt.Add(-time.Hour))

	*clock = sweepAt
	for _, want := range [][2]int{{2, 2}, {0, 0}} { // the second time there is nothing left to remove
		sessions, tokens, err := s.Sweep(ctx)
		if err != nil {
			t.Fatalf("Sweep: %v", err)
		}
		if sessions != want[0] || tokens != want[1] {
			t.Errorf("Sweep = %d sessions, %d tokens; want %d, %d", sessions, tokens, want[0], want[1])
		}
	}
	for _, tc := range []struct {
		user     account.User
		sessions []string
		tokens   []string
	}{
		{alice, []string{edgeID}, []string{"forever", "later"}},
		{bob, []string{liveID}, nil},
	} {
		if diff := cmp.Diff(tc.sessions, sessionIDs(t, s, tc.user.ID)); diff != "" {
			t.Errorf("%s's sessions left (-want +got):\n%s", tc.user.Username, diff)
		}
		if diff := cmp.Diff(tc.tokens, tokenNames(t, s, tc.user.ID)); diff != "" {
			t.Errorf("%s's tokens left (-want +got):\n%s", tc.user.Username, diff)
		}
	}
	for _, token := range []string{edge, live} {
		if _, _, err := s.Session(ctx, token); err != nil {
			t.Errorf("a session the sweep kept is refused: %v", err)
		}
	}
	for _, token := range []string{forever, later} {
		if _, _, err := s.AuthenticateToken(ctx, token); err != nil {
			t.Errorf("a token the sweep kept is refused: %v", err)
		}
	}

}

// TestSweepReportsEachFailure breaks one table at a time and checks that
// Sweep reports the failure and still sweeps the other.
func TestSweepReportsEachFailure(t *testing.T) {
	for _, tc := range []struct {
		table            string
		sessions, tokens int
	}{
		{"sessions", 0, 1},
		{"access_tokens", 1, 0},
	} {
		t.Run(tc.table, func(t *testing.T) {
			ctx := context.Background()
			s, db, clock := newSweepService(t)
			alice := register(t, s, "alice")
			if _, _, err := s.CreateToken(ctx, alice.ID, account.NewToken{Name: "ci", ExpiresAt: clock.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.SignIn(ctx, "alice", "alice-password", account.Client{}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, "DROP TABLE "+tc.table); err != nil {
				t.Fatal(err)
			}
			*clock = clock.Add(30 * 24 * time.Hour)
			sessions, tokens, err := s.Sweep(ctx)
			if err == nil {
				t.Error("Sweep without the table succeeded, want an error")
			}
			if sessions != tc.sessions || tokens != tc.tokens {
				t.Errorf("Sweep = %d sessions, %d tokens; want %d, %d", sessions, tokens, tc.sessions, tc.tokens)
			}
		})
	}
}

// newSweepService builds the account service over real SQLite stores with
// lifetimes other than the defaults (idle 3 days, at most 10 days) and a
// clock far from the real one, which the test moves; it returns the
// database too.
func newSweepService(t *testing.T) (*account.Service, *sql.DB, *time.Time) {
	t.Helper()
	db := sqldbtest.Open(t)
	st, err := sqlitestore.New(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	s := account.New(account.Stores{Users: st, Namespaces: st, Sessions: st, Tokens: st, Orgs: st}, nil,
		account.Options{Password: fastHash, SessionIdle: 3 * 24 * time.Hour, SessionMaximum: 10 * 24 * time.Hour})
	now := time.Date(2041, 3, 1, 12, 0, 0, 0, time.UTC)
	account.SetClock(s, func() time.Time { return now })
	return s, db, &now
}

// sessionIDs returns the IDs of the user's sessions, most recently seen first.
func sessionIDs(t *testing.T, s *account.Service, userID string) []string {
	t.Helper()
	sessions, err := s.Sessions(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sess := range sessions {
		ids = append(ids, sess.ID)
	}
	return ids
}

// tokenNames returns the names of the user's tokens, sorted.
func tokenNames(t *testing.T, s *account.Service, userID string) []string {
	t.Helper()
	tokens, err := s.Tokens(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tok := range tokens {
		names = append(names, tok.Name)
	}
	slices.Sort(names)
	return names
}
