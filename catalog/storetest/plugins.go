package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/storetesting"
)

// pluginTag is a tag of acme/nfs pointing at a Docker Engine plugin, with
// every plugin fact set.
func pluginTag() catalog.Tag {
	return catalog.Tag{
		Repository: "acme/nfs", Name: "1.0", Digest: "sha256:plugin1",
		MediaType: "application/vnd.docker.distribution.manifest.v2+json",
		Platforms: []catalog.Platform{{Digest: "sha256:plugin1", Size: 2048,
			Layers: []catalog.Layer{{Digest: "sha256:rootfs", MediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", Size: 2000}}}},
		Plugin: &catalog.Plugin{
			Description: "NFS volumes — ünïcode", Documentation: "https://acme.example/nfs",
			Interfaces: []string{"docker.volumedriver/1.0", "docker.authz/1.0"},
			Privileges: []catalog.Privilege{
				{Name: "network", Description: "permissions to access a network", Value: []string{"host"}},
				{Name: "mount", Description: "host path to mount", Value: []string{"/var/lib/nfs"}},
				{Name: "device", Description: "host device to access", Value: []string{"/dev/fuse"}},
				{Name: "capabilities", Description: "list of additional capabilities required",
					Value: []string{"CAP_SYS_ADMIN", "CAP_NET_ADMIN"}},
				{Name: "allow-all-devices", Value: []string{"true"}},
			},
		},
		PushedAt: storetesting.T1,
	}
}

func testPluginTag(t *testing.T, s TagStore) {
	t.Run("round trip", func(t *testing.T) {
		mustPutTag(t, s, pluginTag())
		if diff := cmp.Diff(pluginTag(), mustTag(t, s, "acme/nfs", "1.0"), equate); diff != "" {
			t.Errorf("Tag mismatch (-want +got):\n%s", diff)
		}
		got := mustTags(t, s, "acme/nfs")
		if len(got) != 1 || got[0].Plugin == nil || len(got[0].Plugin.Privileges) != 5 {
			t.Errorf("Tags = %+v, want the plugin tag with its 5 privileges", got)
		}
		byDigest, err := s.TagByDigest(context.Background(), "acme/nfs", "sha256:plugin1")
		if err != nil || byDigest.Plugin == nil || byDigest.Plugin.Interfaces[0] != "docker.volumedriver/1.0" {
			t.Errorf("TagByDigest = %+v, %v; want the plugin tag", byDigest.Plugin, err)
		}
	})
	t.Run("a plugin with no privileges", func(t *testing.T) {
		bare := pluginTag()
		bare.Name, bare.Plugin = "bare", &catalog.Plugin{Interfaces: []string{"docker.logdriver/1.0"}}
		mustPutTag(t, s, bare)
		if diff := cmp.Diff(bare, mustTag(t, s, "acme/nfs", "bare"), equate); diff != "" {
			t.Errorf("Tag mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("replaced by an image", func(t *testing.T) {
		image := singlePlatform("1.0", "sha256:image")
		image.Repository = "acme/nfs"
		mustPutTag(t, s, image)
		if got := mustTag(t, s, "acme/nfs", "1.0"); got.Plugin != nil {
			t.Errorf("Plugin = %+v after an image replaced the plugin, want nil", got.Plugin)
		}
	})
}

// putPluginProducts puts the explore products and gives the plugins
// interfaces: b a volume and a log driver, d an authorization plugin; and
// the image a a volume driver's, which Explore's filter ignores, as it
// keeps to plugins.
func putPluginProducts(t *testing.T, s catalog.Store) {
	t.Helper()
	putExploreProducts(t, s)
	ctx := context.Background()
	if err := s.SetPluginInterfaces(ctx, "a", []string{"volumedriver"}); err != nil {
		t.Fatalf("SetPluginInterfaces(a): %v", err)
	}
	if err := s.SetPluginInterfaces(ctx, "b", []string{"volumedriver", "logdriver"}); err != nil {
		t.Fatalf("SetPluginInterfaces(b): %v", err)
	}
	if err := s.SetPluginInterfaces(ctx, "d", []string{"authz"}); err != nil {
		t.Fatalf("SetPluginInterfaces(d): %v", err)
	}
}

func testExplorePluginInterfaces(t *testing.T, s catalog.Store) {
	putPluginProducts(t, s)
	runExplore(t, s, []exploreCase{
		{"volume drivers", catalog.ExploreQuery{Interface: "volumedriver"}, []string{"b"}, false},
		{"log drivers", catalog.ExploreQuery{Interface: "logdriver"}, []string{"b"}, false},
		{"authorization plugins", catalog.ExploreQuery{Interface: "authz"}, []string{"d"}, false},
		{"network drivers", catalog.ExploreQuery{Interface: "networkdriver"}, nil, false},
		{"in the plugins tab", catalog.ExploreQuery{Tab: "plugins", Interface: "authz"}, []string{"d"}, false},
		{"with another filter", catalog.ExploreQuery{Interface: "volumedriver", Publisher: "zeta"}, nil, false},
		{"no filter", catalog.ExploreQuery{Tab: "plugins"}, []string{"b", "d"}, false},
		{"paged", catalog.ExploreQuery{Interface: "volumedriver", Limit: 1}, []string{"b"}, false},
	})
}

func testSetPluginInterfaces(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	mustPut(t, s, catalog.Product{Slug: "a", Name: "A", Kind: catalog.KindPlugin})
	t.Run("unknown product", func(t *testing.T) {
		if err := s.SetPluginInterfaces(ctx, "nope", []string{"volumedriver"}); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("SetPluginInterfaces: err = %v, want ErrNotFound", err)
		}
	})
	t.Run("kept once each, sorted", func(t *testing.T) {
		if err := s.SetPluginInterfaces(ctx, "a", []string{"volumedriver", "authz", "", "volumedriver"}); err != nil {
			t.Fatalf("SetPluginInterfaces: %v", err)
		}
		want := []string{"authz", "volumedriver"}
		if diff := cmp.Diff(want, mustProduct(t, s, "a").PluginInterfaces); diff != "" {
			t.Errorf("PluginInterfaces (-want +got):\n%s", diff)
		}
	})
	t.Run("put keeps them", func(t *testing.T) {
		put := mustPut(t, s, catalog.Product{Slug: "a", Name: "A2", Kind: catalog.KindPlugin, PluginInterfaces: []string{"logdriver"}})
		want := []string{"authz", "volumedriver"}
		if diff := cmp.Diff(want, put.PluginInterfaces); diff != "" {
			t.Errorf("PutProduct PluginInterfaces (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, mustProduct(t, s, "a").PluginInterfaces); diff != "" {
			t.Errorf("stored PluginInterfaces (-want +got):\n%s", diff)
		}
		runExplore(t, s, []exploreCase{{"kept", catalog.ExploreQuery{Interface: "authz"}, []string{"a"}, false}})
	})
	t.Run("replaced", func(t *testing.T) {
		if err := s.SetPluginInterfaces(ctx, "a", []string{"networkdriver"}); err != nil {
			t.Fatalf("SetPluginInterfaces: %v", err)
		}
		runExplore(t, s, []exploreCase{
			{"old", catalog.ExploreQuery{Interface: "volumedriver"}, nil, false},
			{"new", catalog.ExploreQuery{Interface: "networkdriver"}, []string{"a"}, false},
		})
	})
	t.Run("cleared", func(t *testing.T) {
		if err := s.SetPluginInterfaces(ctx, "a", nil); err != nil {
			t.Fatalf("SetPluginInterfaces: %v", err)
		}
		if got := mustProduct(t, s, "a").PluginInterfaces; len(got) != 0 {
			t.Errorf("PluginInterfaces = %q, want none", got)
		}
		runExplore(t, s, []exploreCase{{"none", catalog.ExploreQuery{Interface: "networkdriver"}, nil, false}})
	})
	t.Run("a new product's are stored alike", func(t *testing.T) {
		put := mustPut(t, s, catalog.Product{Slug: "b", Kind: catalog.KindPlugin,
			PluginInterfaces: []string{"logdriver", "ipamdriver", "logdriver"}})
		want := []string{"ipamdriver", "logdriver"}
		if diff := cmp.Diff(want, put.PluginInterfaces); diff != "" {
			t.Errorf("PutProduct PluginInterfaces (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, mustProduct(t, s, "b").PluginInterfaces); diff != "" {
			t.Errorf("stored PluginInterfaces (-want +got):\n%s", diff)
		}
		runExplore(t, s, []exploreCase{{"its interface", catalog.ExploreQuery{Interface: "ipamdriver"}, []string{"b"}, false}})
	})
}
