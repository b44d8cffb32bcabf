package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	dockertypes "github.com/docker/docker/api/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/plugin"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/signing"
)

// BenchmarkPromotion60MB measures how long a signed 5-layer, 60 MB image
// takes to become buyable: from the moment its cosign signature is pushed
// to staging (the notification that sets the pipeline going) to the tag
// answering in the buyer-facing repository. The pipeline verifies the
// signature, mounts the layers across repositories, counter-signs and
// records the tag in the catalog in between. The image's push to staging
// is not timed.
//
// Sub-benchmarks: "image", a container image of 5 random 12 MB layers,
// and "plugin", a Docker Engine managed plugin of the same size (5 rootfs
// layers of one 12 MB file each), each in a repository listed under a
// product of its kind, so that the pipeline's kind check runs too.
func BenchmarkPromotion60MB(b *testing.B) {
	b.Run("image", func(b *testing.B) { benchmarkPromotion(b, catalog.KindImage, randomImage) })
	b.Run("plugin", func(b *testing.B) { benchmarkPromotion(b, catalog.KindPlugin, randomPlugin) })
}

func randomImage() (v1.Image, error) { return random.Image(12<<20, 5) }

// randomPlugin is a 5-layer plugin of 12 MB of random bytes per layer.
func randomPlugin() (v1.Image, error) {
	var layers []v1.Layer
	for i := range 5 {
		body := make([]byte, 12<<20)
		if _, err := rand.Read(body); err != nil {
			return nil, err
		}
		l, err := plugin.Layer([]plugin.File{{Path: fmt.Sprintf("/opt/part%d", i), Mode: 0o644, Body: body}}, time.Now())
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
	}
	return plugin.Build(dockertypes.PluginConfig{
		Description: "bench volume driver", Entrypoint: []string{"/opt/part0"},
		Interface: dockertypes.PluginConfigInterface{Socket: "bench.sock",
			Types: []dockertypes.PluginInterfaceType{{Prefix: "docker", Capability: "volumedriver", Version: "1.0"}}},
		Network: dockertypes.PluginConfigNetwork{Type: "host"},
		Args:    dockertypes.PluginConfigArgs{Name: "args", Value: []string{}, Settable: []string{}},
	}, layers...)
}

func benchmarkPromotion(b *testing.B, kind catalog.Kind, build func() (v1.Image, error)) {
	srv, stop := running(b)
	defer stop()
	ctx := context.Background()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	pemKey, err := signing.MarshalPublicKey(pub)
	if err != nil {
		b.Fatal(err)
	}
	p, err := srv.Backend.Stores.Publishers.PutPublisher(ctx, publisher.Publisher{Slug: "bench", Name: "Bench", Namespaces: []string{"benchpub"},
		Status: publisher.StatusApproved})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Backend.Stores.Publishers.AddKey(ctx, publisher.Key{ID: signing.Fingerprint(pub), Publisher: p.ID, Name: "bench",
		PEM: string(pemKey), CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	if _, err := srv.Backend.Stores.Catalog.PutProduct(ctx, catalog.Product{Slug: "benchpub-app", Name: "Bench app", Publisher: "bench",
		Kind: kind, Repositories: []string{"benchpub/app"},
		Tiers: []catalog.Tier{{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{"benchpub/app"}}}}); err != nil {
		b.Fatal(err)
	}
	tok, err := srv.Backend.Tokens.Sign(licensing.InternalSubject+"bench", []licensing.Access{
		{Type: "repository", Name: "staging/benchpub/app", Actions: []string{"pull", "push"}},
		{Type: "repository", Name: "benchpub/app", Actions: []string{"pull"}}})
	if err != nil {
		b.Fatal(err)
	}
	auth := remote.WithAuth(authn.FromConfig(authn.AuthConfig{RegistryToken: tok.Token}))
	host := srv.RegistryURL[len("http://"):]
	staging, err := name.NewRepository(host+"/staging/benchpub/app", name.Insecure)
	if err != nil {
		b.Fatal(err)
	}
	target, err := name.NewRepository(host+"/benchpub/app", name.Insecure)
	if err != nil {
		b.Fatal(err)
	}
	var worst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		img, err := build()
		if err != nil {
			b.Fatal(err)
		}
		tag := fmt.Sprintf("1.%d", i)
		if err := remote.Write(staging.Tag(tag), img, auth); err != nil {
			b.Fatal(err)
		}
		digest, _ := img.Digest()
		b.StartTimer()
		start := time.Now()
		if err := signing.Attach(ctx, staging, digest.String(), staging.Name(), priv, auth); err != nil {
			b.Fatal(err)
		}
		for {
			desc, err := remote.Head(target.Tag(tag), auth)
			if err == nil && desc.Digest == digest {
				break
			}
			if time.Since(start) > time.Minute {
				b.Fatalf("%s not buyable after a minute", tag)
			}
			time.Sleep(2 * time.Millisecond)
		}
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(float64(worst.Milliseconds()), "worst-ms")
}
