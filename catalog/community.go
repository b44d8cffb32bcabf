package catalog

import (
	"context"
	"fmt"
	"strings"
)

// Community is search and Explore over users' and organisations' own
// repositories (Docker Hub's kind), beside the store's products: public
// repositories for everyone, private ones only for viewers who may see
// them. Who may see a private repository is not decided here: the Viewer
// asks the access rules.
type Community struct {
	store CommunityStore
}

// NewCommunity returns the service over store.
func NewCommunity(store CommunityStore) *Community { return &Community{store: store} }

// Viewer is whoever searches or explores, as Community needs to know them:
// the namespaces where private repositories they may see can live (their
// own and their organisations'; none when anonymous), and, for each such
// private repository, whether the access rules let them see it.
type Viewer interface {
	Namespaces(ctx context.Context) ([]string, error)
	MaySee(ctx context.Context, repo string) (bool, error)
}

// CommunityQuery selects community repositories for Explore's Community
// tab, in Sort order (SortPopular: stars, then pulls; SortNewest:
// created; SortUpdated: last push; SortName: name), ties by name. Private
// repositories of Namespaces are candidates beside the public ones.
type CommunityQuery struct {
	Sort       string
	Namespaces []string
	Limit      int
	Offset     int
}

// CommunityPage is one page of the Community tab; More says whether
// another follows.
type CommunityPage struct {
	Repositories []Repository
	More         bool
}

// RepositoryHit is a repository matching a search, with its score (higher
// is better).
type RepositoryHit struct {
	Repository Repository
	Score      float64
}

// CommunityStore finds community repositories. The SQLite and MongoDB
// catalog stores implement it and pass the shared suite; both must stay
// fast at 100,000 repositories.
type CommunityStore interface {
	// SearchRepositories returns up to limit repositories matching text in
	// their name, namespace and summary (and, on SQLite, description),
	// best first, as Search ranks products: the public ones, and the
	// private ones of namespaces.
	SearchRepositories(ctx context.Context, text string, namespaces []string, limit int) ([]RepositoryHit, error)
	// ExploreRepositories returns one page of the repositories q selects.
	ExploreRepositories(ctx context.Context, q CommunityQuery) (CommunityPage, error)
	// ImportRepositories inserts many repositories at once, counters and
	// last push included (a mirror, a migration, a benchmark); a name
	// already taken yields ErrRepositoryExists and inserts none of them.
	ImportRepositories(ctx context.Context, rs []Repository) error
}

// Search returns up to limit repositories matching text that v may see,
// best first.
func (c *Community) Search(ctx context.Context, v Viewer, text string, limit int) ([]RepositoryHit, error) {
	ns, err := v.Namespaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("searching community repositories: %w", err)
	}
	hits, err := c.store.SearchRepositories(ctx, text, lower(ns), limit)
	if err != nil {
		return nil, err
	}
	out := hits[:0]
	for _, h := range hits {
		ok, err := visible(ctx, v, h.Repository)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, h)
		}
	}
	return out, nil
}

// Explore returns one page of the Community tab for v.
func (c *Community) Explore(ctx context.Context, v Viewer, q CommunityQuery) (CommunityPage, error) {
	ns, err := v.Namespaces(ctx)
	if err != nil {
		return CommunityPage{}, fmt.Errorf("exploring community repositories: %w", err)
	}
	q.Namespaces = lower(ns)
	page, err := c.store.ExploreRepositories(ctx, q)
	if err != nil {
		return CommunityPage{}, err
	}
	out := page.Repositories[:0]
	for _, r := range page.Repositories {
		ok, err := visible(ctx, v, r)
		if err != nil {
			return CommunityPage{}, err
		}
		if ok {
			out = append(out, r)
		}
	}
	page.Repositories = out
	return page, nil
}

// visible reports whether v may see r: a public one always, a private one
// as the access rules say.
func visible(ctx context.Context, v Viewer, r Repository) (bool, error) {
	if !r.Private {
		return true, nil
	}
	ok, err := v.MaySee(ctx, r.Name)
	if err != nil {
		return false, fmt.Errorf("deciding whether %s is visible: %w", r.Name, err)
	}
	return ok, nil
}

func lower(ns []string) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		if n != "" {
			out = append(out, strings.ToLower(n))
		}
	}
	return out
}

// ShortName is the repository's name below its namespace.
func (r Repository) ShortName() string { return strings.TrimPrefix(r.Name, r.Namespace+"/") }

// Searchable is r as search indexes and ranks it, in a product's fields:
// the short name as the name, the namespace as the publisher, with its ID,
// summary and description.
func (r Repository) Searchable() Product {
	ns, _, _ := strings.Cut(r.Name, "/")
	r.Namespace = ns
	return Product{ID: r.ID, Name: r.ShortName(), Publisher: ns, Summary: r.Summary, Description: r.Description}
}

// RankRepositories scores candidates against q as Rank scores products
// (see Searchable) and returns the best limit hits, by score, then in
// found order.
func RankRepositories(candidates []Repository, q Query, limit int) []RepositoryHit {
	ps := make([]Product, len(candidates))
	for i, r := range candidates {
		ps[i] = r.Searchable()
	}
	hits := Rank(ps, q, limit)
	out := make([]RepositoryHit, len(hits))
	for i, h := range hits {
		for _, r := range candidates {
			if r.ID == h.Product.ID {
				out[i] = RepositoryHit{Repository: r, Score: h.Score}
				break
			}
		}
	}
	return out
}
