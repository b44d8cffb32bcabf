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
	var errs FieldErrors
	errs.Add("", checkTier(t))
	if err := l.rules.CheckQuota(t.PullQuota, t.QuotaPeriod); err != nil {
		errs.Add("", invalidf("pull_quota", "%v", err))
	}
	if err := l.rules.CheckEntitlement(t.Versions, t.TagPattern); err != nil {
		errs.Add("", invalidf("versions", "%v", err))
	}
	if len(t.Repositories) == 0 {
		t.Repositories = repos
	}
	for _, r := range t.Repositories {
		if !slices.Contains(repos, r) {
			errs.Add("", invalidf("repositories", "%s is not one of the listing's repositories", r))
			break
		}
	}
	if err := errs.Err(); err != nil {
		return t, err
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

// checkTier checks a tier's own fields, each of them.
func checkTier(t Tier) error {
	var errs FieldErrors
	check := func(bad bool, field, msg string) {
		if bad {
			errs.Add("", invalidf(field, "%s", msg))
		}
	}
	check(!tierID.MatchString(t.ID), "id", "1 to 32 lower-case letters, digits and hyphens")
	check(t.Name == "" || len(t.Name) > 40, "name", "1 to 40 characters")
	check(t.Price < 0 || t.Price > 100_000_000, "price", "0 to 1,000,000.00, in cents")
	check(!slices.Contains([]string{"usd", "eur", "gbp"}, t.Currency), "currency", "usd, eur or gbp")
	check(t.Interval != "" && t.Interval != "month" && t.Interval != "year", "interval", "empty (one-time), month or year")
	check(t.Interval != "" && t.Price == 0, "interval", "a free tier has no billing interval")
	check(t.TrialDays < 0 || t.TrialDays > 90 || (t.TrialDays > 0 && t.Interval == ""), "trial_days", "0 to 90, on subscriptions only")
	check(t.Seats < 0 || t.Seats > 10_000, "seats", "0 (unlimited) to 10,000")
	check(len(t.Terms) > maxTerms, "terms", "at most 100,000 characters")
	errs.Add("", checkChars([]textField{{"name", t.Name, plaintext.Line}, {"description", t.Description, plaintext.Text},
		{"terms", t.Terms, plaintext.Text}}, errs))
	return errs.Err()
}
