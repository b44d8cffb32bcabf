package bench

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/berth/berth/licensing"
	"github.com/berth/berth/server"
)

// BenchmarkRegistryStorage60MB pushes and pulls a 5-layer, 60 MB image
// (12 MB of incompressible content per layer, a new image each time, so
// nothing is deduplicated) through Berth's embedded registry on each
// storage: the filesystem under the data directory, and S3 named by
// BERTH_REGISTRY_CONFIG against an in-process S3 server (gofakes3, in
// memory) with redirects off, so that Berth streams every blob. The push
// uses a token for the repository; the pull is a buyer's, cold, with a
// license key. It reports each side's median in MB/s.
//
//	go test -run '^$' -bench RegistryStorage60MB -benchtime 5x ./bench/
func BenchmarkRegistryStorage60MB(b *testing.B) {
	for _, storage := range []string{"filesystem", "s3"} {
		b.Run(storage, func(b *testing.B) {
			var configure []func(*server.Config)
			if storage == "s3" {
				yml := s3Config(b)
				configure = append(configure, func(c *server.Config) { c.RegistryConfig = yml })
			}
			srv, stop := running(b, configure...)
			defer stop()
			_, key := licensed(b, srv)
			tok, err := srv.Backend.Tokens.Sign(licensing.InternalSubject+"bench", []licensing.Access{
				{Type: "repository", Name: "bench/app", Actions: []string{"pull", "push"}}})
			if err != nil {
				b.Fatal(err)
			}
			pusher := remote.WithAuth(authn.FromConfig(authn.AuthConfig{RegistryToken: tok.Token}))
			license := authn.FromConfig(authn.AuthConfig{Username: "buyer", Password: key})
			const size = 60 << 20
			var pushes, pulls []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				img, err := random.Image(size/5, 5)
				if err != nil {
					b.Fatal(err)
				}
				want, _ := img.Digest()
				ref, err := name.NewTag(fmt.Sprintf("%s/bench/app:%d", srv.RegistryURL[len("http://"):], i), name.Insecure)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				if err := remote.Write(ref, img, pusher); err != nil {
					b.Fatal(err)
				}
				pushes = append(pushes, time.Since(start))
				// The tag is pullable with the license once the registry's
				// notification is applied; the first pull may race it.
				var took time.Duration
				for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
					if took, err = pull(ref, license, want); err == nil {
						break
					} else if time.Now().After(deadline) {
						b.Fatalf("pulling %s: %v", ref, err)
					}
				}
				pulls = append(pulls, took)
			}
			b.ReportMetric(mbps(size, median(pushes)), "push-MB/s")
			b.ReportMetric(mbps(size, median(pulls)), "pull-MB/s")
		})
	}
}

// s3Config serves an in-memory S3 on loopback with one bucket and writes a
// registry config naming it; it returns the config's path.
func s3Config(b *testing.B) string {
	b.Helper()
	store := s3mem.New()
	if err := store.CreateBucket("bench"); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: gofakes3.New(store, gofakes3.WithLogger(gofakes3.DiscardLog())).Server()}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	yml := filepath.Join(b.TempDir(), "registry.yml")
	err = os.WriteFile(yml, []byte(fmt.Sprintf(`version: 0.1
storage:
  s3:
    region: us-east-1
    bucket: bench
    regionendpoint: http://%s
    forcepathstyle: true
    secure: false
    accesskey: bench
    secretkey: bench-secret
  redirect:
    disable: true
`, ln.Addr())), 0o600)
	if err != nil {
		b.Fatal(err)
	}
	return yml
}

func mbps(bytes int, d time.Duration) float64 { return float64(bytes) / (1 << 20) / d.Seconds() }
