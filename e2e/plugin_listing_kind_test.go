package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	dockertypes "github.com/docker/docker/api/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/plugin"
	"github.com/berth/berth/signing"
)

// TestUploadMatchesListingKind: a listing of kind plugin holds Docker
// Engine managed plugins, and an image listing images. A signed upload of
// the wrong kind is rejected by the publishing pipeline with the reason,
// and never reaches buyers; the right kind is promoted and counter-signed.
func TestUploadMatchesListingKind(t *testing.T) {
	w := newPublisherWorld(t)
	ctx := context.Background()
	_, err := w.in.srv.Backend.Stores.Catalog.PutProduct(ctx, catalog.Product{Slug: "otto-plug", Name: "Otto Volume Plugin",
		Publisher: "ottosoft", Kind: catalog.KindPlugin, Repositories: []string{"otto/plug"},
		Tiers: []catalog.Tier{{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{"otto/plug"}}}})
	must(t, err)

	volume := testPlugin(t)
	image, err := random.Image(64<<10, 2)
	must(t, err)

	for _, c := range []struct {
		name, repo, tag string
		img             v1.Image
		want            string // "promoted", or what the rejection says
	}{
		{"image to a plugin listing", "otto/plug", "0.9", image, "is listed as a Docker Engine plugin, and this upload is not one"},
		{"plugin to an image listing", "otto/app", "0.9", volume, "is listed as an image, and this upload is a Docker Engine plugin"},
		{"plugin to a plugin listing", "otto/plug", "1.0", volume, "promoted"},
		{"image to an image listing", "otto/app", "1.0", image, "promoted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			staging := w.repo(t, "staging/"+c.repo)
			must(t, remote.Write(staging.Tag(c.tag), c.img, w.pushAuth()))
			d, err := c.img.Digest()
			must(t, err)
			must(t, signing.Attach(ctx, staging, d.String(), staging.Name(), w.key, w.pushAuth()))
			status, reason := w.uploadOf(t, c.repo, c.tag)
			target := w.repo(t, c.repo).Tag(c.tag)
			if c.want == "promoted" {
				if status != "promoted" {
					t.Fatalf("status %s (%s), want promoted", status, reason)
				}
				sigs, err := w.in.srv.Backend.Registry.Signatures(ctx, c.repo, d.String())
				must(t, err)
				if len(sigs) == 0 {
					t.Errorf("%s promoted without Berth's counter-signature", target)
				}
				return
			}
			if status != "rejected" || !strings.Contains(reason, c.want) {
				t.Errorf("status %s (%s), want rejected saying %q", status, reason, c.want)
			}
			tags, err := w.in.srv.Backend.Registry.Tags(ctx, c.repo)
			must(t, err)
			if slices.Contains(tags, c.tag) {
				t.Errorf("the rejected upload reached %s", target)
			}
		})
	}
}

// uploadOf waits until the upload of target:tag leaves "waiting" and
// returns its status and reason, as the publisher's API lists them.
func (w *publisherWorld) uploadOf(t *testing.T, target, tag string) (status, reason string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var list struct {
			Uploads []struct{ Target, Tag, Status, Reason string }
		}
		w.in.call("GET", "/api/v1/publishers/ottosoft/uploads", "ottmar", "ottmar-password", nil, &list)
		for _, u := range list.Uploads {
			if u.Target == target && u.Tag == tag && u.Status != "waiting" {
				return u.Status, u.Reason
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upload of %s:%s is still waiting (or missing): %+v", target, tag, list.Uploads)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// testPlugin is a small volume-driver plugin built with Berth's plugin
// package: the Engine's config, one rootfs layer.
func testPlugin(t *testing.T) v1.Image {
	t.Helper()
	cfg := dockertypes.PluginConfig{
		Description: "Otto volumes", Documentation: "https://example.com/otto",
		Entrypoint: []string{"/otto-volume"},
		Interface: dockertypes.PluginConfigInterface{Socket: "otto.sock",
			Types: []dockertypes.PluginInterfaceType{{Prefix: "docker", Capability: "volumedriver", Version: "1.0"}}},
		Network: dockertypes.PluginConfigNetwork{Type: "host"},
		Args:    dockertypes.PluginConfigArgs{Name: "args", Value: []string{}, Settable: []string{}},
	}
	layer, err := plugin.Layer([]plugin.File{{Path: "/otto-volume", Mode: 0o755, Body: []byte("\x7fELF otto")}, {Path: "/run/docker/plugins/"}},
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	must(t, err)
	img, err := plugin.Build(cfg, layer)
	must(t, err)
	return img
}
