package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/storetesting"
)

// TagStore is what the tags suite needs: a catalog.TagStore and the
// catalog.Store that records the pulls it counts, backed by one database.
type TagStore interface {
	catalog.Store
	catalog.TagStore
}

// RunTags runs the suite every catalog.TagStore must pass. newStore must
// return a new, empty store for each call.
func RunTags(t *testing.T, newStore func(t *testing.T) TagStore) {
	storetesting.Run(t, newStore, []storetesting.Test[TagStore]{
		{Name: "RoundTrip", Run: testTagRoundTrip},
		{Name: "Plugin", Run: testPluginTag},
		{Name: "Replace", Run: testTagReplace},
		{Name: "NotFound", Run: testTagNotFound},
		{Name: "Tags", Run: testTags},
		{Name: "ByDigest", Run: testTagByDigest},
		{Name: "Delete", Run: testDeleteTag},
		{Name: "PullsPerDay", Run: testTagPullsPerDay},
		{Name: "PullTotals", Run: testTagPullTotals},
	})
}

// multiPlatform is a tag of acme/app pointing at an index of two images,
// with every field set; label keys hold dots, as OCI's do.
func multiPlatform() catalog.Tag {
	return catalog.Tag{
		Repository: "acme/app", Name: "1.0", Digest: "sha256:index1",
		MediaType: "application/vnd.oci.image.index.v1+json",
		Platforms: []catalog.Platform{
			{OS: "linux", Architecture: "amd64", Digest: "sha256:amd1", Size: 1234, Created: storetesting.T0,
				Labels: map[string]string{"org.opencontainers.image.version": "1.0", "maintainer": "Acme <ops@acme.example>"},
				Layers: []catalog.Layer{
					{Digest: "sha256:l1", MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 1000,
						Command: "ADD rootfs.tar.gz / # \"quoted\" — ünïcode"},
					{Digest: "sha256:l2", MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 34},
				}},
			{OS: "linux", Architecture: "arm64", Variant: "v8", Digest: "sha256:arm1", Size: 999,
				Created: storetesting.T1, Layers: []catalog.Layer{{Digest: "sha256:l3", Size: 999}}},
		},
		Signed: true, PushedAt: storetesting.T1,
	}
}

// singlePlatform is a tag of acme/app pointing at one image.
func singlePlatform(name, digest string) catalog.Tag {
	return catalog.Tag{
		Repository: "acme/app", Name: name, Digest: digest,
		MediaType: "application/vnd.oci.image.manifest.v1+json",
		Platforms: []catalog.Platform{{OS: "linux", Architecture: "amd64", Digest: digest, Size: 10}},
		PushedAt:  storetesting.T0,
	}
}

func testTagRoundTrip(t *testing.T, s TagStore) {
	for _, tc := range []struct {
		name string
		in   catalog.Tag
	}{
		{"every field set", multiPlatform()},
		{"one platform", singlePlatform("0.9", "sha256:single")},
		{"zero values", catalog.Tag{Repository: "acme/app", Name: "bare"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustPutTag(t, s, tc.in)
			if diff := cmp.Diff(tc.in, mustTag(t, s, tc.in.Repository, tc.in.Name), equate); diff != "" {
				t.Errorf("Tag mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testTagReplace(t *testing.T, s TagStore) {
	mustPutTag(t, s, multiPlatform())
	replaced := singlePlatform("1.0", "sha256:rebuilt")
	replaced.PushedAt = storetesting.T2
	mustPutTag(t, s, replaced)
	if diff := cmp.Diff(replaced, mustTag(t, s, "acme/app", "1.0"), equate); diff != "" {
		t.Errorf("Tag after replacing (-want +got):\n%s", diff)
	}
	if got := mustTags(t, s, "acme/app"); len(got) != 1 {
		t.Errorf("Tags = %d tags, want 1", len(got))
	}
	for _, d := range []string{"sha256:index1", "sha256:amd1", "sha256:arm1"} {
		if _, err := s.TagByDigest(context.Background(), "acme/app", d); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("TagByDigest(%s) of the replaced tag: err = %v, want ErrNotFound", d, err)
		}
	}
	if got, err := s.TagByDigest(context.Background(), "acme/app", "sha256:rebuilt"); err != nil || got.Name != "1.0" {
		t.Errorf("TagByDigest(rebuilt) = %q, %v; want 1.0", got.Name, err)
	}
}

func testTagNotFound(t *testing.T, s TagStore) {
	ctx := context.Background()
	mustPutTag(t, s, multiPlatform())
	for _, key := range [][2]string{{"acme/app", "2.0"}, {"acme/other", "1.0"}, {"acme", "app:1.0"}, {"", ""}} {
		if _, err := s.Tag(ctx, key[0], key[1]); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Tag(%q, %q): err = %v, want ErrNotFound", key[0], key[1], err)
		}
	}
	if got := mustTags(t, s, "acme/other"); len(got) != 0 {
		t.Errorf("Tags of a repository without tags = %d tags, want none", len(got))
	}
}

func testTags(t *testing.T, s TagStore) {
	mustPutTag(t, s, multiPlatform()) // pushed T1
	latest := multiPlatform()
	latest.Name, latest.PushedAt = "latest", storetesting.T2
	mustPutTag(t, s, latest)
	mustPutTag(t, s, singlePlatform("0.9", "sha256:old")) // pushed T0
	mustPutTag(t, s, singlePlatform("0.8", "sha256:older"))
	other := multiPlatform()
	other.Repository = "acme/other"
	mustPutTag(t, s, other)

	got := mustTags(t, s, "acme/app")
	var names []string
	for _, tag := range got {
		names = append(names, tag.Name)
	}
	if diff := cmp.Diff([]string{"latest", "1.0", "0.8", "0.9"}, names); diff != "" {
		t.Errorf("Tags order (-want +got):\n%s", diff)
	}
	if len(got) > 1 {
		if diff := cmp.Diff(multiPlatform(), got[1], equate); diff != "" {
			t.Errorf("listed tag differs (-want +got):\n%s", diff)
		}
	}
}

func testTagByDigest(t *testing.T, s TagStore) {
	ctx := context.Background()
	mustPutTag(t, s, multiPlatform()) // pushed T1
	latest := multiPlatform()
	latest.Name, latest.PushedAt = "latest", storetesting.T2
	mustPutTag(t, s, latest)
	mustPutTag(t, s, singlePlatform("0.9", "sha256:old"))
	other := singlePlatform("1.0", "sha256:elsewhere")
	other.Repository = "acme/other"
	mustPutTag(t, s, other)

	for _, tc := range []struct{ repo, digest, want string }{
		{"acme/app", "sha256:index1", "latest"}, // two tags: the newer
		{"acme/app", "sha256:arm1", "latest"},   // a platform's digest
		{"acme/app", "sha256:old", "0.9"},
		{"acme/other", "sha256:elsewhere", "1.0"},
	} {
		got, err := s.TagByDigest(ctx, tc.repo, tc.digest)
		if err != nil || got.Name != tc.want || got.Repository != tc.repo {
			t.Errorf("TagByDigest(%s, %s) = %s:%s, %v; want %s:%s", tc.repo, tc.digest, got.Repository, got.Name, err, tc.repo, tc.want)
		}
	}
	if got, _ := s.TagByDigest(ctx, "acme/app", "sha256:amd1"); !cmp.Equal(latest, got, equate) {
		t.Errorf("TagByDigest returned an incomplete tag: %+v", got)
	}
	for _, key := range [][2]string{{"acme/app", "sha256:elsewhere"}, {"acme/other", "sha256:index1"},
		{"acme/app", "sha256:l1"}, {"acme/app", ""}} {
		if _, err := s.TagByDigest(ctx, key[0], key[1]); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("TagByDigest(%s, %q): err = %v, want ErrNotFound", key[0], key[1], err)
		}
	}
}

func testDeleteTag(t *testing.T, s TagStore) {
	ctx := context.Background()
	mustPutTag(t, s, multiPlatform())
	latest := multiPlatform()
	latest.Name, latest.PushedAt = "latest", storetesting.T2
	mustPutTag(t, s, latest)

	if err := s.DeleteTag(ctx, "acme/app", "latest"); err != nil {
		t.Fatalf("DeleteTag: %v", err)
	}
	if _, err := s.Tag(ctx, "acme/app", "latest"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Tag after DeleteTag: err = %v, want ErrNotFound", err)
	}
	if got, err := s.TagByDigest(ctx, "acme/app", "sha256:arm1"); err != nil || got.Name != "1.0" {
		t.Errorf("TagByDigest after deleting latest = %q, %v; want 1.0", got.Name, err)
	}
	if got := mustTags(t, s, "acme/app"); len(got) != 1 || got[0].Name != "1.0" {
		t.Errorf("Tags after DeleteTag = %d tags, want 1.0 alone", len(got))
	}
	for _, key := range [][2]string{{"acme/app", "latest"}, {"acme/other", "1.0"}} {
		if err := s.DeleteTag(ctx, key[0], key[1]); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("DeleteTag(%s, %s): err = %v, want ErrNotFound", key[0], key[1], err)
		}
	}
	if err := s.DeleteTag(ctx, "acme/app", "1.0"); err != nil {
		t.Fatalf("DeleteTag(1.0): %v", err)
	}
	if _, err := s.TagByDigest(ctx, "acme/app", "sha256:index1"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("TagByDigest after deleting every tag: err = %v, want ErrNotFound", err)
	}
}

// mustPutTag puts tag and fails the test on error.
func mustPutTag(t *testing.T, s catalog.TagStore, tag catalog.Tag) {
	t.Helper()
	if err := s.PutTag(context.Background(), tag); err != nil {
		t.Fatalf("PutTag(%s:%s): %v", tag.Repository, tag.Name, err)
	}
}

// mustTag reads a tag and fails the test on error.
func mustTag(t *testing.T, s catalog.TagStore, repository, name string) catalog.Tag {
	t.Helper()
	tag, err := s.Tag(context.Background(), repository, name)
	if err != nil {
		t.Fatalf("Tag(%s:%s): %v", repository, name, err)
	}
	return tag
}

// mustTags lists a repository's tags and fails the test on error.
func mustTags(t *testing.T, s catalog.TagStore, repository string) []catalog.Tag {
	t.Helper()
	tags, err := s.Tags(context.Background(), repository)
	if err != nil {
		t.Fatalf("Tags(%s): %v", repository, err)
	}
	return tags
}
