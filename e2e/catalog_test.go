package e2e

import (
	"context"
	"crypto"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/licensing"
	"github.com/berth/berth/signing"
)

// builtImage is an image with real build history and labels: base layers
// shared with other builds, then its own steps.
func builtImage(t *testing.T, base []v1.Layer, version string, steps ...string) v1.Image {
	t.Helper()
	img := empty.Image
	var adds []mutate.Addendum
	for i, l := range base {
		adds = append(adds, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "/bin/sh -c #(nop) ADD file:base" + string(rune('a'+i)) + " in / "}})
	}
	for _, step := range steps {
		l, err := random.Layer(20_000, "application/vnd.docker.image.rootfs.diff.tar.gzip")
		must(t, err)
		adds = append(adds, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "/bin/sh -c " + step}})
	}
	img, err := mutate.Append(img, adds...)
	must(t, err)
	cf, err := img.ConfigFile()
	must(t, err)
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	cf.Config.Labels = map[string]string{"org.opencontainers.image.version": version, "org.opencontainers.image.vendor": "Vendor"}
	img, err = mutate.ConfigFile(img, cf)
	must(t, err)
	return img
}

type tagResp struct {
	Name, Digest string
	Pulls        int64
	Platforms    []struct {
		Platform string
		Size     int64
		Labels   map[string]string
		Layers   []struct {
			Digest, Command string
			Size            int64
			Share           float64
		}
	}
}

// TestCatalogFollowsPushes pushes images through the registry and sees the
// catalog keep up by itself: tags with their platforms, layers, build steps
// and labels; a diff of two tags; pull counts per tag; badges.
func TestCatalogFollowsPushes(t *testing.T) {
	w := newEntitlementWorld(t)
	base := []v1.Layer{}
	for range 2 {
		l, err := random.Layer(50_000, "application/vnd.docker.image.rootfs.diff.tar.gzip")
		must(t, err)
		base = append(base, l)
	}
	w.push(t, "5.0.0", builtImage(t, base, "5.0.0", "apk add --no-cache curl", "cp app /usr/local/bin/app"))
	w.push(t, "5.1.0", builtImage(t, base, "5.1.0", "apk add --no-cache curl jq", "cp app /usr/local/bin/app", "adduser -D app"))

	// The push notifications reach Berth asynchronously.
	var tag tagResp
	deadline := time.Now().Add(15 * time.Second)
	for w.in.call("GET", "/api/v1/images/vendor/app/tags/5.1.0", "", "", nil, &tag) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("tag 5.1.0 never appeared in the catalog")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(tag.Platforms) != 1 || tag.Platforms[0].Platform != "linux/amd64" || len(tag.Platforms[0].Layers) != 5 {
		t.Fatalf("tag 5.1.0 = %+v; want one linux/amd64 platform with 5 layers", tag)
	}
	p := tag.Platforms[0]
	var sum int64
	var shares float64
	for _, l := range p.Layers {
		sum += l.Size
		shares += l.Share
	}
	if p.Layers[2].Command != "RUN apk add --no-cache curl jq" || p.Layers[0].Command != "ADD file:basea in /" ||
		p.Labels["org.opencontainers.image.version"] != "5.1.0" || sum > p.Size || shares < 0.9 || shares > 1.0001 {
		t.Errorf("layers %+v, labels %v, size %d; want build steps, labels and shares summing to about 1", p.Layers, p.Labels, p.Size)
	}

	var idx tagResp
	deadline = time.Now().Add(15 * time.Second)
	for w.in.call("GET", "/api/v1/images/vendor/app/tags/2.2.0", "", "", nil, &idx) != http.StatusOK || len(idx.Platforms) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the 2.2.0 index never appeared")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(idx.Platforms) != 2 {
		t.Errorf("index 2.2.0 has %d platforms; want 2", len(idx.Platforms))
	}

	var d struct {
		Added, Removed, Shared []struct{ Command string }
		SizeDelta              int64 `json:"size_delta"`
		Platform               string
	}
	if status := w.in.call("GET", "/api/v1/images/vendor/app/diff?from=5.0.0&to=5.1.0", "", "", nil, &d); status != http.StatusOK ||
		len(d.Shared) != 2 || len(d.Added) != 3 || len(d.Removed) != 2 || d.SizeDelta <= 0 || d.Platform != "linux/amd64" {
		t.Errorf("diff 5.0.0 → 5.1.0: %d %+v; want the 2 base layers shared, 3 added, 2 removed, a positive delta", status, d)
	}

	// Two pulls of 5.1.0 with a license, counted once each for the tag.
	buyer := w.user(t, "paula")
	lic := w.grant(t, buyer.ID, "plain", time.Time{})
	for range 2 {
		if err := w.pull(t, "5.1.0", "x", lic.Key); err != nil {
			t.Fatal(err)
		}
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		w.in.call("GET", "/api/v1/images/vendor/app/tags/5.1.0", "", "", nil, &tag)
		if tag.Pulls >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var days struct {
		Days []struct {
			Day   string
			Pulls int64
		}
	}
	w.in.call("GET", "/api/v1/images/vendor/app/tags/5.1.0/pulls", "", "", nil, &days)
	today := time.Now().UTC().Format("2006-01-02")
	if tag.Pulls != 2 || len(days.Days) != 30 || days.Days[len(days.Days)-1].Day != today || days.Days[len(days.Days)-1].Pulls != 2 {
		t.Errorf("pulls of 5.1.0: total %d, days %+v; want 2, today", tag.Pulls, days.Days)
	}

	for kind, want := range map[string]string{"size": "kB", "layers": ">5<", "version": "5.1.0", "license": "paid", "signed": "unsigned"} {
		resp, err := http.Get(w.in.URL + "/badge/vendor/app/5.1.0/" + kind + ".svg")
		must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/svg+xml") ||
			!strings.Contains(resp.Header.Get("Cache-Control"), "max-age") || !strings.Contains(string(body), want) || !strings.Contains(string(body), "<svg") {
			t.Errorf("%s badge: %d %s %q; want an SVG saying %q", kind, resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
		}
	}
	resp, err := http.Get(w.in.URL + "/badge/vendor/app/9.9.9/size.svg")
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "not found") {
		t.Errorf("badge of an unknown tag: %d %q; want a grey not-found badge", resp.StatusCode, body)
	}
	if status := w.in.call("GET", "/api/v1/images/vendor/app/diff?from=5.0.0&to=nope", "", "", nil, nil); status != http.StatusNotFound {
		t.Errorf("diff with an unknown tag: %d, want 404", status)
	}
	if status := w.in.call("GET", "/api/v1/images/nobody/secret/tags", "", "", nil, nil); status != http.StatusNotFound {
		t.Errorf("tags of an unknown repository: %d, want 404", status)
	}
}

// TestExploreAndSearch runs Explore's tabs, sorts and filters and search
// over the demo catalog through the API.
func TestExploreAndSearch(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	type page struct {
		Products []struct {
			Slug, Name, Badge, Kind string
			Stars                   int64
			Platforms               []string
			Free                    bool `json:"has_free_tier"`
		}
		More bool
	}
	explore := func(q url.Values) page {
		var p page
		if status := in.call("GET", "/api/v1/products?"+q.Encode(), "", "", nil, &p); status != http.StatusOK {
			t.Fatalf("explore %v: %d", q, status)
		}
		return p
	}
	// Each tab and filter lists exactly the demo's products it selects:
	// TestExploreFiltersExact.
	names := explore(url.Values{"sort": {"name"}, "limit": {"3"}})
	if len(names.Products) != 3 || !names.More || names.Products[0].Name > names.Products[1].Name {
		t.Errorf("sort=name limit=3: %+v; want three in name order and more", names)
	}
	second := explore(url.Values{"sort": {"name"}, "limit": {"3"}, "page": {"2"}})
	if len(second.Products) != 3 || second.Products[0].Slug == names.Products[0].Slug {
		t.Errorf("page 2 repeats page 1: %+v", second)
	}
	// Platforms come from the demo's tags as the registry reports them.
	deadline := time.Now().Add(30 * time.Second)
	for {
		arm := explore(url.Values{"arch": {"arm64"}})
		if len(arm.Products) > 0 {
			for _, p := range arm.Products {
				if !strings.Contains(strings.Join(p.Platforms, " "), "arm64") {
					t.Errorf("arch=arm64 lists %s with platforms %v", p.Slug, p.Platforms)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no product with an arm64 platform ever appeared (the demo has two multi-platform images)")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status := in.call("GET", "/api/v1/products?sort=cheapest", "", "", nil, nil); status != http.StatusBadRequest {
		t.Errorf("an unknown sort: %d, want 400", status)
	}

	var found struct {
		Results []struct{ Slug string }
	}
	for q, want := range map[string]string{"netscalr cpx": "netscaler-cpx", "log shiper": "log-shipper", "acme stream": "acme-stream", "kafka": "acme-stream"} {
		if status := in.call("GET", "/api/v1/search?q="+url.QueryEscape(q), "", "", nil, &found); status != http.StatusOK || len(found.Results) == 0 || found.Results[0].Slug != want {
			t.Errorf("search %q: %d %+v; want %s first", q, status, found.Results, want)
		}
	}
	if in.call("GET", "/api/v1/search?q=", "", "", nil, &found); len(found.Results) != 0 {
		t.Errorf("an empty search found %+v", found.Results)
	}

	// The demo went through the publishing pipeline: its buyer-facing
	// images carry Berth's signature, which verifies with cosign.pub.
	var tag struct {
		Signed bool
		Digest string
	}
	if status := in.call("GET", "/api/v1/images/acme/db/tags/24.1.0", "", "", nil, &tag); status != http.StatusOK || !tag.Signed {
		t.Fatalf("acme/db:24.1.0 in the catalog: %d %+v; want it signed", status, tag)
	}
	resp, err := http.Get(in.URL + "/.well-known/cosign.pub")
	must(t, err)
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	berthKey, err := signing.ParsePublicKey(pemBytes)
	must(t, err)
	repo, err := name.NewRepository(in.Registry+"/acme/db", name.Insecure)
	must(t, err)
	tok, err := in.srv.Backend.Tokens.Sign("verifier", []licensing.Access{{Type: "repository", Name: "acme/db", Actions: []string{"pull"}}})
	must(t, err)
	sigs, err := signing.Signatures(context.Background(), repo, tag.Digest, remote.WithAuth(&authn.Bearer{Token: tok.Token}))
	must(t, err)
	if _, err := signing.VerifyImage(sigs, tag.Digest, nil, []crypto.PublicKey{berthKey}); err != nil {
		t.Errorf("the demo image's signature does not verify with Berth's cosign.pub: %v", err)
	}
}
