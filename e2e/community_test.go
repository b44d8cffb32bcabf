package e2e

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/demo"
)

// communityHit is a community repository as search and the Community tab
// answer it.
type communityHit struct {
	Mark       string
	FullName   string `json:"full_name"`
	Private    bool
	Pulls      int64
	Stars      *int64
	LastPushed *time.Time `json:"last_pushed"`
	URL        string
}

// communityWorld is an instance with alice's public repository
// alice/widgetizer, pushed once and pulled twice, her private
// alice/zephyrvault, and the organisation widgetco (owner carol) whose
// private widgetco/quillblueprint the team builders (dave) may read and
// its other member erin may not; bob is a stranger to all of it.
type communityWorld struct {
	in               *instance
	pushedAfter      time.Time
	pushedBefore     time.Time
	widgetizerPulled int64
}

func newCommunityWorld(t *testing.T) communityWorld {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	b := in.srv.Backend
	users := map[string]account.User{}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin"} {
		u, err := b.Accounts.Register(ctx, account.SignUp{Username: name, Email: name + "@example.com", Password: name + "-password"})
		must(t, err)
		users[name] = u
	}
	w := communityWorld{in: in, pushedAfter: time.Now().Add(-time.Second)}
	img, err := random.Image(512, 1)
	must(t, err)
	alice := remote.WithAuth(&authn.Basic{Username: "alice", Password: "alice-password"})
	must(t, remote.Write(ref(t, in.Registry, "alice/widgetizer", "1.0"), img, alice))
	w.pushedBefore = time.Now().Add(time.Second)
	waitRepository(t, b.Repositories, "alice/widgetizer", false)
	for range 2 {
		_, err := remote.Image(ref(t, in.Registry, "alice/widgetizer", "1.0"))
		must(t, err)
	}
	w.widgetizerPulled = 2
	_, err = b.Repositories.Create(ctx, catalog.NewRepository{Namespace: "alice", Name: "zephyrvault", Summary: "Alice's vault.", Private: true})
	must(t, err)
	carol := users["carol"]
	_, err = b.Accounts.CreateOrg(ctx, carol, "widgetco", "Widget Co")
	must(t, err)
	_, err = b.Repositories.Create(ctx, catalog.NewRepository{Namespace: "widgetco", Name: "quillblueprint", Summary: "Blueprints.", Private: true})
	must(t, err)
	must(t, b.Accounts.AddMember(ctx, carol, "widgetco", "dave", account.RoleMember))
	must(t, b.Accounts.AddMember(ctx, carol, "widgetco", "erin", account.RoleMember))
	must(t, b.Accounts.CreateTeam(ctx, carol, "widgetco", "builders", ""))
	must(t, b.Accounts.SetTeamMember(ctx, carol, "widgetco", "builders", users["dave"].ID, true))
	must(t, b.Accounts.SetTeamPermission(ctx, carol, "widgetco", "builders", "widgetco/quillblueprint", account.PermRead))
	return w
}

// search asks GET /api/v1/search as user ("" for anonymous).
func (w communityWorld) search(t *testing.T, user, q string) (store []struct{ Slug, Mark string }, community []communityHit) {
	t.Helper()
	var out struct {
		Results   []struct{ Slug, Mark string }
		Community *[]communityHit
	}
	pass := ""
	if user != "" {
		pass = user + "-password"
	}
	if status := w.in.call("GET", "/api/v1/search?q="+url.QueryEscape(q), user, pass, nil, &out); status != http.StatusOK || out.Community == nil {
		t.Fatalf("search %q as %q: %d, community %v", q, user, status, out.Community)
	}
	return out.Results, *out.Community
}

func names(hits []communityHit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.FullName)
	}
	return out
}

// TestSearchFindsCommunityRepositories: a public user repository is found
// by its name in search and listed on Explore's Community tab, marked
// Community, with its pulls, stars and last push, through the API and on
// the pages; private repositories reach only those the access rules let
// read them; store results keep their Official, Certified or Verified
// publisher mark.
func TestSearchFindsCommunityRepositories(t *testing.T) {
	w := newCommunityWorld(t)
	// Pulls reach the counters through the registry's notifications.
	var hits []communityHit
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, hits = w.search(t, "", "widgetizer")
		if len(hits) == 1 && hits[0].Pulls == w.widgetizerPulled && hits[0].LastPushed != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("search widgetizer anonymously: %+v; want alice/widgetizer with 2 pulls and its last push", hits)
		}
	}
	h := hits[0]
	if h.FullName != "alice/widgetizer" || h.Mark != "community" || h.Private || h.Stars == nil || *h.Stars != 0 ||
		h.LastPushed.Before(w.pushedAfter) || h.LastPushed.After(w.pushedBefore) || h.URL != "/r/alice/widgetizer" {
		t.Errorf("search widgetizer: %+v; want alice/widgetizer marked community, public, 0 stars, pushed between %v and %v",
			h, w.pushedAfter, w.pushedBefore)
	}

	for _, tc := range []struct {
		q    string
		user string
		want []string
	}{
		{"zephyrvault", "", nil},
		{"zephyrvault", "bob", nil},
		{"zephyrvault", "carol", nil},
		{"zephyrvault", "alice", []string{"alice/zephyrvault"}},
		{"quillblueprint", "", nil},
		{"quillblueprint", "bob", nil},
		{"quillblueprint", "erin", nil}, // a member without the team's grant
		{"quillblueprint", "dave", []string{"widgetco/quillblueprint"}},
		{"quillblueprint", "carol", []string{"widgetco/quillblueprint"}},
	} {
		_, got := w.search(t, tc.user, tc.q)
		if want := append([]string{}, tc.want...); !slices.Equal(names(got), want) {
			t.Errorf("search %q as %q: community %q; want %q", tc.q, tc.user, names(got), want)
		}
	}

	explore := func(user string) []string {
		var page struct {
			Products  []struct{ Slug string }
			Community []communityHit
		}
		pass := ""
		if user != "" {
			pass = user + "-password"
		}
		if status := w.in.call("GET", "/api/v1/products?tab=community&sort=name", user, pass, nil, &page); status != http.StatusOK || len(page.Products) != 0 {
			t.Fatalf("the Community tab as %q: %d %+v", user, status, page)
		}
		return names(page.Community)
	}
	for user, want := range map[string][]string{
		"":      {"alice/widgetizer"},
		"bob":   {"alice/widgetizer"},
		"erin":  {"alice/widgetizer"},
		"alice": {"alice/widgetizer", "alice/zephyrvault"},
		"dave":  {"alice/widgetizer", "widgetco/quillblueprint"},
	} {
		if got := explore(user); !slices.Equal(got, want) {
			t.Errorf("the Community tab as %q lists %q; want %q", user, got, want)
		}
	}
	if status := w.in.call("GET", "/api/v1/products?tab=community&price=free", "", "", nil, nil); status != http.StatusBadRequest {
		t.Errorf("the Community tab with a price filter: %d, want 400", status)
	}

	page := explorePage(t, w.in, "/explore?tab=community")
	card := between(page, `id="community-results"`, `</ul>`)
	for _, want := range []string{`href="/r/alice/widgetizer"`, "alice/widgetizer", ">Community<", "⇣ 2 pulls", "★ 0", "last push " + h.LastPushed.Format("2 Jan 2006")} {
		if !strings.Contains(card, want) {
			t.Errorf("the Community tab's cards lack %q:\n%s", want, card)
		}
	}
	if strings.Contains(page, "zephyrvault") || strings.Contains(page, "quillblueprint") {
		t.Error("the Community tab shows a private repository to an anonymous visitor")
	}
	results := between(explorePage(t, w.in, "/search?q=widgetizer"), `id="community-results"`, `</ul>`)
	for _, want := range []string{`href="/r/alice/widgetizer"`, ">Community<", "2 pulls", "★ 0", "last push "} {
		if !strings.Contains(results, want) {
			t.Errorf("/search?q=widgetizer's Community section lacks %q:\n%s", want, results)
		}
	}
	checkStoreMarks(t, w)
}

// checkStoreMarks checks that every store result of a few searches carries
// the mark the demo data gives it: its badge, else Verified publisher for
// a verified publisher's product; and that none is marked community.
func checkStoreMarks(t *testing.T, w communityWorld) {
	verified := map[string]bool{}
	for _, p := range demo.Publishers() {
		verified[p.Slug] = p.Verified
	}
	want := map[string]string{}
	for _, p := range demo.Products() {
		switch {
		case p.Badge != catalog.BadgeNone:
			want[p.Slug] = string(p.Badge)
		case verified[p.Publisher]:
			want[p.Slug] = "verified_publisher"
		default:
			want[p.Slug] = "store"
		}
	}
	seen := map[string]bool{}
	for _, q := range []string{"netscaler", "northwind", "acme", "edge"} {
		store, _ := w.search(t, "", q)
		for _, r := range store {
			if r.Mark != want[r.Slug] {
				t.Errorf("search %q: %s is marked %q; want %q", q, r.Slug, r.Mark, want[r.Slug])
			}
			seen[want[r.Slug]] = true
		}
	}
	for _, mark := range []string{"official", "certified", "verified_publisher"} {
		if !seen[mark] {
			t.Errorf("no search result was marked %s; the demo has such products", mark)
		}
	}
	page := explorePage(t, w.in, "/search?q=netscaler")
	store := between(page, `id="search-results"`, `</ul>`)
	if !strings.Contains(store, `data-mark="certified"`) || !strings.Contains(store, ">Certified<") || strings.Contains(store, "Community") {
		t.Errorf("/search?q=netscaler's store results do not carry the Certified mark alone:\n%s", store)
	}
}
