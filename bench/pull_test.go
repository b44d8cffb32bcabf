package bench

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/licensing"
	"github.com/berth/berth/registry/plain"
)

// BenchmarkPullOverhead60MB pulls one 5-layer, 60 MB image (12 MB of
// incompressible content per layer) the way a client does, cold each time
// (a fresh transport: new connections, no cached token), from Berth with a
// license key (ping, 401, /token with the key, then the manifest, config and
// layers through Berth's registry gate) and anonymously from a plain
// distribution v3.1.2 holding the same image, in the same process.
// Each iteration is one Berth pull and one plain pull, the order
// alternating, so the two see the same machine; run it with -benchtime 10x
// for the median of 10 interleaved runs. It reports each side's median and
// their ratio (Berth / plain).
func BenchmarkPullOverhead60MB(b *testing.B) {
	srv, stop := running(b)
	defer stop()
	_, key := licensed(b, srv)
	plainHost, stopPlain, err := plain.Serve(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer stopPlain()

	img, err := random.Image(12<<20, 5)
	if err != nil {
		b.Fatal(err)
	}
	berthHost := srv.RegistryURL[len("http://"):]
	tok, err := srv.Backend.Tokens.Sign(licensing.InternalSubject+"bench", []licensing.Access{
		{Type: "repository", Name: "bench/app", Actions: []string{"pull", "push"}}})
	if err != nil {
		b.Fatal(err)
	}
	push := func(host string, auth authn.Authenticator) name.Tag {
		ref, err := name.NewTag(host+"/bench/app:1.0", name.Insecure)
		if err != nil {
			b.Fatal(err)
		}
		if err := remote.Write(ref, img, remote.WithAuth(auth)); err != nil {
			b.Fatal(err)
		}
		return ref
	}
	berthRef := push(berthHost, authn.FromConfig(authn.AuthConfig{RegistryToken: tok.Token}))
	plainRef := push(plainHost, authn.Anonymous)
	want, err := img.Digest()
	if err != nil {
		b.Fatal(err)
	}
	license := authn.FromConfig(authn.AuthConfig{Username: "buyer", Password: key})
	// The tag is buyable once the registry's notification is applied.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := pull(berthRef, license, want); err == nil {
			break
		} else if time.Now().After(deadline) {
			b.Fatalf("license pull never worked: %v", err)
		}
	}

	var berth, plainTimes []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sides := []func(){
			func() { berth = append(berth, mustPull(b, berthRef, license, want)) },
			func() { plainTimes = append(plainTimes, mustPull(b, plainRef, authn.Anonymous, want)) },
		}
		if i%2 == 1 {
			slices.Reverse(sides)
		}
		for _, side := range sides {
			side()
		}
	}
	b.StopTimer()
	mb, mp := median(berth), median(plainTimes)
	b.ReportMetric(float64(mb.Microseconds())/1000, "berth-ms")
	b.ReportMetric(float64(mp.Microseconds())/1000, "plain-ms")
	b.ReportMetric(float64(mb)/float64(mp), "ratio")
}

func mustPull(b *testing.B, ref name.Tag, auth authn.Authenticator, want v1.Hash) time.Duration {
	d, err := pull(ref, auth, want)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// pull reads ref's manifest, config and every layer's compressed bytes over
// a fresh transport, checking the digests, and returns how long it took.
func pull(ref name.Tag, auth authn.Authenticator, want v1.Hash) (time.Duration, error) {
	start := time.Now()
	img, err := remote.Image(ref, remote.WithAuth(auth), remote.WithTransport(freshTransport()))
	if err != nil {
		return 0, err
	}
	got, err := img.Digest()
	if err != nil {
		return 0, err
	}
	if got != want {
		return 0, fmt.Errorf("pulled %s, want %s", got, want)
	}
	if _, err := img.RawConfigFile(); err != nil {
		return 0, err
	}
	layers, err := img.Layers()
	if err != nil {
		return 0, err
	}
	for _, l := range layers {
		rc, err := l.Compressed() // verifies the digest as it reads
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, rc)
		if cerr := rc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// freshTransport is a transport with no open connections, as a new client
// process has.
func freshTransport() http.RoundTripper {
	return remote.DefaultTransport.(*http.Transport).Clone()
}
