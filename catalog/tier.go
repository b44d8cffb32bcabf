package catalog

import (
	"slices"
	"strings"

	"github.com/berth/berth/internal/plaintext"
)

// tier normalises and checks one tier of a listing shipping repos, and
// sets its terms version: new terms text is a new version, which licenses
// must accept again.
func (l *Listings) tier(t Tier, repos []string, old Product) (Tier, error) {
	t.ID, t.Name, t.Description = strings.ToLower(strings.TrimSpace(t.ID)), strings.TrimSpace(t.Name), strings.TrimSpace(t.Description)
	t.Currency, t.Versions, t.TagPattern = strings.ToLower(t.Currency), strings.TrimSpace(t.Versions), strings.TrimSpace(t.TagPattern)
	if t.Currency == "" {
		t.Currency = "usd"
	}
	if err := checkTier(t); err != nil {
		return t, err
	}
	if err := l.rules.CheckQuota(t.PullQuota, t.QuotaPeriod); err != nil {
		return t, invalidf("pull_quota", "%v", err)
	}
	if err := l.rules.CheckEntitlement(t.Versions, t.TagPattern); err != nil {
		return t, invalidf("versions", "%v", err)
	}
	if len(t.Repositories) == 0 {
		t.Repositories = repos
	}
	for _, r := range t.Repositories {
		if !slices.Contains(repos, r) {
			return t, invalidf("repositories", "%s is not one of the listing's repositories", r)
		}
	}
	t.TermsVersion = 0
	if prev, ok := old.Tier(t.ID); ok {
		t.TermsVersion = prev.TermsVersion
		if prev.Terms != t.Terms {
			t.TermsVersion++
		}
	} else if t.Terms != "" {
		t.TermsVersion = 1
	}
	return t, nil
}

// checkTier checks a tier's own fields.
func checkTier(t Tier) error {
	switch {
	case !tierID.MatchString(t.ID):
		return invalidf("id", "1 to 32 lower-case letters, digits and hyphens")
	case t.Name == "" || len(t.Name) > 40:
		return invalidf("name", "1 to 40 characters")
	case t.Price < 0 || t.Price > 100_000_000:
		return invalidf("price", "0 to 1,000,000.00, in cents")
	case !slices.Contains([]string{"usd", "eur", "gbp"}, t.Currency):
		return invalidf("currency", "usd, eur or gbp")
	case t.Interval != "" && t.Interval != "month" && t.Interval != "year":
		return invalidf("interval", "empty (one-time), month or year")
	case t.Interval != "" && t.Price == 0:
		return invalidf("interval", "a free tier has no billing interval")
	case t.TrialDays < 0 || t.TrialDays > 90 || (t.TrialDays > 0 && t.Interval == ""):
		return invalidf("trial_days", "0 to 90, on subscriptions only")
	case t.Seats < 0 || t.Seats > 10_000:
		return invalidf("seats", "0 (unlimited) to 10,000")
	case len(t.Terms) > maxTerms:
		return invalidf("terms", "at most 100,000 characters")
	}
	return checkChars([]textField{{"name", t.Name, plaintext.Line}, {"description", t.Description, plaintext.Text},
		{"terms", t.Terms, plaintext.Text}})
}
