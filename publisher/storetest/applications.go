package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/publisher"
)

// testByOrgAndApplicant checks the two lookups the caps on pending
// applications count with: by organisation and by the applying user,
// whatever the status, by slug, and following a change of either.
func testByOrgAndApplicant(t *testing.T, s publisher.Store) {
	for _, p := range []publisher.Publisher{
		{Slug: "zed", Org: "o1", Applicant: "u1", Status: publisher.StatusPending, AppliedAt: storetesting.T0},
		{Slug: "alpha", Org: "o1", Applicant: "u2", Status: publisher.StatusApproved},
		{Slug: "mid", Org: "o2", Applicant: "u1", Status: publisher.StatusExpired},
		{Slug: "legacy"},
	} {
		mustPut(t, s, p)
	}
	for _, tc := range []struct {
		name string
		list func() []string
		want []string
	}{
		{"organisation o1", func() []string { return slugs(t, s.PublishersByOrg, "o1") }, []string{"alpha", "zed"}},
		{"organisation o2", func() []string { return slugs(t, s.PublishersByOrg, "o2") }, []string{"mid"}},
		{"unknown organisation", func() []string { return slugs(t, s.PublishersByOrg, "o9") }, nil},
		{"applicant u1", func() []string { return slugs(t, s.PublishersByApplicant, "u1") }, []string{"mid", "zed"}},
		{"applicant u2", func() []string { return slugs(t, s.PublishersByApplicant, "u2") }, []string{"alpha"}},
		{"unknown applicant", func() []string { return slugs(t, s.PublishersByApplicant, "u9") }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.list()); diff != "" {
				t.Errorf("slugs (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("a change of applicant and organisation moves it", func(t *testing.T) {
		p := mustPublisher(t, s, "zed")
		p.Org, p.Applicant = "o2", "u3"
		mustPut(t, s, p)
		if got := mustPublisher(t, s, "zed"); got.Org != "o2" || got.Applicant != "u3" {
			t.Errorf("stored org %q, applicant %q; want o2, u3", got.Org, got.Applicant)
		}
		if diff := cmp.Diff([]string{"mid", "zed"}, slugs(t, s.PublishersByOrg, "o2")); diff != "" {
			t.Errorf("PublishersByOrg(o2) (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"mid"}, slugs(t, s.PublishersByApplicant, "u1")); diff != "" {
			t.Errorf("PublishersByApplicant(u1) (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"zed"}, slugs(t, s.PublishersByApplicant, "u3")); diff != "" {
			t.Errorf("PublishersByApplicant(u3) (-want +got):\n%s", diff)
		}
	})
}
