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

func testDeleteRefresh(t *testing.T, s licensing.RefreshStore) {
	ctx := context.Background()
	for i, id := range []string{"a", "b", "c"} {
		mustCreateRefresh(t, s, refresh(id, "u1", "pat-1", storetesting.T0.AddDate(0, 0, i)))
	}
	theirs := refresh("e", "u2", "pat-1", storetesting.T1)
	mustCreateRefresh(t, s, theirs)

	if err := s.DeleteRefreshToken(ctx, "u1", "b"); err != nil {
		t.Fatalf("DeleteRefreshToken: %v", err)
	}
	if _, err := s.RefreshTokenByHash(ctx, "hash-b"); !errors.Is(err, licensing.ErrNotFound) {
		t.Errorf("deleted token still found (err = %v)", err)
	}
	if err := s.DeleteRefreshToken(ctx, "u1", "b"); !errors.Is(err, licensing.ErrNotFound) {
		t.Errorf("DeleteRefreshToken again: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteRefreshToken(ctx, "u1", theirs.ID); !errors.Is(err, licensing.ErrNotFound) {
		t.Errorf("DeleteRefreshToken of another user's token: err = %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff([]string{"c", "a"}, refreshIDs(mustRefreshes(t, s, "u1"))); diff != "" {
		t.Errorf("u1's tokens left (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(theirs, mustRefresh(t, s, theirs.TokenHash)); diff != "" {
		t.Errorf("another user's token changed (-want +got):\n%s", diff)
	}
}

func testDeleteRefreshByCredential(t *testing.T, s licensing.RefreshStore) {
	ctx := context.Background()
	for i, tok := range []licensing.RefreshToken{
		refresh("a", "u1", "pat-1", storetesting.T0),
		refresh("b", "u1", "pat-2", storetesting.T0),
		refresh("c", "u2", "pat-1", storetesting.T0), // one credential, two users: not for a store to judge
		refresh("d", "u1", "pat-1", storetesting.T0),
		refresh("e", "u1", "lic-1", storetesting.T0),
		refresh("f", "u1", "", storetesting.T0),
		refresh("g", "u2", "pat-3", storetesting.T0),
	} {
		tok.CreatedAt = tok.CreatedAt.Add(time.Duration(i) * time.Second) // listing order
		mustCreateRefresh(t, s, tok)
	}
	for _, tc := range []struct {
		name, credential string
		want             int
		left1, left2     []string
	}{
		{"an access token's", "pat-1", 3, []string{"f", "e", "b"}, []string{"g"}},
		{"the same again", "pat-1", 0, []string{"f", "e", "b"}, []string{"g"}},
		{"a credential no token came from", "pat-9", 0, []string{"f", "e", "b"}, []string{"g"}},
		{"a license's", "lic-1", 1, []string{"f", "b"}, []string{"g"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := s.DeleteRefreshTokensByCredential(ctx, tc.credential)
			if err != nil {
				t.Fatalf("DeleteRefreshTokensByCredential: %v", err)
			}
			if n != tc.want {
				t.Errorf("removed %d, want %d", n, tc.want)
			}
			if diff := cmp.Diff(tc.left1, refreshIDs(mustRefreshes(t, s, "u1"))); diff != "" {
				t.Errorf("u1's tokens left (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.left2, refreshIDs(mustRefreshes(t, s, "u2"))); diff != "" {
				t.Errorf("u2's tokens left (-want +got):\n%s", diff)
			}
		})
	}
}

func testDeleteUserRefresh(t *testing.T, s licensing.RefreshStore) {
	ctx := context.Background()
	mine := []licensing.RefreshToken{
		refresh("a", "u1", "pat-1", storetesting.T0),
		refresh("b", "u1", "", storetesting.T1),
		refresh("c", "u1", "lic-1", storetesting.T2),
	}
	for _, tok := range mine {
		mustCreateRefresh(t, s, tok)
	}
	theirs := refresh("e", "u2", "pat-1", storetesting.T1)
	mustCreateRefresh(t, s, theirs)
	for range 2 { // the second time there is nothing left to remove
		if err := s.DeleteUserRefreshTokens(ctx, "u1"); err != nil {
			t.Fatalf("DeleteUserRefreshTokens: %v", err)
		}
		if got := refreshIDs(mustRefreshes(t, s, "u1")); len(got) != 0 {
			t.Errorf("u1's tokens left: %q", got)
		}
	}
	for _, tok := range mine {
		if _, err := s.RefreshTokenByHash(ctx, tok.TokenHash); !errors.Is(err, licensing.ErrNotFound) {
			t.Errorf("deleted token %s still found (err = %v)", tok.ID, err)
		}
	}
	if err := s.DeleteUserRefreshTokens(ctx, "u3"); err != nil {
		t.Errorf("DeleteUserRefreshTokens of a user without tokens: %v", err)
	}
	if diff := cmp.Diff(theirs, mustRefresh(t, s, theirs.TokenHash)); diff != "" {
		t.Errorf("another user's token changed (-want +got):\n%s", diff)
	}
}

// testRefreshEmptyKeys checks that an empty user ID or credential matches
// no token, although tokens with an empty one are stored: a license token
// may have no user and a password token has no credential, and a caller's
// empty value must not reach every one of them.
func testRefreshEmptyKeys(t *testing.T, s licensing.RefreshStore) {
	ctx := context.Background()
	noUser := refresh("l", "", "lic-1", storetesting.T0)
	noUser.Kind = licensing.CredentialLicense
	password := refresh("p", "u1", "", storetesting.T1)
	password.Kind = licensing.CredentialPassword
	mustCreateRefresh(t, s, noUser)
	mustCreateRefresh(t, s, password)

	if got := mustRefreshes(t, s, ""); len(got) != 0 {
		t.Errorf("RefreshTokensByUser(\"\") = %q, want none", refreshIDs(got))
	}
	if err := s.DeleteRefreshToken(ctx, "", noUser.ID); !errors.Is(err, licensing.ErrNotFound) {
		t.Errorf("DeleteRefreshToken(\"\", %s): err = %v, want ErrNotFound", noUser.ID, err)
	}
	if err := s.DeleteUserRefreshTokens(ctx, ""); err != nil {
		t.Errorf("DeleteUserRefreshTokens(\"\"): %v", err)
	}
	if n, err := s.DeleteRefreshTokensByCredential(ctx, ""); err != nil || n != 0 {
		t.Errorf("DeleteRefreshTokensByCredential(\"\") = %d, %v; want 0, nil", n, err)
	}
	for _, tok := range []licensing.RefreshToken{noUser, password} {
		if diff := cmp.Diff(tok, mustRefresh(t, s, tok.TokenHash)); diff != "" {
			t.Errorf("token %s changed (-want +got):\n%s", tok.ID, diff)
		}
	}
}
