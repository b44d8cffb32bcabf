package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/licensing"
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
func BenchmarkPromotion60MB(b *testing.B) {
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
		img, err := random.Image(12<<20, 5)
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
