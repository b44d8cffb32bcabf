package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/account"
)

func testNamespaceRoundTrip(t *testing.T, s account.NamespaceStore) {
	for _, tc := range []struct {
		name   string
		in     account.Namespace
		lookup []string
		want   account.Namespace
	}{
		{"organisation, stored lower-case", account.Namespace{Name: "Acme", Kind: account.NamespaceOrg, OwnerID: "o1"},
			[]string{"acme", "ACME", "Acme"}, account.Namespace{Name: "acme", Kind: account.NamespaceOrg, OwnerID: "o1"}},
		{"user", account.Namespace{Name: "alice", Kind: account.NamespaceUser, OwnerID: "u1"},
			[]string{"alice", "aLiCe"}, account.Namespace{Name: "alice", Kind: account.NamespaceUser, OwnerID: "u1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustClaim(t, s, tc.in)
			for _, name := range tc.lookup {
				if diff := cmp.Diff(tc.want, mustNamespace(t, s, name)); diff != "" {
					t.Errorf("Namespace(%q) (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

func testNamespaceNotFound(t *testing.T, s account.NamespaceStore) {
	mustClaim(t, s, account.Namespace{Name: "acme", Kind: account.NamespaceOrg, OwnerID: "o1"})
	for _, name := range []string{"nobody", "acm", "acme-labs", ""} {
		n, err := s.Namespace(context.Background(), name)
		if !errors.Is(err, account.ErrNotFound) {
			t.Errorf("Namespace(%q): err = %v, want ErrNotFound", name, err)
		}
		if n != (account.Namespace{}) {
			t.Errorf("Namespace(%q) = %+v, want zero", name, n)
		}
	}
}

func testNamespaceTaken(t *testing.T, s account.NamespaceStore) {
	ctx := context.Background()
	first := account.Namespace{Name: "acme", Kind: account.NamespaceOrg, OwnerID: "o1"}
	mustClaim(t, s, first)
	for _, tc := range []struct {
		name string
		n    account.Namespace
	}{
		{"same name, other owner", account.Namespace{Name: "acme", Kind: account.NamespaceUser, OwnerID: "u2"}},
		{"same name, other case", account.Namespace{Name: "ACME", Kind: account.NamespaceOrg, OwnerID: "o2"}},
		{"same claim again", first},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.ClaimNamespace(ctx, tc.n); !errors.Is(err, account.ErrNamespaceTaken) {
				t.Errorf("ClaimNamespace: err = %v, want ErrNamespaceTaken", err)
			}
			if diff := cmp.Diff(first, mustNamespace(t, s, "acme")); diff != "" {
				t.Errorf("claim changed (-want +got):\n%s", diff)
			}
		})
	}
}

func testReleaseNamespace(t *testing.T, s account.NamespaceStore) {
	ctx := context.Background()
	mustClaim(t, s, account.Namespace{Name: "acme", Kind: account.NamespaceOrg, OwnerID: "o1"})
	other := account.Namespace{Name: "beta", Kind: account.NamespaceUser, OwnerID: "u1"}
	mustClaim(t, s, other)

	if err := s.ReleaseNamespace(ctx, "ACME"); err != nil {
		t.Fatalf("ReleaseNamespace: %v", err)
	}
	if _, err := s.Namespace(ctx, "acme"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("Namespace after release: err = %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff(other, mustNamespace(t, s, "beta")); diff != "" {
		t.Errorf("other claim changed (-want +got):\n%s", diff)
	}
	reclaim := account.Namespace{Name: "acme", Kind: account.NamespaceUser, OwnerID: "u2"}
	mustClaim(t, s, reclaim)
	if diff := cmp.Diff(reclaim, mustNamespace(t, s, "acme")); diff != "" {
		t.Errorf("re-claimed namespace (-want +got):\n%s", diff)
	}
	for _, name := range []string{"nobody", ""} {
		if err := s.ReleaseNamespace(ctx, name); err != nil {
			t.Errorf("ReleaseNamespace(%q) of an absent claim: %v", name, err)
		}
	}
}

// mustClaim claims n and fails the test on error.
func mustClaim(t *testing.T, s account.NamespaceStore, n account.Namespace) {
	t.Helper()
	if err := s.ClaimNamespace(context.Background(), n); err != nil {
		t.Fatalf("ClaimNamespace(%s): %v", n.Name, err)
	}
}

// mustNamespace reads the claim on name and fails the test on error.
func mustNamespace(t *testing.T, s account.NamespaceStore, name string) account.Namespace {
	t.Helper()
	n, err := s.Namespace(context.Background(), name)
	if err != nil {
		t.Fatalf("Namespace(%s): %v", name, err)
	}
	return n
}
