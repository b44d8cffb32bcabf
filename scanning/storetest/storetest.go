// Package storetest is the behaviour suite every scanning.Store must pass;
// the SQLite and MongoDB implementations both run it.
package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/scanning"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) scanning.Store) {
	storetesting.Run(t, newStore, []storetesting.Test[scanning.Store]{
		{Name: "PutLookup", Run: testPutLookup},
		{Name: "Replace", Run: testReplace},
		{Name: "Delete", Run: testDelete},
		{Name: "Empty", Run: testEmpty},
	})
}

var (
	goText  = scanning.PackageKey{Ecosystem: "Go", Name: "golang.org/x/text"}
	goNet   = scanning.PackageKey{Ecosystem: "Go", Name: "golang.org/x/net"}
	openssl = scanning.PackageKey{Ecosystem: "Debian", Name: "openssl"}
)

func rec(id, digest string, keys ...scanning.PackageKey) scanning.Record {
	// Raw holds bytes that are not UTF-8, to show it is kept as bytes.
	return scanning.Record{ID: id, Digest: digest, Modified: storetesting.T0, Keys: keys,
		Raw: append([]byte(`{"id":"`+id+`","note":"ünïcode"}`), 0xff)}
}

func ids(recs []scanning.Record) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func mustPut(t *testing.T, s scanning.Store, recs ...scanning.Record) {
	t.Helper()
	if err := s.Put(context.Background(), recs); err != nil {
		t.Fatalf("Put: %v", err)
	}
}

func lookup(t *testing.T, s scanning.Store, keys ...scanning.PackageKey) []scanning.Record {
	t.Helper()
	recs, err := s.Lookup(context.Background(), keys)
	if err != nil {
		t.Fatalf("Lookup(%v): %v", keys, err)
	}
	return recs
}

func testPutLookup(t *testing.T, s scanning.Store) {
	a := rec("GO-1", "d1", goText)
	b := rec("GO-2", "d2", goText, goNet)
	c := rec("DEB-1", "d3", openssl)
	mustPut(t, s, a, b, c)
	got := lookup(t, s, goText)
	if diff := cmp.Diff([]scanning.Record{a, b}, got); diff != "" {
		t.Errorf("Lookup(x/text) (-want +got):\n%s", diff)
	}
	if got := ids(lookup(t, s, goNet, goText)); !cmp.Equal(got, []string{"GO-1", "GO-2"}) {
		t.Errorf("Lookup(x/net, x/text) = %v; want each record once", got)
	}
	if got := ids(lookup(t, s, scanning.PackageKey{Ecosystem: "npm", Name: "openssl"})); len(got) != 0 {
		t.Errorf("Lookup(npm openssl) = %v; want none: the ecosystem is part of the key", got)
	}
	d, err := s.Digests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"GO-1": "d1", "GO-2": "d2", "DEB-1": "d3"}, d); diff != "" {
		t.Errorf("Digests (-want +got):\n%s", diff)
	}
	got, err = s.Get(context.Background(), []string{"DEB-1", "nope"})
	if err != nil || !cmp.Equal(got, []scanning.Record{c}) {
		t.Errorf("Get = %v, %v; want DEB-1 only", got, err)
	}
}

// testReplace shows that a changed record's old keys stop finding it.
func testReplace(t *testing.T, s scanning.Store) {
	mustPut(t, s, rec("GO-2", "d2", goText, goNet))
	changed := rec("GO-2", "d2b", goNet)
	mustPut(t, s, changed)
	if got := ids(lookup(t, s, goText)); len(got) != 0 {
		t.Errorf("Lookup(x/text) after replace = %v; want none", got)
	}
	if diff := cmp.Diff([]scanning.Record{changed}, lookup(t, s, goNet)); diff != "" {
		t.Errorf("Lookup(x/net) after replace (-want +got):\n%s", diff)
	}
}

func testDelete(t *testing.T, s scanning.Store) {
	mustPut(t, s, rec("GO-1", "d1", goText), rec("GO-2", "d2", goText))
	if err := s.Delete(context.Background(), []string{"GO-1", "unknown"}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got := ids(lookup(t, s, goText)); !cmp.Equal(got, []string{"GO-2"}) {
		t.Errorf("Lookup after delete = %v; want [GO-2]", got)
	}
	d, err := s.Digests(context.Background())
	if err != nil || !cmp.Equal(d, map[string]string{"GO-2": "d2"}) {
		t.Errorf("Digests after delete = %v, %v", d, err)
	}
}

func testEmpty(t *testing.T, s scanning.Store) {
	ctx := context.Background()
	if err := s.Put(ctx, nil); err != nil {
		t.Errorf("Put(nil): %v", err)
	}
	if err := s.Delete(ctx, nil); err != nil {
		t.Errorf("Delete(nil): %v", err)
	}
	if got := lookup(t, s); len(got) != 0 {
		t.Errorf("Lookup() = %v", got)
	}
	if d, err := s.Digests(ctx); err != nil || len(d) != 0 {
		t.Errorf("Digests on empty = %v, %v", d, err)
	}
}
