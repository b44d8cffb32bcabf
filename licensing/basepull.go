package licensing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth/berth/access"
)

// Listings names the product whose listing ships a repository (access's
// facts answer it from the catalog).
type Listings interface {
	// ImageListing returns the slug of the product shipping repo, or an
	// error matching access.ErrNoResource when no listing ships it.
	ImageListing(ctx context.Context, repo string) (string, error)
}

// BasePulls answers, before a build starts, whether an account may pull
// one of its FROM images from Berth's registry, from the same rules the
// token server grants pulls by: what access says the account reaches
// (its own and its organisations' repositories, public ones, its
// publishers' namespaces), then the licenses it and its organisations
// hold and the tags they cover. Seats, pull quotas and new license terms
// are left to the pull itself, which the token server and the registry
// gate decide as for any pull.
type BasePulls struct {
	tokens   *TokenServer
	listings Listings
}

// NewBasePulls returns BasePulls deciding through tokens' policy and
// license store, naming products through listings.
func NewBasePulls(tokens *TokenServer, listings Listings) *BasePulls {
	return &BasePulls{tokens: tokens, listings: listings}
}

// PullRefusal says why the account userID (called userName) may not pull
// repo at reference (a tag, or "@sha256:..." for a digest) from Berth's
// registry, in words a build log shows, such as "ottmar holds no license
// covering acme/db:1.4 — get one at /products/acme-db"; "" when it may.
// An error means the decision could not be made.
func (b *BasePulls) PullRefusal(ctx context.Context, userID, userName, repo, reference string) (string, error) {
	repo = strings.ToLower(repo)
	subj := access.Principal{Kind: access.Password, UserID: userID, Name: userName}
	reach, err := b.tokens.policy.Registry(ctx, subj)
	if err != nil {
		return "", fmt.Errorf("reading the registry reach of %s: %w", userName, err)
	}
	actions, err := reach.Actions(ctx, repo)
	if err != nil {
		return "", fmt.Errorf("deciding access to %s: %w", repo, err)
	}
	for _, a := range actions {
		if a == access.ActionPull {
			return "", nil
		}
	}
	p, err := b.tokens.userPrincipal(ctx, subj)
	if err != nil {
		return "", err
	}
	shown := repo + ":" + reference
	if strings.HasPrefix(reference, "@") {
		shown = repo + reference
	}
	var outside []string
	for _, l := range p.Licensed[repo] {
		if strings.HasPrefix(reference, "@") {
			// A digest's tags are known to the registry gate, which
			// checks them at the pull.
			return "", nil
		}
		d := entitledBy(l, b.tokens.now()).AllowsTag(reference, time.Time{})
		if d.Allowed {
			return "", nil
		}
		outside = append(outside, fmt.Sprintf("%s's license …%s for %s does not cover %s: %s", userName, l.KeyHint, l.Product, shown, d.Reason))
	}
	if len(outside) > 0 {
		return strings.Join(outside, "; "), nil
	}
	if reasons := b.tokens.inactiveReasons(p.Inactive[repo], b.tokens.now()); len(reasons) > 0 {
		return fmt.Sprintf("%s holds no active license covering %s: %s", userName, shown, strings.Join(reasons, "; ")), nil
	}
	slug, err := b.listings.ImageListing(ctx, repo)
	if errors.Is(err, access.ErrNoResource) {
		return fmt.Sprintf("%s may not pull %s: it does not exist or is private to another account", userName, repo), nil
	} else if err != nil {
		return "", fmt.Errorf("finding the listing of %s: %w", repo, err)
	}
	return fmt.Sprintf("%s holds no license covering %s — get one at %s/products/%s", userName, shown, b.tokens.cfg.PublicURL, slug), nil
}
