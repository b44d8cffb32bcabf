package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/publisher"
)

func testNamespaceTaken(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	owner := mustPut(t, s, publisher.Publisher{ID: "p1", Slug: "owner", Namespaces: []string{"one", "two"}})
	existing := mustPut(t, s, publisher.Publisher{ID: "p2", Slug: "existing", Name: "Existing",
		Namespaces: []string{"three"}, Members: []string{"u1"}})

	t.Run("new publisher", func(t *testing.T) {
		_, err := s.PutPublisher(ctx, publisher.Publisher{ID: "p3", Slug: "new", Namespaces: []string{"nine", "two"}})
		if !errors.Is(err, publisher.ErrNamespaceTaken) {
			t.Fatalf("err = %v, want ErrNamespaceTaken", err)
		}
		if _, err := s.PublisherBySlug(ctx, "new"); !errors.Is(err, publisher.ErrNotFound) {
			t.Errorf("rejected publisher was stored (PublisherBySlug err = %v)", err)
		}
		mustPut(t, s, publisher.Publisher{Slug: "takes-nine", Namespaces: []string{"nine"}})
	})
	t.Run("existing publisher", func(t *testing.T) {
		changed := existing
		changed.Name, changed.Members = "Changed", []string{"u9"}
		changed.Namespaces = []string{"three", "one"}
		if _, err := s.PutPublisher(ctx, changed); !errors.Is(err, publisher.ErrNamespaceTaken) {
			t.Fatalf("err = %v, want ErrNamespaceTaken", err)
		}
		if diff := cmp.Diff(existing, mustPublisher(t, s, "existing"), equate); diff != "" {
			t.Errorf("rejected update changed the publisher (-want +got):\n%s", diff)
		}
	})
	t.Run("owner keeps its namespaces", func(t *testing.T) {
		if diff := cmp.Diff(owner, mustPublisher(t, s, "owner"), equate); diff != "" {
			t.Errorf("owner changed (-want +got):\n%s", diff)
		}
	})
	t.Run("putting the same namespaces again is no conflict", func(t *testing.T) {
		mustPut(t, s, owner)
	})
	t.Run("publishers without namespaces do not collide", func(t *testing.T) {
		mustPut(t, s, publisher.Publisher{Slug: "empty-1"})
		mustPut(t, s, publisher.Publisher{Slug: "empty-2", Namespaces: []string{}})
		mustPut(t, s, publisher.Publisher{Slug: "empty-3"})
	})
}

func testByMember(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	for _, p := range []publisher.Publisher{
		{Slug: "zeta", Members: []string{"u1", "u2"}, Namespaces: []string{"zeta"}},
		{Slug: "alpha", Members: []string{"u2", "u1"}},
		{Slug: "mid", Members: []string{"u2"}},
		{Slug: "none"},
	} {
		mustPut(t, s, p)
	}
	for _, tc := range []struct {
		user string
		want []string
	}{
		{"u1", []string{"alpha", "zeta"}},
		{"u2", []string{"alpha", "mid", "zeta"}},
		{"u3", nil},
		{"", nil},
	} {
		t.Run(tc.user, func(t *testing.T) {
			got, err := s.PublishersByMember(ctx, tc.user)
			if err != nil {
				t.Fatalf("PublishersByMember: %v", err)
			}
			var slugs []string
			for _, p := range got {
				slugs = append(slugs, p.Slug)
				if diff := cmp.Diff(mustPublisher(t, s, p.Slug), p, equate); diff != "" {
					t.Errorf("listed %s differs from PublisherBySlug (-want +got):\n%s", p.Slug, diff)
				}
			}
			if diff := cmp.Diff(tc.want, slugs); diff != "" {
				t.Errorf("slugs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
