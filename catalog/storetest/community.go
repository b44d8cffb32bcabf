package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/storetesting"
)

// CommunityStore is what the Community suite needs of a store: the
// repositories, their search and Explore, and the pulls and tags that move
// their counters.
type CommunityStore interface {
	catalog.RepositoryStore
	catalog.CommunityStore
	RecordPull(ctx context.Context, e catalog.PullEvent) (bool, error)
	PutTag(ctx context.Context, t catalog.Tag) error
}

// RunCommunity runs the suite every catalog.CommunityStore must pass.
// newStore must return a new, empty store for each call.
func RunCommunity(t *testing.T, newStore func(t *testing.T) CommunityStore) {
	storetesting.Run(t, newStore, []storetesting.Test[CommunityStore]{
		{Name: "SearchFindsPublicByName", Run: testCommunitySearchPublic},
		{Name: "SearchPrivateOnlyInNamespaces", Run: testCommunitySearchPrivate},
		{Name: "SearchFollowsWrites", Run: testCommunitySearchFollowsWrites},
		{Name: "ExploreSorts", Run: testCommunityExploreSorts},
		{Name: "ExplorePrivateAndPages", Run: testCommunityExplorePages},
		{Name: "Counters", Run: testCommunityCounters},
		{Name: "Import", Run: testCommunityImport},
	})
}

// communityRepos are the suite's repositories: public ones of alice, bob
// and the organisation acme, and private ones of carol and acme.
func communityRepos() []catalog.Repository {
	at := func(day int) time.Time { return time.Date(2026, 11, day, 12, 0, 0, 0, time.UTC) }
	return []catalog.Repository{
		{ID: "c1", Name: "alice/widgetizer", Namespace: "alice", Summary: "Turns gadgets into widgets.",
			Pulls: 40, Stars: 2, PushedAt: at(20), CreatedAt: at(1), UpdatedAt: at(1)},
		{ID: "c2", Name: "bob/gadget", Namespace: "bob", Summary: "A gadget daemon.",
			Pulls: 900, Stars: 2, PushedAt: at(10), CreatedAt: at(2), UpdatedAt: at(2)},
		{ID: "c3", Name: "acme/web", Namespace: "acme", Summary: "The web front.",
			Pulls: 5, Stars: 9, CreatedAt: at(3), UpdatedAt: at(3)},
		{ID: "c4", Name: "carol/widget-secrets", Namespace: "carol", Summary: "Private widget keys.", Private: true,
			Pulls: 1, PushedAt: at(25), CreatedAt: at(4), UpdatedAt: at(4)},
		{ID: "c5", Name: "acme/internal-widgets", Namespace: "acme", Summary: "Widgets for acme only.", Private: true,
			Pulls: 3, PushedAt: at(15), CreatedAt: at(5), UpdatedAt: at(5)},
	}
}

func putCommunity(t *testing.T, s CommunityStore) {
	t.Helper()
	for _, r := range communityRepos() {
		mustCreate(t, s, r)
	}
}

// searchNames searches s and returns the names of the hits, in order.
func searchNames(t *testing.T, s CommunityStore, text string, namespaces ...string) []string {
	t.Helper()
	hits, err := s.SearchRepositories(context.Background(), text, namespaces, 10)
	if err != nil {
		t.Fatalf("SearchRepositories(%q, %q): %v", text, namespaces, err)
	}
	var out []string
	for i, h := range hits {
		if i > 0 && h.Score > hits[i-1].Score {
			t.Errorf("SearchRepositories(%q): hit %d scores above hit %d", text, i, i-1)
		}
		out = append(out, h.Repository.Name)
	}
	return out
}

func wantNames(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

func testCommunitySearchPublic(t *testing.T, s CommunityStore) {
	putCommunity(t, s)
	wantNames(t, `search "widgetizer"`, searchNames(t, s, "widgetizer"), "alice/widgetizer")
	wantNames(t, `search "widgetiser" (a slip)`, searchNames(t, s, "widgetiser"), "alice/widgetizer")
	wantNames(t, `search "wi" (a short prefix)`, searchNames(t, s, "wi"), "alice/widgetizer")
	wantNames(t, `search "gadget"`, searchNames(t, s, "gadget"), "bob/gadget", "alice/widgetizer")
	hits, err := s.SearchRepositories(context.Background(), "widgetizer", nil, 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("SearchRepositories(widgetizer) = %v, %v", hits, err)
	}
	want := communityRepos()[0]
	if diff := cmp.Diff(want, hits[0].Repository); diff != "" {
		t.Errorf("hit mismatch (-want +got):\n%s", diff)
	}
	wantNames(t, `search ""`, searchNames(t, s, ""))
	wantNames(t, `search "zzzzqqq"`, searchNames(t, s, "zzzzqqq"))
}

func testCommunitySearchPrivate(t *testing.T, s CommunityStore) {
	putCommunity(t, s)
	wantNames(t, "anonymous search for secrets", searchNames(t, s, "secrets"))
	wantNames(t, "search for secrets in dave's namespaces", searchNames(t, s, "secrets", "dave", "bob"))
	wantNames(t, "search for secrets in carol's namespaces", searchNames(t, s, "secrets", "carol"),
		"carol/widget-secrets")
	wantNames(t, "search for internal in acme's", searchNames(t, s, "internal", "carol", "acme"),
		"acme/internal-widgets")
	wantNames(t, "search for internal anonymously", searchNames(t, s, "internal"))
}

func testCommunitySearchFollowsWrites(t *testing.T, s CommunityStore) {
	putCommunity(t, s)
	r := mustRepository(t, s, "bob/gadget")
	r.Summary = "Sprocket polisher."
	if err := s.UpdateRepository(context.Background(), r); err != nil {
		t.Fatalf("UpdateRepository: %v", err)
	}
	wantNames(t, "search by the new summary", searchNames(t, s, "sprocket"), "bob/gadget")
	wantNames(t, "search by the old summary", searchNames(t, s, "daemon"))
	r.Private = true
	if err := s.UpdateRepository(context.Background(), r); err != nil {
		t.Fatalf("UpdateRepository: %v", err)
	}
	wantNames(t, "search once private", searchNames(t, s, "sprocket"))
	wantNames(t, "search once private, in its namespace", searchNames(t, s, "sprocket", "bob"), "bob/gadget")
	if err := s.DeleteRepository(context.Background(), "alice/widgetizer"); err != nil {
		t.Fatalf("DeleteRepository: %v", err)
	}
	wantNames(t, "search once deleted", searchNames(t, s, "widgetizer"))
	if _, err := s.DeleteNamespaceRepositories(context.Background(), "carol"); err != nil {
		t.Fatalf("DeleteNamespaceRepositories: %v", err)
	}
	wantNames(t, "search once the namespace is deleted", searchNames(t, s, "secrets", "carol"))
}

// exploreNames returns the names of the page q selects, and whether more
// follow.
func exploreNames(t *testing.T, s CommunityStore, q catalog.CommunityQuery) ([]string, bool) {
	t.Helper()
	page, err := s.ExploreRepositories(context.Background(), q)
	if err != nil {
		t.Fatalf("ExploreRepositories(%+v): %v", q, err)
	}
	var out []string
	for _, r := range page.Repositories {
		out = append(out, r.Name)
	}
	return out, page.More
}

func testCommunityExploreSorts(t *testing.T, s CommunityStore) {
	putCommunity(t, s)
	for _, tc := range []struct {
		sort string
		want []string
	}{
		{"", []string{"acme/web", "bob/gadget", "alice/widgetizer"}},
		{catalog.SortPopular, []string{"acme/web", "bob/gadget", "alice/widgetizer"}},
		{catalog.SortNewest, []string{"acme/web", "bob/gadget", "alice/widgetizer"}},
		{catalog.SortUpdated, []string{"alice/widgetizer", "bob/gadget", "acme/web"}},
		{catalog.SortName, []string{"acme/web", "alice/widgetizer", "bob/gadget"}},
	} {
		got, more := exploreNames(t, s, catalog.CommunityQuery{Sort: tc.sort, Limit: 10})
		wantNames(t, fmt.Sprintf("sort %q", tc.sort), got, tc.want...)
		if more {
			t.Errorf("sort %q: more = true, want false", tc.sort)
		}
	}
}

func testCommunityExplorePages(t *testing.T, s CommunityStore) {
	putCommunity(t, s)
	got, _ := exploreNames(t, s, catalog.CommunityQuery{Sort: catalog.SortName, Namespaces: []string{"acme"}})
	wantNames(t, "with acme's private ones", got, "acme/internal-widgets", "acme/web", "alice/widgetizer", "bob/gadget")
	got, _ = exploreNames(t, s, catalog.CommunityQuery{Sort: catalog.SortName, Namespaces: []string{"carol", "acme"}})
	wantNames(t, "with carol's and acme's", got,
		"acme/internal-widgets", "acme/web", "alice/widgetizer", "bob/gadget", "carol/widget-secrets")
	got, more := exploreNames(t, s, catalog.CommunityQuery{Sort: catalog.SortName, Limit: 2})
	wantNames(t, "page 1", got, "acme/web", "alice/widgetizer")
	if !more {
		t.Errorf("page 1: more = false, want true")
	}
	got, more = exploreNames(t, s, catalog.CommunityQuery{Sort: catalog.SortName, Limit: 2, Offset: 2})
	wantNames(t, "page 2", got, "bob/gadget")
	if more {
		t.Errorf("page 2: more = true, want false")
	}
}

func testCommunityCounters(t *testing.T, s CommunityStore) {
	ctx := context.Background()
	mustCreate(t, s, catalog.Repository{Name: "alice/widgetizer", Namespace: "alice"})
	for i, repo := range []string{"alice/widgetizer", "alice/widgetizer", "alice/other"} {
		if _, err := s.RecordPull(ctx, catalog.PullEvent{ID: fmt.Sprint("e", i), Repository: repo, At: storetesting.T0}); err != nil {
			t.Fatalf("RecordPull: %v", err)
		}
	}
	if _, err := s.RecordPull(ctx, catalog.PullEvent{ID: "e0", Repository: "alice/widgetizer"}); err != nil {
		t.Fatalf("RecordPull again: %v", err)
	}
	for _, at := range []time.Time{storetesting.T1, storetesting.T0} {
		if err := s.PutTag(ctx, catalog.Tag{Repository: "alice/widgetizer", Name: at.Format("2006"), Digest: "sha256:a", PushedAt: at}); err != nil {
			t.Fatalf("PutTag: %v", err)
		}
	}
	r := mustRepository(t, s, "alice/widgetizer")
	if r.Pulls != 2 || !r.PushedAt.Equal(storetesting.T1) {
		t.Errorf("pulls, last push = %d, %v; want 2, %v", r.Pulls, r.PushedAt, storetesting.T1)
	}
	r.Summary = "changed"
	if err := s.UpdateRepository(ctx, r); err != nil {
		t.Fatalf("UpdateRepository: %v", err)
	}
	if got := mustRepository(t, s, "alice/widgetizer"); got.Pulls != 2 || !got.PushedAt.Equal(storetesting.T1) {
		t.Errorf("after an update: pulls, last push = %d, %v; want them kept", got.Pulls, got.PushedAt)
	}
}

func testCommunityImport(t *testing.T, s CommunityStore) {
	ctx := context.Background()
	in := communityRepos()
	if err := s.ImportRepositories(ctx, in); err != nil {
		t.Fatalf("ImportRepositories: %v", err)
	}
	for _, want := range in {
		if diff := cmp.Diff(want, mustRepository(t, s, want.Name)); diff != "" {
			t.Errorf("imported %s mismatch (-want +got):\n%s", want.Name, diff)
		}
	}
	wantNames(t, "search after import", searchNames(t, s, "widgetizer"), "alice/widgetizer")
	again := []catalog.Repository{{Name: "dave/new", Namespace: "dave"}, {Name: "bob/gadget", Namespace: "bob"}}
	if err := s.ImportRepositories(ctx, again); !errors.Is(err, catalog.ErrRepositoryExists) {
		t.Errorf("importing a taken name: err = %v, want ErrRepositoryExists", err)
	}
	if _, err := s.RepositoryByName(ctx, "dave/new"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("after a refused import, dave/new: err = %v, want ErrNotFound", err)
	}
}
