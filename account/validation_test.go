package account_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/account"
)

// TestTokenExpiryBounds: an expiry is in the future, at most MaxTokenYears
// ahead, and never past account.LatestExpiry, the last instant the stores
// keep (Unix nanoseconds end in April 2262), whatever the clock says; one
// at a bound is accepted, works and reads back exactly.
func TestTokenExpiryBounds(t *testing.T) {
	ctx := context.Background()
	s, now := newService(t)
	u := register(t, s, "alice")
	farClock := time.Date(2260, 1, 1, 0, 0, 0, 0, time.UTC) // ten years ahead is past what the stores keep
	for _, tc := range []struct {
		name    string
		clock   time.Time
		expires time.Time
		ok      bool
	}{
		{"no expiry", *now, time.Time{}, true},
		{"tomorrow", *now, now.AddDate(0, 0, 1), true},
		{"exactly ten years ahead", *now, now.AddDate(account.MaxTokenYears, 0, 0), true},
		{"a nanosecond past ten years", *now, now.AddDate(account.MaxTokenYears, 0, 0).Add(time.Nanosecond), false},
		{"the year 2300, which would wrap round to 1816", *now, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"now", *now, *now, false},
		{"the past", *now, now.Add(-time.Second), false},
		{"the last storable instant, in 2260", farClock, account.LatestExpiry, true},
		{"a nanosecond past it, in 2260", farClock, account.LatestExpiry.Add(time.Nanosecond), false},
		{"2262-04-12, in 2260", farClock, time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := tc.clock
			account.SetClock(s, func() time.Time { return clock })
			tok, secret, err := s.CreateToken(ctx, u.ID, account.NewToken{Name: tc.name, ExpiresAt: tc.expires})
			if !tc.ok {
				var invalid *account.InvalidError
				if !errors.As(err, &invalid) || invalid.Field != "expires_at" {
					t.Fatalf("CreateToken(expires %v) = %v; want an InvalidError on expires_at", tc.expires, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateToken(expires %v): %v", tc.expires, err)
			}
			listed := findToken(t, s, u.ID, tok.ID)
			if !listed.ExpiresAt.Equal(tc.expires) || listed.ExpiresAt.IsZero() != tc.expires.IsZero() {
				t.Errorf("listed expiry = %v; want %v", listed.ExpiresAt, tc.expires)
			}
			if _, _, err := s.AuthenticateToken(ctx, secret); err != nil {
				t.Errorf("the new token does not authenticate: %v", err)
			}
		})
	}
	account.SetClock(s, func() time.Time { return farClock })
	_, _, err := s.CreateToken(ctx, u.ID, account.NewToken{Name: "late", ExpiresAt: account.LatestExpiry.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "2262-04-11T23:47:16Z") {
		t.Errorf("the refusal near the end of the stores' range = %v; want it to name the latest expiry, 2262-04-11T23:47:16Z", err)
	}
}

func findToken(t *testing.T, s *account.Service, userID, id string) account.AccessToken {
	t.Helper()
	ts, err := s.Tokens(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range ts {
		if tok.ID == id {
			return tok
		}
	}
	t.Fatalf("token %s is not listed", id)
	return account.AccessToken{}
}

// invisibles are runes no account text may hold: the bidirectional
// embeddings, overrides and isolates, the directional marks, other format
// characters (zero-width space, BOM, soft hyphen, a tag character), C0 and
// C1 controls, and the line and paragraph separators.
var invisibles = []rune{
	'\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F',
	'\u200B', '\uFEFF', '\u00AD', '\U000E0041', '\u0000', '\u0007', '\u001B', '\u007F', '\u0085', '\u2028', '\u2029',
}

// TestAccountTextRefusesInvisibleCharacters: every account text field
// refuses a control or format character anywhere in it with an
// InvalidError naming the field and the character; free text keeps the
// joiners that writing needs, identifiers do not.
func TestAccountTextRefusesInvisibleCharacters(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	alice := register(t, s, "alice")
	if _, err := s.CreateOrg(ctx, alice, "crew", ""); err != nil {
		t.Fatal(err)
	}
	fields := []struct {
		field string
		set   func(text string) error
	}{
		{"username", func(x string) error {
			_, err := s.Register(ctx, account.SignUp{Username: "b" + x + "ob", Email: "bob@example.com", Password: "bob-password"})
			return err
		}},
		{"email", func(x string) error {
			_, err := s.Register(ctx, account.SignUp{Username: "bob", Email: "bob" + x + "@example.com", Password: "bob-password"})
			return err
		}},
		{"email", func(x string) error {
			email := "alice@exam" + x + "ple.com"
			_, err := s.UpdateProfile(ctx, alice.ID, account.Profile{Email: &email})
			return err
		}},
		{"name", func(x string) error { _, err := s.CreateOrg(ctx, alice, "d"+x+"ocks", ""); return err }},
		{"display_name", func(x string) error { _, err := s.CreateOrg(ctx, alice, "docks", "Docks "+x+"Ltd"); return err }},
		{"description", func(x string) error { return s.CreateTeam(ctx, alice, "crew", "ops", "runs "+x+"things") }},
		{"name", func(x string) error {
			_, _, err := s.CreateToken(ctx, alice.ID, account.NewToken{Name: "CI " + x + "deploy"})
			return err
		}},
	}
	for _, f := range fields {
		for _, r := range invisibles {
			t.Run(fmt.Sprintf("%s/U+%04X", f.field, r), func(t *testing.T) {
				err := f.set(string(r))
				var invalid *account.InvalidError
				if !errors.As(err, &invalid) || invalid.Field != f.field || !strings.Contains(invalid.Message, fmt.Sprintf("U+%04X", r)) {
					t.Errorf("%s with U+%04X: %v; want an InvalidError on %s naming U+%04X", f.field, r, err, f.field, r)
				}
			})
		}
		t.Run(f.field+"/not UTF-8", func(t *testing.T) {
			var invalid *account.InvalidError
			if err := f.set("\xff"); !errors.As(err, &invalid) || invalid.Field != f.field || !strings.Contains(invalid.Message, "UTF-8") {
				t.Errorf("%s with a byte that is not UTF-8: %v; want an InvalidError saying so", f.field, err)
			}
		})
	}
	for _, j := range []rune{'\u200C', '\u200D'} {
		if _, _, err := s.CreateToken(ctx, alice.ID, account.NewToken{Name: "Ali" + string(j) + "reza"}); err != nil {
			t.Errorf("a token name with the joiner U+%04X: %v; want it accepted", j, err)
		}
		if _, err := s.Register(ctx, account.SignUp{Username: "zed", Email: "z" + string(j) + "ed@example.com", Password: "zed-password"}); err == nil {
			t.Errorf("an email with the joiner U+%04X was accepted", j)
		}
	}
	if err := s.CreateTeam(ctx, alice, "crew", "devs", "👩\u200d💻 builders"); err != nil {
		t.Errorf("a team description with an emoji sequence: %v; want it accepted", err)
	}
	email := "zoë@example.com"
	if u, err := s.UpdateProfile(ctx, alice.ID, account.Profile{Email: &email}); err != nil || u.Email != email {
		t.Errorf("an internationalised email: %+v, %v; want it kept", u, err)
	}
}
