// Package storetest is the behaviour suite every publisher.Store must pass;
// the SQLite and MongoDB implementations both run it.
package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/publisher"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) publisher.Store) {
	storetesting.Run(t, newStore, []storetesting.Test[publisher.Store]{
		{Name: "RoundTrip", Run: testRoundTrip},
		{Name: "NotFound", Run: testNotFound},
		{Name: "Upsert", Run: testUpsert},
		{Name: "NamespaceTaken", Run: testNamespaceTaken},
		{Name: "ByMember", Run: testByMember},
		{Name: "ByNamespace", Run: testByNamespace},
		{Name: "Roles", Run: testRoles},
		{Name: "ByUser", Run: testByUser},
		{Name: "ByStatus", Run: testByStatus},
		{Name: "ByOrgAndApplicant", Run: testByOrgAndApplicant},
		{Name: "Keys", Run: testKeys},
		{Name: "Profile", Run: testProfile},
		{Name: "CreateUpload", Run: testCreateUpload},
		{Name: "UpdateUpload", Run: testUpdateUpload},
		{Name: "StepUpload", Run: testStepUpload},
		{Name: "UploadLookups", Run: testUploadLookups},
		{Name: "DueUploads", Run: testDueUploads},
	})
}

func testByNamespace(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	for _, p := range []publisher.Publisher{
		{ID: "p1", Slug: "acme", Namespaces: []string{"acme", "acme-labs"}},
		{ID: "p2", Slug: "north", Namespaces: []string{"northwind"}},
	} {
		if _, err := s.PutPublisher(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for ns, want := range map[string]string{"acme": "acme", "acme-labs": "acme", "northwind": "north"} {
		got, err := s.PublisherByNamespace(ctx, ns)
		if err != nil || got.Slug != want {
			t.Errorf("PublisherByNamespace(%q) = %q, %v; want %q", ns, got.Slug, err, want)
		}
	}
	for _, ns := range []string{"acm", "north", "labs"} {
		if _, err := s.PublisherByNamespace(ctx, ns); !errors.Is(err, publisher.ErrNotFound) {
			t.Errorf("PublisherByNamespace(%q) error = %v; want ErrNotFound", ns, err)
		}
	}
}

// equate treats nil and empty lists and maps alike: stores need not tell
// them apart.
var equate = cmpopts.EquateEmpty()

// everyField is a publisher with every field set, its Members those of its
// Roles that may push.
var everyField = publisher.Publisher{
	ID: "p1", Slug: "acme", Name: "Acme, Inc.", Verified: true,
	Namespaces: []string{"acme", "acme-labs", "a-first"}, Members: []string{"u1", "u2"},
	Roles: map[string]publisher.Role{
		"u2": publisher.RoleEditor, "u1": publisher.RoleOwner, "u3": publisher.RoleViewer,
	},
	Org: "o1", Applicant: "u1", Status: publisher.StatusRejected, ReviewNote: "No website yet.",
	AppliedAt: storetesting.T0, ReviewedAt: storetesting.T2, CreatedAt: storetesting.T1,
}

func testRoundTrip(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	bare := publisher.Publisher{ID: "p2", Slug: "bare"}
	approved := bare
	approved.Status = publisher.StatusApproved
	for _, tc := range []struct {
		name     string
		in, want publisher.Publisher
	}{
		{"every field set", everyField, everyField},
		{"zero values: an empty status is approved", bare, approved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			put, err := s.PutPublisher(ctx, tc.in)
			if err != nil {
				t.Fatalf("PutPublisher: %v", err)
			}
			if diff := cmp.Diff(tc.want, put, equate); diff != "" {
				t.Errorf("PutPublisher result mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, mustPublisher(t, s, tc.in.Slug), equate); diff != "" {
				t.Errorf("PublisherBySlug mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("empty ID is filled in", func(t *testing.T) {
		put := mustPut(t, s, publisher.Publisher{Slug: "no-id"})
		if put.ID == "" {
			t.Fatal("PutPublisher returned an empty ID")
		}
		if got := mustPublisher(t, s, "no-id"); got.ID != put.ID {
			t.Errorf("stored ID = %q, returned %q", got.ID, put.ID)
		}
	})
	t.Run("repeats are stored once", func(t *testing.T) {
		p := mustPut(t, s, publisher.Publisher{Slug: "repeats",
			Namespaces: []string{"r", "s", "r"}, Members: []string{"u1", "u1", "u2"}})
		got := mustPublisher(t, s, "repeats")
		for _, pub := range []publisher.Publisher{p, got} {
			if diff := cmp.Diff([]string{"r", "s"}, pub.Namespaces); diff != "" {
				t.Errorf("namespaces (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"u1", "u2"}, pub.Members); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		}
	})
}

func testNotFound(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	mustPut(t, s, publisher.Publisher{ID: "p1", Slug: "acme"})
	for _, slug := range []string{"acme-2", "ACME", ""} {
		p, err := s.PublisherBySlug(ctx, slug)
		if !errors.Is(err, publisher.ErrNotFound) {
			t.Errorf("PublisherBySlug(%q): err = %v, want ErrNotFound", slug, err)
		}
		if p.ID != "" {
			t.Errorf("PublisherBySlug(%q) = %+v, want zero", slug, p)
		}
	}
}

func testUpsert(t *testing.T, s publisher.Store) {
	first := mustPut(t, s, publisher.Publisher{ID: "p1", Slug: "acme", Name: "Acme",
		Namespaces: []string{"acme", "acme-old"}, Members: []string{"u1", "u2"}, CreatedAt: storetesting.T0})
	second := publisher.Publisher{ID: "ignored", Slug: "acme", Name: "Acme Corp", Verified: true,
		Namespaces: []string{"acme-new", "acme"}, Members: []string{"u3"}, CreatedAt: storetesting.T1}
	want := second
	want.ID, want.CreatedAt, want.Status = first.ID, first.CreatedAt, publisher.StatusApproved

	if diff := cmp.Diff(want, mustPut(t, s, second), equate); diff != "" {
		t.Errorf("PutPublisher result mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustPublisher(t, s, "acme"), equate); diff != "" {
		t.Errorf("stored publisher mismatch (-want +got):\n%s", diff)
	}
	t.Run("released namespace can be taken", func(t *testing.T) {
		mustPut(t, s, publisher.Publisher{Slug: "other", Namespaces: []string{"acme-old"}})
	})
	t.Run("removed member no longer finds it", func(t *testing.T) {
		got, err := s.PublishersByMember(context.Background(), "u1")
		if err != nil {
			t.Fatalf("PublishersByMember: %v", err)
		}
		if len(got) != 0 {
			t.Errorf("PublishersByMember(u1) = %+v, want none", got)
		}
	})
	t.Run("dropping every namespace", func(t *testing.T) {
		cleared := second
		cleared.Namespaces = nil
		mustPut(t, s, cleared)
		if got := mustPublisher(t, s, "acme").Namespaces; len(got) != 0 {
			t.Errorf("namespaces = %q, want none", got)
		}
		mustPut(t, s, publisher.Publisher{Slug: "takes-acme", Namespaces: []string{"acme", "acme-new"}})
	})
}

// mustPut puts p and fails the test on error.
func mustPut(t *testing.T, s publisher.Store, p publisher.Publisher) publisher.Publisher {
	t.Helper()
	put, err := s.PutPublisher(context.Background(), p)
	if err != nil {
		t.Fatalf("PutPublisher(%s): %v", p.Slug, err)
	}
	return put
}

// mustPublisher reads slug and fails the test on error.
func mustPublisher(t *testing.T, s publisher.Store, slug string) publisher.Publisher {
	t.Helper()
	p, err := s.PublisherBySlug(context.Background(), slug)
	if err != nil {
		t.Fatalf("PublisherBySlug(%s): %v", slug, err)
	}
	return p
}
