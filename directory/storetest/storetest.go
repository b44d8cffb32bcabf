// Package storetest is the behaviour suite every directory.Store must pass;
// the SQLite and MongoDB implementations both run it. Run is the entry point.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/directory"
	"github.com/berth/berth/internal/storetesting"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) directory.Store) {
	storetesting.Run(t, newStore, []storetesting.Test[directory.Store]{
		{Name: "LinkRoundTrip", Run: testLinkRoundTrip},
		{Name: "LinkUnique", Run: testLinkUnique},
		{Name: "LinkConcurrent", Run: testLinkConcurrent},
		{Name: "UpdateAndDeleteLink", Run: testUpdateAndDeleteLink},
		{Name: "LinksPaging", Run: testLinksPaging},
		{Name: "Mappings", Run: testMappings},
	})
}

var ctx = context.Background()

func link(provider, externalID, userID string) directory.Link {
	return directory.Link{Provider: provider, ExternalID: externalID, UserID: userID,
		DN: "uid=" + userID + ",ou=people,dc=example,dc=com", Username: "Ünï-" + userID,
		Groups: []string{"developers", "ops"}, CreatedAt: storetesting.T0, SyncedAt: storetesting.T1}
}

func mustCreate(t *testing.T, s directory.Store, ls ...directory.Link) {
	t.Helper()
	for _, l := range ls {
		if err := s.CreateLink(ctx, l); err != nil {
			t.Fatalf("CreateLink(%s): %v", l.ExternalID, err)
		}
	}
}

// normal is l as a store reads it back: times in UTC.
func normal(l directory.Link) directory.Link {
	l.CreatedAt, l.SyncedAt = l.CreatedAt.UTC(), l.SyncedAt.UTC()
	return l
}

func testLinkRoundTrip(t *testing.T, s directory.Store) {
	want := link("ldap", "uuid-1", "u1")
	mustCreate(t, s, want)
	got, err := s.LinkByExternalID(ctx, "ldap", "uuid-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(normal(want), got); diff != "" {
		t.Errorf("LinkByExternalID (-want +got):\n%s", diff)
	}
	got, err = s.LinkByUser(ctx, "ldap", "u1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(normal(want), got); diff != "" {
		t.Errorf("LinkByUser (-want +got):\n%s", diff)
	}
	for name, err := range map[string]error{
		"other provider":  second(s.LinkByExternalID(ctx, "oidc:corp", "uuid-1")),
		"unknown id":      second(s.LinkByExternalID(ctx, "ldap", "uuid-2")),
		"unknown user":    second(s.LinkByUser(ctx, "ldap", "u2")),
		"other provider2": second(s.LinkByUser(ctx, "oidc:corp", "u1")),
	} {
		if !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}
	empty := link("ldap", "uuid-3", "u3")
	empty.Groups = nil
	mustCreate(t, s, empty)
	if got, err := s.LinkByUser(ctx, "ldap", "u3"); err != nil || got.Groups != nil {
		t.Errorf("no groups read back as %#v, %v; want nil", got.Groups, err)
	}
}

func second(_ directory.Link, err error) error { return err }

func testLinkUnique(t *testing.T, s directory.Store) {
	mustCreate(t, s, link("ldap", "uuid-1", "u1"))
	if err := s.CreateLink(ctx, link("ldap", "uuid-1", "u2")); !errors.Is(err, directory.ErrLinked) {
		t.Errorf("same identity again: err = %v, want ErrLinked", err)
	}
	if err := s.CreateLink(ctx, link("ldap", "uuid-2", "u1")); !errors.Is(err, directory.ErrLinked) {
		t.Errorf("same account again: err = %v, want ErrLinked", err)
	}
	// The same account and ID under another provider are another link.
	mustCreate(t, s, link("oidc:corp", "uuid-1", "u1"))
}

func testLinkConcurrent(t *testing.T, s directory.Store) {
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateLink(ctx, link("ldap", "uuid-1", fmt.Sprintf("u%d", i)))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, directory.ErrLinked):
			t.Errorf("concurrent CreateLink: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent links of one identity stored, want 1", won)
	}
}

func testUpdateAndDeleteLink(t *testing.T, s directory.Store) {
	l := link("ldap", "uuid-1", "u1")
	mustCreate(t, s, l)
	l.DN, l.Username, l.Groups, l.Disabled, l.SyncedAt = "uid=renamed", "renamed", []string{"ops"}, true, storetesting.T2
	if err := s.UpdateLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	got, err := s.LinkByUser(ctx, "ldap", "u1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(normal(l), got); diff != "" {
		t.Errorf("after UpdateLink (-want +got):\n%s", diff)
	}
	if err := s.UpdateLink(ctx, link("ldap", "uuid-9", "u9")); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("UpdateLink of an absent link: %v, want ErrNotFound", err)
	}
	if err := s.DeleteLink(ctx, "ldap", "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LinkByExternalID(ctx, "ldap", "uuid-1"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("after DeleteLink: %v, want ErrNotFound", err)
	}
	if err := s.DeleteLink(ctx, "ldap", "u1"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("DeleteLink twice: %v, want ErrNotFound", err)
	}
	// The identity may be linked again, to another account.
	mustCreate(t, s, link("ldap", "uuid-1", "u2"))
}

func testLinksPaging(t *testing.T, s directory.Store) {
	mustCreate(t, s, link("ldap", "c", "u3"), link("ldap", "a", "u1"), link("oidc:x", "z", "u0"),
		link("ldap", "b", "u2"), link("ldap", "d", "u4"))
	var got []string
	after := ""
	for range 5 {
		page, err := s.Links(ctx, "ldap", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, l := range page {
			got = append(got, l.UserID)
		}
		after = page[len(page)-1].UserID
	}
	if diff := cmp.Diff([]string{"u1", "u2", "u3", "u4"}, got); diff != "" {
		t.Errorf("paged links (-want +got):\n%s", diff)
	}
}

func testMappings(t *testing.T, s directory.Store) {
	ms := []directory.Mapping{
		{ID: "m2", Provider: "ldap", Group: "developers", Org: "acme", Team: "devs", Role: "member"},
		{ID: "m1", Provider: "ldap", Group: "developers", Org: "acme", Team: "", Role: "member"},
		{ID: "m3", Provider: "ldap", Group: "Admins Ü", Org: "acme", Team: "", Role: "admin"},
		{ID: "m4", Provider: "oidc:corp", Group: "developers", Org: "acme", Team: "devs", Role: "member"},
	}
	for _, m := range ms {
		if err := s.PutMapping(ctx, m); err != nil {
			t.Fatalf("PutMapping(%s): %v", m.ID, err)
		}
	}
	dup := ms[0]
	dup.ID, dup.Role = "m5", "admin"
	if err := s.PutMapping(ctx, dup); !errors.Is(err, directory.ErrDuplicateMapping) {
		t.Errorf("same group, org and team again: %v, want ErrDuplicateMapping", err)
	}
	got, err := s.Mappings(ctx, "ldap")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]directory.Mapping{ms[2], ms[1], ms[0]}, got); diff != "" {
		t.Errorf("Mappings (-want +got):\n%s", diff)
	}
	if err := s.DeleteMapping(ctx, "m1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMapping(ctx, "m1"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("DeleteMapping twice: %v, want ErrNotFound", err)
	}
	if got, _ := s.Mappings(ctx, "ldap"); len(got) != 2 {
		t.Errorf("after delete, %d mappings, want 2", len(got))
	}
	if got, _ := s.Mappings(ctx, "none"); got != nil {
		t.Errorf("mappings of an unknown provider = %v, want nil", got)
	}
}
