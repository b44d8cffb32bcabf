package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

// RunReferrers runs the referrers suite. newStore must return a new, empty
// store for each call.
func RunReferrers(t *testing.T, newStore func(t *testing.T) licensing.ReferrerStore) {
	storetesting.Run(t, newStore, []storetesting.Test[licensing.ReferrerStore]{
		{Name: "RoundTrip", Run: testReferrerRoundTrip},
		{Name: "BySubject", Run: testReferrersBySubject},
		{Name: "Replace", Run: testReferrerReplace},
		{Name: "Delete", Run: testReferrerDelete},
	})
}

// referrer returns a referrer of subject in repo with every field set.
func referrer(repo, subject, digest string, at time.Time) licensing.Referrer {
	return licensing.Referrer{Repository: repo, Subject: subject, Digest: digest,
		MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 1234,
		ArtifactType: "application/vnd.example.sbom.v1",
		Annotations:  map[string]string{"org.opencontainers.image.created": "2026-12-03T10:00:00Z", "x": ""},
		PushedAt:     at}
}

func testReferrerRoundTrip(t *testing.T, s licensing.ReferrerStore) {
	bare := licensing.Referrer{Repository: "acme/db", Subject: "sha256:s2", Digest: "sha256:b"}
	for _, r := range []licensing.Referrer{referrer("acme/db", "sha256:s1", "sha256:a", storetesting.T1), bare} {
		mustPutReferrer(t, s, r)
		checkReferrers(t, s, r.Repository, r.Subject, []licensing.Referrer{r})
	}
}

func testReferrersBySubject(t *testing.T, s licensing.ReferrerStore) {
	a := referrer("acme/db", "sha256:s1", "sha256:a", storetesting.T1)
	b := referrer("acme/db", "sha256:s1", "sha256:b", storetesting.T0)
	c := referrer("acme/db", "sha256:s1", "sha256:c", storetesting.T0)
	other := referrer("acme/db", "sha256:s2", "sha256:d", storetesting.T2)
	elsewhere := referrer("acme/db-tools", "sha256:s1", "sha256:e", storetesting.T0)
	for _, r := range []licensing.Referrer{a, c, other, b, elsewhere} {
		mustPutReferrer(t, s, r)
	}
	checkReferrers(t, s, "acme/db", "sha256:s1", []licensing.Referrer{b, c, a})
	checkReferrers(t, s, "acme/db", "", []licensing.Referrer{b, c, a, other})
	checkReferrers(t, s, "acme/db", "sha256:none", nil)
	checkReferrers(t, s, "acme/db-tools", "", []licensing.Referrer{elsewhere})
	checkReferrers(t, s, "acme", "", nil)
}

func testReferrerReplace(t *testing.T, s licensing.ReferrerStore) {
	first := referrer("acme/db", "sha256:s1", "sha256:a", storetesting.T0)
	again := first
	again.Annotations, again.PushedAt, again.Size = nil, storetesting.T1, 99
	mustPutReferrer(t, s, first)
	mustPutReferrer(t, s, again)
	checkReferrers(t, s, "acme/db", "", []licensing.Referrer{again})
}

func testReferrerDelete(t *testing.T, s licensing.ReferrerStore) {
	ctx := context.Background()
	a := referrer("acme/db", "sha256:s1", "sha256:a", storetesting.T0)
	b := referrer("acme/db", "sha256:s1", "sha256:b", storetesting.T1)
	twin := referrer("acme/db-tools", "sha256:s1", "sha256:a", storetesting.T0)
	for _, r := range []licensing.Referrer{a, b, twin} {
		mustPutReferrer(t, s, r)
	}
	for _, d := range []string{"sha256:a", "sha256:a", "sha256:none"} {
		if err := s.DeleteReferrer(ctx, "acme/db", d); err != nil {
			t.Fatalf("DeleteReferrer(%s): %v", d, err)
		}
	}
	checkReferrers(t, s, "acme/db", "sha256:s1", []licensing.Referrer{b})
	checkReferrers(t, s, "acme/db-tools", "sha256:s1", []licensing.Referrer{twin})
}

// mustPutReferrer records r and fails the test on error.
func mustPutReferrer(t *testing.T, s licensing.ReferrerStore, r licensing.Referrer) {
	t.Helper()
	if err := s.PutReferrer(context.Background(), r); err != nil {
		t.Fatalf("PutReferrer(%s): %v", r.Digest, err)
	}
}

// checkReferrers checks the referrers of subject in repo.
func checkReferrers(t *testing.T, s licensing.ReferrerStore, repo, subject string, want []licensing.Referrer) {
	t.Helper()
	got, err := s.Referrers(context.Background(), repo, subject)
	if err != nil {
		t.Fatalf("Referrers(%s, %s): %v", repo, subject, err)
	}
	if diff := cmp.Diff(want, got, equate); diff != "" {
		t.Errorf("Referrers(%s, %q) (-want +got):\n%s", repo, subject, diff)
	}
}
