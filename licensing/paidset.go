package licensing

import (
	"context"
	"fmt"
	"time"
)

// Shipped is a repository a product's tiers ship, as the redistribution
// rule sees it: whether a paid tier ships it, and the tag rules of the free
// tiers that ship it too (their tags' content is given away).
type Shipped struct {
	Repository string
	Product    string
	Paid       bool
	Free       []Entitlement
}

// paidRef names the paid product, and its repository, content belongs to.
type paidRef struct {
	Product    string
	Repository string
}

// paidImage is an image only paid tiers give access to, and the layers of
// it that no free tier gives away.
type paidImage struct {
	ref    paidRef
	layers []string
}

// paidSet is the content the redistribution rule protects: every manifest,
// config and layer a tag of a paid repository reaches, less whatever a tag
// some free tier covers (in any shipped repository) also reaches. A base
// layer a free product ships is therefore free to share.
type paidSet struct {
	shipped   map[string]bool
	manifests map[string]paidRef // image manifests and indexes
	configs   map[string]paidRef
	layers    map[string]paidRef
	images    map[string]paidImage // paid image manifest → its paid layers
	byLayer   map[string][]string  // paid layer → paid images holding it
}

// buildPaidSet indexes every shipped repository with index.
func buildPaidSet(ctx context.Context, shipped []Shipped, index func(context.Context, string) (*repoIndex, error)) (*paidSet, error) {
	p := &paidSet{shipped: map[string]bool{}, manifests: map[string]paidRef{}, configs: map[string]paidRef{},
		layers: map[string]paidRef{}, images: map[string]paidImage{}, byLayer: map[string][]string{}}
	type candidate struct {
		ref    paidRef
		idx    *repoIndex
		digest string
	}
	free := map[string]bool{}
	var paid []candidate
	for _, s := range shipped {
		p.shipped[s.Repository] = true
		idx, err := index(ctx, s.Repository)
		if err != nil {
			return nil, fmt.Errorf("indexing %s: %w", s.Repository, err)
		}
		for tag, t := range idx.tags {
			switch {
			case signatureTag.MatchString(tag):
				// Signatures are not what is sold.
			case freeTag(s.Free, tag):
				for d := range idx.reach[t.digest] {
					free[d] = true
				}
			case s.Paid:
				paid = append(paid, candidate{paidRef{Product: s.Product, Repository: s.Repository}, idx, t.digest})
			}
		}
	}
	for _, c := range paid {
		for d := range c.idx.reach[c.digest] {
			if refs, isManifest := c.idx.refs[d]; isManifest && !free[d] {
				p.add(c.ref, refs, free)
			}
		}
	}
	return p, nil
}

// add records a paid manifest and what it names that is not free.
func (p *paidSet) add(ref paidRef, m manifestRefs, free map[string]bool) {
	if _, done := p.manifests[m.digest]; done {
		return
	}
	p.manifests[m.digest] = ref
	if m.config != "" && !free[m.config] {
		p.configs[m.config] = ref
	}
	var own []string
	for _, l := range m.layers {
		if !free[l] {
			own = append(own, l)
			p.layers[l] = ref
		}
	}
	if len(own) > 0 {
		p.images[m.digest] = paidImage{ref: ref, layers: own}
		for _, l := range own {
			p.byLayer[l] = append(p.byLayer[l], m.digest)
		}
	}
}

// freeTag reports whether a free tier's tag rules cover tag.
func freeTag(free []Entitlement, tag string) bool {
	for _, e := range free {
		if (Entitled{Versions: e.Versions, TagPattern: e.TagPattern}).AllowsTag(tag, time.Time{}).Allowed {
			return true
		}
	}
	return false
}

// verdict returns the paid product whose content m is, if any: m is a paid
// manifest, names a paid config or child manifest, or holds every paid
// layer of a paid image (a copy of it, or an image built on it). An image
// sharing only some layers with a paid one (a common base image) is not.
func (p *paidSet) verdict(m manifestRefs) (paidRef, bool) {
	if ref, ok := p.manifests[m.digest]; ok {
		return ref, true
	}
	if ref, ok := p.configs[m.config]; ok && m.config != "" {
		return ref, true
	}
	for _, c := range m.children {
		if ref, ok := p.manifests[c]; ok {
			return ref, true
		}
	}
	held := make(map[string]bool, len(m.layers))
	for _, l := range m.layers {
		held[l] = true
	}
	for _, l := range m.layers {
		for _, img := range p.byLayer[l] {
			if holdsAll(held, p.images[img].layers) {
				return p.images[img].ref, true
			}
		}
	}
	return paidRef{}, false
}

func holdsAll(held map[string]bool, layers []string) bool {
	for _, l := range layers {
		if !held[l] {
			return false
		}
	}
	return true
}

// blob returns the paid product a blob belongs to, and whether it is a
// layer (which base images share) rather than a config or manifest.
func (p *paidSet) blob(digest string) (ref paidRef, layer, ok bool) {
	if ref, ok := p.manifests[digest]; ok {
		return ref, false, true
	}
	if ref, ok := p.configs[digest]; ok {
		return ref, false, true
	}
	ref, ok = p.layers[digest]
	return ref, true, ok
}

// storedVerdict is verdict for a manifest of idx, its children included.
func (p *paidSet) storedVerdict(idx *repoIndex, digest string) (paidRef, bool) {
	m := idx.refs[digest]
	m.digest = digest
	if ref, bad := p.verdict(m); bad {
		return ref, true
	}
	for _, c := range m.children {
		if ref, bad := p.storedVerdict(idx, c); bad {
			return ref, true
		}
	}
	return paidRef{}, false
}

// servedByTag reports whether a tag of idx reaches digest through a
// manifest the rule accepts: a paid layer is served from a public
// repository only as part of an image that may be there (one sharing a
// base with a paid image), never on its own.
func (p *paidSet) servedByTag(idx *repoIndex, digest string) bool {
	for _, t := range idx.tags {
		if !idx.reach[t.digest][digest] {
			continue
		}
		if _, bad := p.storedVerdict(idx, t.digest); !bad {
			return true
		}
	}
	return false
}
