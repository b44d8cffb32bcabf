package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

// RunRefresh runs the refresh token suite. newStore must return a new, empty
// store for each call.
func RunRefresh(t *testing.T, newStore func(t *testing.T) licensing.RefreshStore) {
	storetesting.Run(t, newStore, []storetesting.Test[licensing.RefreshStore]{
		{Name: "RoundTrip", Run: testRefreshRoundTrip},
		{Name: "Conflict", Run: testRefreshConflict},
		{Name: "NotFound", Run: testRefreshNotFound},
		{Name: "ByUser", Run: testRefreshByUser},
		{Name: "Touch", Run: testTouchRefresh},
		{Name: "Delete", Run: testDeleteRefresh},
		{Name: "DeleteByCredential", Run: testDeleteRefreshByCredential},
		{Name: "DeleteUser", Run: testDeleteUserRefresh},
		{Name: "NoUserOrCredential", Run: testRefreshEmptyKeys},
	})
}

// refresh returns an access-token refresh token of user with every field
// but LastUsedAt set.
func refresh(id, user, credential string, created time.Time) licensing.RefreshToken {
	return licensing.RefreshToken{
		ID: id, TokenHash: "hash-" + id, Hint: "x" + id, Kind: licensing.CredentialToken,
		UserID: user, Credential: credential, ClientID: "docker", CreatedAt: created,
	}
}

func testRefreshRoundTrip(t *testing.T, s licensing.RefreshStore) {
	every := refresh("r1", "u1", "pat-1", storetesting.T0)
	every.ClientID, every.LastUsedAt = `crane "ci" — ünïcode`, storetesting.T1
	license := licensing.RefreshToken{ID: "r3", TokenHash: "hash-r3", Hint: "r3", Kind: licensing.CredentialLicense,
		UserID: "u3", Credential: "lic-1", CreatedAt: storetesting.T2, LastUsedAt: storetesting.T2}
	for _, tc := range []struct {
		name string
		in   licensing.RefreshToken
	}{
		{"every field set", every},
		{"zero times", licensing.RefreshToken{ID: "r2", TokenHash: "hash-r2", Hint: "r2",
			Kind: licensing.CredentialPassword, UserID: "u2", ClientID: "docker"}},
		{"license kind", license},
		{"zero values", licensing.RefreshToken{ID: "r4", TokenHash: "hash-r4", UserID: "u4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustCreateRefresh(t, s, tc.in)
			if diff := cmp.Diff(tc.in, mustRefresh(t, s, tc.in.TokenHash)); diff != "" {
				t.Errorf("RefreshTokenByHash (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]licensing.RefreshToken{tc.in}, mustRefreshes(t, s, tc.in.UserID)); diff != "" {
				t.Errorf("RefreshTokensByUser (-want +got):\n%s", diff)
			}
		})
	}
}

func testRefreshConflict(t *testing.T, s licensing.RefreshStore) {
	ctx := context.Background()
	first := refresh("r1", "u1", "pat-1", storetesting.T0)
	mustCreateRefresh(t, s, first)
	sameID := refresh("r1", "u2", "pat-2", storetesting.T1)
	sameID.TokenHash = "hash-other"
	sameHash := refresh("r2", "u2", "pat-2", storetesting.T1)
	sameHash.TokenHash = first.TokenHash
	for _, tc := range []struct {
		name string
		in   licensing.RefreshToken
	}{
		{"same ID", sameID},
		{"same hash", sameHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.CreateRefreshToken(ctx, tc.in); !errors.Is(err, licensing.ErrConflict) {
				t.Fatalf("err = %v, want ErrConflict", err)
			}
		})
	}
	if _, err := s.RefreshTokenByHash(ctx, "hash-other"); !errors.Is(err, licensing.ErrNotFound) {
		t.Errorf("token with a taken ID was stored (RefreshTokenByHash err = %v)", err)
	}
	if got := mustRefreshes(t, s, "u2"); len(got) != 0 {
		t.Errorf("RefreshTokensByUser(u2) = %+v, want none", got)
	}
	if diff := cmp.Diff(first, mustRefresh(t, s, first.TokenHash)); diff != "" {
		t.Errorf("first token changed (-want +got):\n%s", diff)
	}
}

func testRefreshNotFound(t *testing.T, s licensing.RefreshStore) {
	ctx := context.Background()
	tok := refresh("r1", "u1", "pat-1", storetesting.T0)
	mustCreateRefresh(t, s, tok)
	t.Run("RefreshTokenByHash", func(t *testing.T) {
		for _, h := range []string{"hash-r2", "", tok.ID, tok.Hint} {
			got, err := s.RefreshTokenByHash(ctx, h)
			if !errors.Is(err, licensing.ErrNotFound) {
				t.Errorf("RefreshTokenByHash(%q): err = %v, want ErrNotFound", h, err)
			}
			if diff := cmp.Diff(licensing.RefreshToken{}, got); diff != "" {
				t.Errorf("RefreshTokenByHash(%q) not zero (-want +got):\n%s", h, diff)
			}
		}
	})
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"TouchRefreshToken", func() error { return s.TouchRefreshToken(ctx, "r2", storetesting.T2) }},
		{"TouchRefreshToken by hash", func() error { return s.TouchRefreshToken(ctx, tok.TokenHash, storetesting.T2) }},
		{"DeleteRefreshToken", func() error { return s.DeleteRefreshToken(ctx, "u1", "r2") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, licensing.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
	}
	if diff := cmp.Diff(tok, mustRefresh(t, s, tok.TokenHash)); diff != "" {
		t.Errorf("token changed (-want +got):\n%s", diff)
	}
}

func testRefreshByUser(t *testing.T, s licensing.RefreshStore) {
	for _, tok := range []licensing.RefreshToken{
		refresh("a", "u1", "pat-1", storetesting.T1),
		refresh("b", "u1", "", storetesting.T0),
		refresh("e", "u2", "pat-1", storetesting.T2),
		refresh("c", "u1", "lic-1", storetesting.T2),
		refresh("d", "u1", "pat-2", storetesting.T1.Add(time.Nanosecond)),
	} {
		if tok.ID == "b" {
			tok.Kind, tok.LastUsedAt = licensing.CredentialPassword, storetesting.T2
		}
		mustCreateRefresh(t, s, tok)
	}
	for _, tc := range []struct {
		user string
		want []string
	}{
		{"u1", []string{"c", "d", "a", "b"}},
		{"u2", []string{"e"}},
		{"u3", nil},
	} {
		t.Run(tc.user, func(t *testing.T) {
			got := mustRefreshes(t, s, tc.user)
			if diff := cmp.Diff(tc.want, refreshIDs(got)); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			for _, tok := range got {
				if diff := cmp.Diff(mustRefresh(t, s, tok.TokenHash), tok); diff != "" {
					t.Errorf("listed %s differs from RefreshTokenByHash (-want +got):\n%s", tok.ID, diff)
				}
			}
		})
	}
}

func testTouchRefresh(t *testing.T, s licensing.RefreshStore) {
	ctx := context.Background()
	tok := refresh("r1", "u1", "pat-1", storetesting.T0) // never used
	other := refresh("r2", "u1", "pat-1", storetesting.T0)
	other.LastUsedAt = storetesting.T0
	mustCreateRefresh(t, s, tok)
	mustCreateRefresh(t, s, other)
	for _, tc := range []struct {
		name     string
		at, want time.Time
	}{
		{"first use", storetesting.T1, storetesting.T1},
		{"earlier", storetesting.T0, storetesting.T1},
		{"same instant", storetesting.T1.UTC(), storetesting.T1},
		{"a nanosecond earlier", storetesting.T1.Add(-time.Nanosecond), storetesting.T1},
		{"zero time", time.Time{}, storetesting.T1},
		{"a nanosecond later", storetesting.T1.Add(time.Nanosecond), storetesting.T1.Add(time.Nanosecond)},
		{"later", storetesting.T2, storetesting.T2},
		{"earlier again", storetesting.T1, storetesting.T2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.TouchRefreshToken(ctx, tok.ID, tc.at); err != nil {
				t.Fatalf("TouchRefreshToken(%v): %v", tc.at, err)
			}
			want := tok
			want.LastUsedAt = tc.want
			if diff := cmp.Diff(want, mustRefresh(t, s, tok.TokenHash)); diff != "" {
				t.Errorf("touched token (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff(other, mustRefresh(t, s, other.TokenHash)); diff != "" {
		t.Errorf("other token changed (-want +got):\n%s", diff)
	}
}

// mustCreateRefresh creates tok and fails the test on error.
func mustCreateRefresh(t *testing.T, s licensing.RefreshStore, tok licensing.RefreshToken) {
	t.Helper()
	if err := s.CreateRefreshToken(context.Background(), tok); err != nil {
		t.Fatalf("CreateRefreshToken(%s): %v", tok.ID, err)
	}
}

// mustRefresh reads the refresh token with hash h and fails the test on error.
func mustRefresh(t *testing.T, s licensing.RefreshStore, h string) licensing.RefreshToken {
	t.Helper()
	tok, err := s.RefreshTokenByHash(context.Background(), h)
	if err != nil {
		t.Fatalf("RefreshTokenByHash(%s): %v", h, err)
	}
	return tok
}

// mustRefreshes lists userID's refresh tokens and fails the test on error.
func mustRefreshes(t *testing.T, s licensing.RefreshStore, userID string) []licensing.RefreshToken {
	t.Helper()
	got, err := s.RefreshTokensByUser(context.Background(), userID)
	if err != nil {
		t.Fatalf("RefreshTokensByUser(%s): %v", userID, err)
	}
	return got
}

// refreshIDs returns the tokens' IDs in order.
func refreshIDs(toks []licensing.RefreshToken) []string {
	var ids []string
	for _, tok := range toks {
		ids = append(ids, tok.ID)
	}
	return ids
}
