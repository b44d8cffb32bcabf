package frontend

import (
	"context"
	"slices"
	"time"

	"github.com/berth/berth/catalog"
)

// pullBox is the copyable command at the top of product, tag and license
// pages: `docker pull` (or `docker plugin install`) naming a tag the
// viewer's license covers, or, without one, the newest tag and the word
// that a license is needed.
type pullBox struct {
	Command    string
	Repository string
	Tag        string
	// License is the viewer's license that covers Tag, if any.
	License *heldLicense
	// Needed says pulling Tag needs a license the viewer does not hold;
	// Product is the product whose tiers sell one, Below that the tiers
	// are on this page.
	Needed  bool
	Product string
	Below   bool
}

// newPullBox builds the command for repo:tag of a product of kind k.
func newPullBox(host, repo, tag string, k catalog.Kind) pullBox {
	cmd := "docker pull " + host + "/" + repo + ":" + tag
	if k == catalog.KindPlugin {
		cmd = installCommand(host, repo, tag)
	}
	return pullBox{Command: cmd, Repository: repo, Tag: tag}
}

// newestTag is the first of tags (newest first), or "latest" when none
// is recorded yet.
func newestTag(tags []catalog.Tag) string {
	if len(tags) == 0 {
		return "latest"
	}
	return tags[0].Name
}

// pullBox is the product page's command: the first repository the
// viewer's license pulls, at the newest tag it covers; else the product's
// first repository at its newest tag.
func (v productView) pullBox(host string) pullBox {
	tagsOf := func(repo string) []catalog.Tag {
		if i := slices.IndexFunc(v.Repos, func(r productRepo) bool { return r.Name == repo }); i >= 0 {
			return v.Repos[i].Tags
		}
		return nil
	}
	if v.Held != nil && len(v.Held.Repositories) > 0 {
		repo := v.Held.Repositories[0]
		if tag, ok := coveredTag(*v.Held, tagsOf(repo)); ok {
			b := newPullBox(host, repo, tag, v.Product.Kind)
			b.License = v.Held
			return b
		}
	}
	if len(v.Product.Repositories) == 0 {
		return pullBox{}
	}
	repo := v.Product.Repositories[0]
	b := newPullBox(host, repo, newestTag(tagsOf(repo)), v.Product.Kind)
	b.Needed, b.Product, b.Below = len(v.Product.Tiers) > 0, v.Product.Slug, true
	return b
}

// tagPullBox is the tag page's command for img:tag: covered by one of the
// viewer's licenses, or needing one when the image belongs to a product.
func (h *handlers) tagPullBox(ctx context.Context, v viewer, img image, t catalog.Tag) (pullBox, error) {
	b := newPullBox(h.RegistryHost, img.Repo, t.Name, img.Product.Kind)
	if img.Product.Slug == "" {
		return b, nil // a user's repository: no license involved
	}
	b.Needed, b.Product = true, img.Product.Slug
	if !v.SignedIn() {
		return b, nil
	}
	held, err := h.heldLicenses(ctx, v.User)
	if err != nil {
		return b, err
	}
	now := time.Now()
	for i := range held {
		l := held[i]
		if l.Product != img.Product.Slug || !l.Usable(now) || !slices.Contains(l.Repositories, img.Repo) {
			continue
		}
		if _, ok := coveredTag(l, []catalog.Tag{t}); ok {
			b.License, b.Needed = &l, false
			return b, nil
		}
	}
	return b, nil
}

// licensePullBox is the license page's command: its first repository at
// the newest tag it covers (the newest tag, when it covers none yet).
func (h *handlers) licensePullBox(ctx context.Context, l heldLicense, k catalog.Kind) (pullBox, error) {
	if len(l.Repositories) == 0 || h.Tags == nil {
		return pullBox{}, nil
	}
	repo := l.Repositories[0]
	tags, err := h.Tags.Tags(ctx, repo)
	if err != nil {
		return pullBox{}, err
	}
	if tag, ok := coveredTag(l, tags); ok {
		b := newPullBox(h.RegistryHost, repo, tag, k)
		b.License = &l
		return b, nil
	}
	return newPullBox(h.RegistryHost, repo, newestTag(tags), k), nil
}
