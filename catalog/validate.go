package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/berth/berth/internal/fielderr"
	"github.com/berth/berth/internal/plaintext"
)

var (
	listingSlug = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)
	tierID      = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$`)
	repoPath    = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
)

// Bounds on a listing.
const (
	MaxDescription = 50_000
	maxTerms       = 100_000
)

func invalidf(field, format string, args ...any) error {
	return &InvalidError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// FieldErrors is every field of an input that failed validation, one
// InvalidError each, so that a form can show them all at once.
type FieldErrors = fielderr.List

// validate checks in against the seller and turns it into a product,
// keeping from old what the editor does not own (ID, stars, pulls, logo,
// badge, platforms) and raising a tier's terms version when its terms text
// changes. Every field is checked: the error names each that failed.
func (l *Listings) validate(in ListingInput, s Seller, old Product) (Product, error) {
	p := old
	p.Slug, p.Name, p.Publisher = strings.ToLower(strings.TrimSpace(in.Slug)), strings.TrimSpace(in.Name), s.Slug
	p.Kind, p.Summary, p.Description = in.Kind, strings.TrimSpace(in.Summary), in.Description
	var errs FieldErrors
	errs.Add("", checkText(p))
	var err error
	if len(in.Categories) > 5 {
		errs.Add("", invalidf("categories", "at most 5"))
	} else if p.Categories, err = categories(in.Categories); err != nil {
		errs.Add("", err)
	}
	if len(in.Repositories) == 0 || len(in.Repositories) > 10 {
		errs.Add("", invalidf("repositories", "1 to 10 repositories"))
	} else if p.Repositories, err = repositories(in.Repositories, s); err != nil {
		errs.Add("", err)
	}
	if len(in.Tiers) == 0 || len(in.Tiers) > 10 {
		errs.Add("", invalidf("tiers", "1 to 10 tiers"))
	} else {
		p.Tiers, err = l.tiers(in.Tiers, p.Repositories, old)
		errs.Add("", err)
	}
	p.Status, err = status(in.Status, old)
	errs.Add("", err)
	return p, errs.Err()
}

// checkText checks a listing's own fields: slug, name, kind, summary and
// description.
func checkText(p Product) error {
	var errs FieldErrors
	if !listingSlug.MatchString(p.Slug) {
		errs.Add("", invalidf("slug", "1 to 64 lower-case letters, digits and hyphens"))
	}
	if p.Name == "" || len(p.Name) > 80 {
		errs.Add("", invalidf("name", "1 to 80 characters"))
	}
	if p.Kind != KindImage && p.Kind != KindPlugin {
		errs.Add("", invalidf("kind", "image or plugin"))
	}
	if len(p.Summary) > 200 {
		errs.Add("", invalidf("summary", "at most 200 characters"))
	}
	if len(p.Description) > MaxDescription {
		errs.Add("", invalidf("description", "at most 50,000 characters"))
	}
	errs.Add("", checkChars([]textField{{"name", p.Name, plaintext.Line}, {"summary", p.Summary, plaintext.Line},
		{"description", p.Description, plaintext.Text}}, errs))
	return errs.Err()
}

// textField is a field's name, value and the check its characters pass.
type textField struct {
	name, value string
	check       func(string) error
}

// checkChars refuses control and invisible formatting characters in each
// field not already refused (in done).
func checkChars(fields []textField, done FieldErrors) error {
	var errs FieldErrors
	for _, f := range fields {
		if slices.ContainsFunc(done, func(e *InvalidError) bool { return e.Field == f.name }) {
			continue
		}
		if err := f.check(f.value); err != nil {
			errs.Add("", invalidf(f.name, "%v", err))
		}
	}
	return errs.Err()
}

// categories returns the non-empty categories of at most 40 characters.
func categories(in []string) ([]string, error) {
	var out []string
	for _, c := range in {
		if c = strings.TrimSpace(c); c != "" && len(c) <= 40 {
			if err := plaintext.Line(c); err != nil {
				return nil, invalidf("categories", "%q %v", c, err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// repositories checks that each repository is in one of the seller's
// namespaces.
func repositories(in []string, s Seller) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, r := range in {
		r = strings.ToLower(strings.TrimSpace(r))
		ns, _, _ := strings.Cut(r, "/")
		if !repoPath.MatchString(r) || !slices.Contains(s.Namespaces, ns) {
			return nil, invalidf("repositories", "%q is not a repository in %s", r, strings.Join(s.Namespaces, ", "))
		}
		out = append(out, r)
	}
	return out, nil
}

// tiers checks each tier; an error names the tier's field as
// "tiers.<index>.<field>".
func (l *Listings) tiers(in []Tier, repos []string, old Product) ([]Tier, error) {
	out := make([]Tier, 0, len(in))
	var errs FieldErrors
	for i, t := range in {
		prefix := fmt.Sprintf("tiers.%d.", i)
		tier, err := l.tier(t, repos, old)
		errs.Add(prefix, err)
		if slices.ContainsFunc(out, func(o Tier) bool { return o.ID == tier.ID }) {
			errs.Add(prefix, invalidf("id", "two tiers are called %s", tier.ID))
		}
		out = append(out, tier)
	}
	return out, errs.Err()
}

// status returns the listing's status after an edit asking for want.
func status(want string, old Product) (string, error) {
	switch want {
	case "":
		if old.Status == "" {
			return StatusDraft, nil
		}
		return old.Status, nil
	case StatusDraft, StatusPublished, StatusUnpublished:
		if want == StatusDraft && old.Published() && old.ID != "" {
			return "", invalidf("status", "a published listing is unpublished, not made a draft again")
		}
		return want, nil
	}
	return "", invalidf("status", "draft, published or unpublished")
}
