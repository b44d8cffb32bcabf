package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/storetesting"
)

// StarStore is what the stars suite needs: a catalog.StarStore and the
// catalog.Store holding the products it stars, backed by one database.
type StarStore interface {
	catalog.Store
	catalog.StarStore
}

// RunStars runs the suite every catalog.StarStore must pass. newStore must
// return a new, empty store for each call.
func RunStars(t *testing.T, newStore func(t *testing.T) StarStore) {
	storetesting.Run(t, newStore, []storetesting.Test[StarStore]{
		{Name: "StarCountsOnce", Run: testStarCountsOnce},
		{Name: "StarsOfTwoUsers", Run: testStarsOfTwoUsers},
		{Name: "Unstar", Run: testUnstar},
		{Name: "Starred", Run: testStarred},
		{Name: "HasStarred", Run: testHasStarred},
		{Name: "UnknownProduct", Run: testStarUnknownProduct},
		{Name: "ListReflectsStars", Run: testListReflectsStars},
		{Name: "UpsertKeepsStars", Run: testUpsertKeepsStars},
		{Name: "StarConcurrently", Run: testStarConcurrently},
	})
}

func testStarCountsOnce(t *testing.T, s StarStore) {
	mustPut(t, s, catalog.Product{Slug: "a"})
	mustPut(t, s, catalog.Product{Slug: "b", Stars: 4})
	for _, tc := range []struct {
		name         string
		wantNew      bool
		wantA, wantB int64
	}{
		{"first star", true, 1, 4},
		{"same star again", false, 1, 4},
		{"and again", false, 1, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustStar(t, s, "u1", "a"); got != tc.wantNew {
				t.Errorf("Star = %v, want %v", got, tc.wantNew)
			}
			if got := mustProduct(t, s, "a").Stars; got != tc.wantA {
				t.Errorf("a.Stars = %d, want %d", got, tc.wantA)
			}
			if got := mustProduct(t, s, "b").Stars; got != tc.wantB {
				t.Errorf("b.Stars = %d, want %d", got, tc.wantB)
			}
		})
	}
}

func testStarsOfTwoUsers(t *testing.T, s StarStore) {
	mustPut(t, s, catalog.Product{Slug: "a"})
	mustPut(t, s, catalog.Product{Slug: "b", Stars: 7})
	for _, star := range [][2]string{{"u1", "a"}, {"u2", "a"}, {"u1", "b"}, {"u2", "b"}} {
		if !mustStar(t, s, star[0], star[1]) {
			t.Errorf("Star(%s, %s) = false, want true", star[0], star[1])
		}
	}
	if got := mustProduct(t, s, "a").Stars; got != 2 {
		t.Errorf("a.Stars = %d, want 2", got)
	}
	if got := mustProduct(t, s, "b").Stars; got != 9 {
		t.Errorf("b.Stars = %d, want 9 (7 put plus 2 stars)", got)
	}
}

func testUnstar(t *testing.T, s StarStore) {
	mustPut(t, s, catalog.Product{Slug: "a"})
	mustPut(t, s, catalog.Product{Slug: "b"})
	mustStar(t, s, "u1", "a")
	mustStar(t, s, "u2", "a")
	mustStar(t, s, "u1", "b")
	for _, tc := range []struct {
		name         string
		user, slug   string
		wantRemoved  bool
		wantA, wantB int64
	}{
		{"a star", "u1", "a", true, 1, 1},
		{"the same star again", "u1", "a", false, 1, 1},
		{"a user who never starred it", "u3", "a", false, 1, 1},
		{"the other user's star", "u2", "a", true, 0, 1},
		{"below zero", "u2", "a", false, 0, 1},
		{"another product", "u1", "b", true, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Unstar(context.Background(), tc.user, tc.slug)
			if err != nil {
				t.Fatalf("Unstar: %v", err)
			}
			if got != tc.wantRemoved {
				t.Errorf("Unstar = %v, want %v", got, tc.wantRemoved)
			}
			if got := mustProduct(t, s, "a").Stars; got != tc.wantA {
				t.Errorf("a.Stars = %d, want %d", got, tc.wantA)
			}
			if got := mustProduct(t, s, "b").Stars; got != tc.wantB {
				t.Errorf("b.Stars = %d, want %d", got, tc.wantB)
			}
			if mustHasStarred(t, s, tc.user, tc.slug) {
				t.Errorf("HasStarred(%s, %s) = true after Unstar", tc.user, tc.slug)
			}
		})
	}
	t.Run("star again", func(t *testing.T) {
		if !mustStar(t, s, "u1", "a") {
			t.Error("Star after Unstar = false, want true")
		}
		if got := mustProduct(t, s, "a").Stars; got != 1 {
			t.Errorf("a.Stars = %d, want 1", got)
		}
	})
}

func testStarred(t *testing.T, s StarStore) {
	// Neither the slug nor the ID order is the star order.
	for _, p := range []catalog.Product{{ID: "p3", Slug: "a"}, {ID: "p1", Slug: "b"}, {ID: "p2", Slug: "c"}, {ID: "p0", Slug: "d"}} {
		mustPut(t, s, p)
	}
	for _, star := range [][2]string{{"u1", "b"}, {"u2", "c"}, {"u1", "d"}, {"u1", "a"}, {"u2", "b"}, {"u1", "c"}} {
		mustStar(t, s, star[0], star[1])
	}
	check := func(t *testing.T, user string, want []string) {
		t.Helper()
		got, err := s.Starred(context.Background(), user)
		if err != nil {
			t.Fatalf("Starred(%s): %v", user, err)
		}
		if diff := cmp.Diff(want, got, equate); diff != "" {
			t.Errorf("Starred(%s) mismatch (-want +got):\n%s", user, diff)
		}
	}
	t.Run("newest first, only the user's", func(t *testing.T) {
		check(t, "u1", []string{"c", "a", "d", "b"})
		check(t, "u2", []string{"b", "c"})
	})
	t.Run("no stars", func(t *testing.T) {
		check(t, "u3", nil)
		check(t, "", nil)
	})
	t.Run("a repeated star keeps its place", func(t *testing.T) {
		mustStar(t, s, "u1", "d")
		check(t, "u1", []string{"c", "a", "d", "b"})
	})
	t.Run("unstarred products drop out", func(t *testing.T) {
		mustUnstar(t, s, "u1", "a")
		check(t, "u1", []string{"c", "d", "b"})
		check(t, "u2", []string{"b", "c"})
	})
	t.Run("starring again puts it first", func(t *testing.T) {
		mustStar(t, s, "u1", "b")
		mustUnstar(t, s, "u1", "b")
		mustStar(t, s, "u1", "b")
		check(t, "u1", []string{"b", "c", "d"})
	})
}

func testHasStarred(t *testing.T, s StarStore) {
	mustPut(t, s, catalog.Product{Slug: "a"})
	mustPut(t, s, catalog.Product{Slug: "b"})
	mustStar(t, s, "u1", "a")
	mustStar(t, s, "u2", "b")
	for _, tc := range []struct {
		user, slug string
		want       bool
	}{
		{"u1", "a", true},
		{"u1", "b", false},
		{"u2", "a", false},
		{"u2", "b", true},
		{"u3", "a", false},
		{"", "a", false},
	} {
		if got := mustHasStarred(t, s, tc.user, tc.slug); got != tc.want {
			t.Errorf("HasStarred(%q, %s) = %v, want %v", tc.user, tc.slug, got, tc.want)
		}
	}
}

func testStarUnknownProduct(t *testing.T, s StarStore) {
	ctx := context.Background()
	mustPut(t, s, catalog.Product{Slug: "acme"})
	mustStar(t, s, "u1", "acme")
	for _, slug := range []string{"acm", "acme-2", ""} {
		if _, err := s.Star(ctx, "u1", slug); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Star(%q): err = %v, want ErrNotFound", slug, err)
		}
		if _, err := s.Unstar(ctx, "u1", slug); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Unstar(%q): err = %v, want ErrNotFound", slug, err)
		}
		if _, err := s.HasStarred(ctx, "u1", slug); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("HasStarred(%q): err = %v, want ErrNotFound", slug, err)
		}
	}
	got, err := s.Starred(ctx, "u1")
	if err != nil {
		t.Fatalf("Starred: %v", err)
	}
	if diff := cmp.Diff([]string{"acme"}, got); diff != "" {
		t.Errorf("Starred after failed stars (-want +got):\n%s", diff)
	}
	if n := mustProduct(t, s, "acme").Stars; n != 1 {
		t.Errorf("acme.Stars = %d, want 1", n)
	}
}

func testListReflectsStars(t *testing.T, s StarStore) {
	// Without stars, pulls and then the slug order these.
	mustPut(t, s, catalog.Product{Slug: "a", Pulls: 100})
	mustPut(t, s, catalog.Product{Slug: "b", Pulls: 5})
	mustPut(t, s, catalog.Product{Slug: "c", Pulls: 5})
	check := func(t *testing.T, want []string) {
		t.Helper()
		got, err := s.ListProducts(context.Background(), catalog.ListQuery{})
		if err != nil {
			t.Fatalf("ListProducts: %v", err)
		}
		var slugs []string
		for _, p := range got {
			slugs = append(slugs, p.Slug)
		}
		if diff := cmp.Diff(want, slugs); diff != "" {
			t.Errorf("ListProducts order (-want +got):\n%s", diff)
		}
	}
	check(t, []string{"a", "b", "c"})
	t.Run("a starred product sorts before unstarred ones", func(t *testing.T) {
		mustStar(t, s, "u1", "c")
		check(t, []string{"c", "a", "b"})
	})
	t.Run("more stars sort first", func(t *testing.T) {
		mustStar(t, s, "u1", "b")
		mustStar(t, s, "u2", "b")
		check(t, []string{"b", "c", "a"})
	})
	t.Run("unstarring moves it back", func(t *testing.T) {
		mustUnstar(t, s, "u1", "b")
		mustUnstar(t, s, "u2", "b")
		check(t, []string{"c", "a", "b"})
	})
}

func testUpsertKeepsStars(t *testing.T, s StarStore) {
	mustPut(t, s, catalog.Product{Slug: "a"})
	mustStar(t, s, "u1", "a")
	mustPut(t, s, catalog.Product{Slug: "a", Name: "Renamed", Stars: 50})
	if got := mustProduct(t, s, "a").Stars; got != 1 {
		t.Errorf("a.Stars = %d, want 1", got)
	}
	if !mustHasStarred(t, s, "u1", "a") {
		t.Error("HasStarred = false after PutProduct, want true")
	}
}

// testStarConcurrently sends the same star from several goroutines at once,
// as a double-clicked button may, and checks that it is reported new and
// counted exactly once.
func testStarConcurrently(t *testing.T, s StarStore) {
	mustPut(t, s, catalog.Product{Slug: "a"})
	const copies = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fresh int
	)
	for range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.Star(context.Background(), "u1", "a")
			if err != nil {
				t.Errorf("Star: %v", err)
			}
			if ok {
				mu.Lock()
				fresh++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if fresh != 1 {
		t.Errorf("Star reported %d new stars, want 1", fresh)
	}
	if got := mustProduct(t, s, "a").Stars; got != 1 {
		t.Errorf("a.Stars = %d, want 1", got)
	}
}

// mustStar stars slug for user, fails the test on error and returns what
// Star reported.
func mustStar(t *testing.T, s StarStore, user, slug string) bool {
	t.Helper()
	ok, err := s.Star(context.Background(), user, slug)
	if err != nil {
		t.Fatalf("Star(%s, %s): %v", user, slug, err)
	}
	return ok
}

// mustUnstar unstars slug for user and fails the test on error or when there
// was no star.
func mustUnstar(t *testing.T, s StarStore, user, slug string) {
	t.Helper()
	ok, err := s.Unstar(context.Background(), user, slug)
	if err != nil {
		t.Fatalf("Unstar(%s, %s): %v", user, slug, err)
	}
	if !ok {
		t.Fatalf("Unstar(%s, %s) = false, want true", user, slug)
	}
}

// mustHasStarred asks whether user starred slug and fails the test on error.
func mustHasStarred(t *testing.T, s StarStore, user, slug string) bool {
	t.Helper()
	ok, err := s.HasStarred(context.Background(), user, slug)
	if err != nil {
		t.Fatalf("HasStarred(%s, %s): %v", user, slug, err)
	}
	return ok
}
