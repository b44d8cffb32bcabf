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

// fullToken is an access token with every field set.
func fullToken() account.AccessToken {
	return account.AccessToken{
		ID: "t1", UserID: "u1", Name: "CI \"deploy\" — ünïcode", TokenHash: "hash-t1", Hint: "wxyz",
		Access: account.TokenReadWrite, Resources: []string{"acme", "acme/db", "alice/tools"},
		CreatedAt: storetesting.T0, ExpiresAt: storetesting.T2, LastUsedAt: storetesting.T1,
	}
}

func testTokenRoundTrip(t *testing.T, s account.TokenStore) {
	for _, tc := range []struct {
		name string
		in   account.AccessToken
	}{
		{"every field set", fullToken()},
		{"zero values", account.AccessToken{ID: "t2", UserID: "u2", TokenHash: "hash-t2"}},
		{"empty resources", account.AccessToken{ID: "t3", UserID: "u3", TokenHash: "hash-t3",
			Access: account.TokenRead, Resources: []string{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustCreateToken(t, s, tc.in)
			if diff := cmp.Diff(tc.in, mustToken(t, s, tc.in.TokenHash), equate); diff != "" {
				t.Errorf("TokenByHash (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]account.AccessToken{tc.in}, mustTokens(t, s, tc.in.UserID), equate); diff != "" {
				t.Errorf("TokensByUser (-want +got):\n%s", diff)
			}
		})
	}
}

func testTokenNotFound(t *testing.T, s account.TokenStore) {
	ctx := context.Background()
	tok := fullToken()
	mustCreateToken(t, s, tok)
	t.Run("TokenByHash", func(t *testing.T) {
		for _, h := range []string{"hash-t2", "", tok.ID} {
			got, err := s.TokenByHash(ctx, h)
			if !errors.Is(err, account.ErrNotFound) {
				t.Errorf("TokenByHash(%q): err = %v, want ErrNotFound", h, err)
			}
			if diff := cmp.Diff(account.AccessToken{}, got); diff != "" {
				t.Errorf("TokenByHash(%q) not zero (-want +got):\n%s", h, diff)
			}
		}
	})
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"TouchToken", func() error { return s.TouchToken(ctx, "t2", storetesting.T2) }},
		{"DeleteToken", func() error { return s.DeleteToken(ctx, "u1", "t2") }},
		{"DeleteToken of another user's token", func() error { return s.DeleteToken(ctx, "u2", "t1") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, account.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
	}
	if diff := cmp.Diff(tok, mustToken(t, s, tok.TokenHash)); diff != "" {
		t.Errorf("token changed (-want +got):\n%s", diff)
	}
}

func testTokenDuplicates(t *testing.T, s account.TokenStore) {
	ctx := context.Background()
	first := fullToken()
	mustCreateToken(t, s, first)
	if err := s.CreateToken(ctx, account.AccessToken{ID: "t2", UserID: "u2", TokenHash: first.TokenHash}); err == nil {
		t.Error("CreateToken with a taken token hash succeeded, want an error")
	}
	if err := s.CreateToken(ctx, account.AccessToken{ID: first.ID, UserID: "u2", TokenHash: "hash-other"}); err == nil {
		t.Error("CreateToken with a taken ID succeeded, want an error")
	}
	if _, err := s.TokenByHash(ctx, "hash-other"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("token with a taken ID was stored (TokenByHash err = %v)", err)
	}
	if diff := cmp.Diff(first, mustToken(t, s, first.TokenHash)); diff != "" {
		t.Errorf("first token changed (-want +got):\n%s", diff)
	}
	if got := mustTokens(t, s, "u2"); len(got) != 0 {
		t.Errorf("TokensByUser(u2) = %+v, want none", got)
	}
}

func testTouchToken(t *testing.T, s account.TokenStore) {
	ctx := context.Background()
	tok := fullToken()
	never := account.AccessToken{ID: "t2", UserID: "u1", TokenHash: "hash-t2", CreatedAt: storetesting.T1}
	mustCreateToken(t, s, tok)
	mustCreateToken(t, s, never)
	for _, at := range []time.Time{storetesting.T2, storetesting.T2.AddDate(0, 0, 1)} {
		if err := s.TouchToken(ctx, never.ID, at); err != nil {
			t.Fatalf("TouchToken(%v): %v", at, err)
		}
		never.LastUsedAt = at
		if diff := cmp.Diff(never, mustToken(t, s, never.TokenHash), equate); diff != "" {
			t.Errorf("token touched at %v (-want +got):\n%s", at, diff)
		}
	}
	if diff := cmp.Diff(tok, mustToken(t, s, tok.TokenHash)); diff != "" {
		t.Errorf("other token changed (-want +got):\n%s", diff)
	}
}

func testTokensByUser(t *testing.T, s account.TokenStore) {
	for _, tok := range []account.AccessToken{
		{ID: "a", UserID: "u1", TokenHash: "ha", CreatedAt: storetesting.T1, Resources: []string{"acme"}},
		{ID: "b", UserID: "u1", TokenHash: "hb", CreatedAt: storetesting.T0, LastUsedAt: storetesting.T2},
		{ID: "e", UserID: "u2", TokenHash: "he", CreatedAt: storetesting.T2},
		{ID: "c", UserID: "u1", TokenHash: "hc", CreatedAt: storetesting.T2, Access: account.TokenRead},
	} {
		mustCreateToken(t, s, tok)
	}
	ids := func(user string) []string {
		return keys(mustTokens(t, s, user), func(t account.AccessToken) string { return t.ID })
	}
	if diff := cmp.Diff([]string{"c", "a", "b"}, ids("u1")); diff != "" {
		t.Errorf("TokensByUser(u1) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"e"}, ids("u2")); diff != "" {
		t.Errorf("TokensByUser(u2) (-want +got):\n%s", diff)
	}
	if got := ids("u3"); len(got) != 0 {
		t.Errorf("TokensByUser(u3) = %q, want none", got)
	}
	for _, tok := range mustTokens(t, s, "u1") {
		if diff := cmp.Diff(mustToken(t, s, tok.TokenHash), tok, equate); diff != "" {
			t.Errorf("listed %s differs from TokenByHash (-want +got):\n%s", tok.ID, diff)
		}
	}
}

func testDeleteTokens(t *testing.T, s account.TokenStore) {
	ctx := context.Background()
	for i, id := range []string{"a", "b", "c"} {
		mustCreateToken(t, s, account.AccessToken{ID: id, UserID: "u1", TokenHash: "h" + id,
			CreatedAt: storetesting.T0.AddDate(0, 0, i)})
	}
	theirs := account.AccessToken{ID: "e", UserID: "u2", TokenHash: "he"}
	mustCreateToken(t, s, theirs)
	ids := func(user string) []string {
		return keys(mustTokens(t, s, user), func(t account.AccessToken) string { return t.ID })
	}

	if err := s.DeleteToken(ctx, "u1", "a"); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	if _, err := s.TokenByHash(ctx, "ha"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("deleted token still found (err = %v)", err)
	}
	if err := s.DeleteToken(ctx, "u1", "a"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("DeleteToken again: err = %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff([]string{"c", "b"}, ids("u1")); diff != "" {
		t.Errorf("tokens left (-want +got):\n%s", diff)
	}
	for range 2 { // the second time there is nothing left to remove
		if err := s.DeleteUserTokens(ctx, "u1"); err != nil {
			t.Fatalf("DeleteUserTokens: %v", err)
		}
		if got := ids("u1"); len(got) != 0 {
			t.Errorf("tokens left: %q", got)
		}
	}
	if err := s.DeleteUserTokens(ctx, "u3"); err != nil {
		t.Errorf("DeleteUserTokens of a user without tokens: %v", err)
	}
	if diff := cmp.Diff(theirs, mustToken(t, s, theirs.TokenHash), equate); diff != "" {
		t.Errorf("another user's token changed (-want +got):\n%s", diff)
	}
}

// mustCreateToken creates tok and fails the test on error.
func mustCreateToken(t *testing.T, s account.TokenStore, tok account.AccessToken) {
	t.Helper()
	if err := s.CreateToken(context.Background(), tok); err != nil {
		t.Fatalf("CreateToken(%s): %v", tok.ID, err)
	}
}

// mustToken reads the token with hash h and fails the test on error.
func mustToken(t *testing.T, s account.TokenStore, h string) account.AccessToken {
	t.Helper()
	tok, err := s.TokenByHash(context.Background(), h)
	if err != nil {
		t.Fatalf("TokenByHash(%s): %v", h, err)
	}
	return tok
}

// mustTokens lists userID's tokens and fails the test on error.
func mustTokens(t *testing.T, s account.TokenStore, userID string) []account.AccessToken {
	t.Helper()
	got, err := s.TokensByUser(context.Background(), userID)
	if err != nil {
		t.Fatalf("TokensByUser(%s): %v", userID, err)
	}
	return got
}
