package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

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

// validate checks in against the seller and turns it into a product,
// keeping from old what the editor does not own (ID, stars, pulls, logo,
// badge, platforms) and raising a tier's terms version when its terms text
// changes.
func (l *Listings) validate(in ListingInput, s Seller, old Product) (Product, error) {
	p := old
	p.Slug, p.Name, p.Publisher = strings.ToLower(strings.TrimSpace(in.Slug)), strings.TrimSpace(in.Name), s.Slug
	p.Kind, p.Summary, p.Description = in.Kind, strings.TrimSpace(in.Summary), in.Description
	if err := checkText(p); err != nil {
		return p, err
	}
	switch {
	case len(in.Categories) > 5:
		return p, invalidf("categories", "at most 5")
	case len(in.Repositories) == 0 || len(in.Repositories) > 10:
		return p, invalidf("repositories", "1 to 10 repositories")
	case len(in.Tiers) == 0 || len(in.Tiers) > 10:
		return p, invalidf("tiers", "1 to 10 tiers")
	}
	var err error
	if p.Categories, err = categories(in.Categories); err != nil {
		return p, err
	}
	if p.Repositories, err = repositories(in.Repositories, s); err != nil {
		return p, err
	}
	if p.Tiers, err = l.tiers(in.Tiers, p.Repositories, old); err != nil {
		return p, err
	}
	p.Status, err = status(in.Status, old)
	return p, err
}

// checkText checks a listing's own fields: slug, name, kind, summary and
// description.
func checkText(p Product) error {
	switch {
	case !listingSlug.MatchString(p.Slug):
		return invalidf("slug", "1 to 64 lower-case letters, digits and hyphens")
	case p.Name == "" || len(p.Name) > 80:
		return invalidf("name", "1 to 80 characters")
	case p.Kind != KindImage && p.Kind != KindPlugin:
		return invalidf("kind", "image or plugin")
	case len(p.Summary) > 200:
		return invalidf("summary", "at most 200 characters")
	case len(p.Description) > MaxDescription:
		return invalidf("description", "at most 50,000 characters")
	}
	return checkChars([]textField{{"name", p.Name, plaintext.Line}, {"summary", p.Summary, plaintext.Line},
		{"description", p.Description, plaintext.Text}})
}

// textField is a field's name, value and the check its characters pass.
type textField struct {
	name, value string
	check       func(string) error
}

// checkChars refuses control and invisible formatting characters, naming
// the first field that holds one.
func checkChars(fields []textField) error {
	for _, f := range fields {
		if err := f.check(f.value); err != nil {
			return invalidf(f.name, "%v", err)
		}
	}
	return nil
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

// tiers checks each tier; an error names the tier, under the field "tiers".
func (l *Listings) tiers(in []Tier, repos []string, old Product) ([]Tier, error) {
	out := make([]Tier, 0, len(in))
	for _, t := range in {
		tier, err := l.tier(t, repos, old)
		if err != nil {
			return nil, invalidf("tiers", "tier %s: %v", t.ID, err)
		}
		if slices.ContainsFunc(out, func(o Tier) bool { return o.ID == tier.ID }) {
			return nil, invalidf("tiers", "two tiers are called %s", tier.ID)
		}
		out = append(out, tier)
	}
	return out, nil
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
