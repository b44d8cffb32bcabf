package demo_test

import (
	"archive/tar"
	"context"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/demo"
	"github.com/berth/berth/plugin"
)

// deps returns Seed's dependencies for an insecure registry and fresh stores.
func deps(t *testing.T, registry string) demo.Deps {
	cat, pubs := newStores(t)
	return demo.Deps{
		Catalog: cat, Publishers: pubs, Registry: registry, Insecure: true,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

func TestSeedPushesEveryTagOnceAndIsIdempotent(t *testing.T) {
	reg := newRegistry(t)
	d := deps(t, reg)

	start := time.Now()
	first, err := demo.Seed(t.Context(), d)
	if err != nil {
		t.Fatalf("first Seed: %v", err)
	}
	elapsed := time.Since(start)
	want := demo.Report{Publishers: len(demo.Publishers()), Products: len(demo.Products())}
	want.RecordsWritten = want.Publishers + want.Products
	want.TagsPushed = first.TagsPushed
	if first != want || first.TagsPushed == 0 {
		t.Errorf("first Seed reported %+v, want %+v with tags pushed", first, want)
	}

	checkStored(t, d)
	digests := tagDigests(t, reg)
	if len(digests) != first.TagsPushed {
		t.Errorf("registry holds %d demo tags, Seed reported %d pushed", len(digests), first.TagsPushed)
	}
	blobs := map[v1.Hash]int64{}
	indexes := 0
	for ref := range digests {
		indexes += inspect(t, reg, ref, blobs)
	}
	if indexes == 0 {
		t.Error("no demo repository is a multi-platform index")
	}
	var total int64
	for _, n := range blobs {
		total += n
	}
	t.Logf("first seed: %v, %d tags, %d distinct blobs, %.2f MiB", elapsed, first.TagsPushed, len(blobs), float64(total)/(1<<20))
	if total > 15<<20 {
		t.Errorf("demo pushes %d bytes, want under 15 MiB", total)
	}

	start = time.Now()
	second, err := demo.Seed(t.Context(), d)
	if err != nil {
		t.Fatalf("second Seed: %v", err)
	}
	t.Logf("second seed: %v", time.Since(start))
	want.RecordsWritten, want.TagsPushed, want.TagsSkipped = 0, 0, first.TagsPushed
	if second != want {
		t.Errorf("second Seed reported %+v, want %+v", second, want)
	}
	checkStored(t, d)
	if again := tagDigests(t, reg); !maps.Equal(again, digests) {
		t.Errorf("digests changed on the second Seed:\nbefore %v\nafter  %v", digests, again)
	}
}

// tagDigests lists every tag of every demo repository with its digest, and
// checks each repository has two or three tags, "latest" among them, and that
// "latest" is one of the versions.
func tagDigests(t *testing.T, reg string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, repo := range demo.Repositories() {
		r, err := name.NewRepository(reg+"/"+repo, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		tags, err := remote.List(r, remote.WithContext(t.Context()))
		if err != nil {
			t.Fatalf("listing %s: %v", repo, err)
		}
		if len(tags) < 2 || len(tags) > 3 || !slices.Contains(tags, "latest") {
			t.Errorf("%s has tags %v, want 2 or 3 including latest", repo, tags)
		}
		for _, tag := range tags {
			desc, err := remote.Head(r.Tag(tag), remote.WithContext(t.Context()))
			if err != nil {
				t.Fatalf("HEAD %s:%s: %v", repo, tag, err)
			}
			out[repo+":"+tag] = desc.Digest.String()
		}
		latest := out[repo+":latest"]
		if n := countValue(out, latest); n < 2 {
			t.Errorf("%s:latest (%s) is not also a version tag", repo, latest)
		}
	}
	return out
}

func countValue(m map[string]string, v string) int {
	n := 0
	for _, x := range m {
		if x == v {
			n++
		}
	}
	return n
}

// inspect pulls ref back, checks it, adds its blobs' sizes to blobs and
// reports 1 when ref is a multi-platform index.
func inspect(t *testing.T, reg, ref string, blobs map[v1.Hash]int64) int {
	t.Helper()
	r, err := name.ParseReference(reg+"/"+ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Get(r, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("GET %s: %v", ref, err)
	}
	blobs[desc.Digest] = desc.Size
	if !desc.MediaType.IsIndex() {
		img, err := desc.Image()
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if plugin.IsManifest(desc.Manifest) {
			checkPlugin(t, ref, img, blobs)
			return 0
		}
		if pluginRepos[strings.Split(ref, ":")[0]] {
			t.Errorf("%s is listed as a plugin, but its manifest's config is %s", ref, desc.Manifest)
		}
		checkImage(t, ref, img, v1.Platform{OS: "linux", Architecture: "amd64"}, blobs)
		return 0
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	var archs []string
	for _, d := range m.Manifests {
		if d.Platform == nil {
			t.Fatalf("%s: manifest %s has no platform", ref, d.Digest)
		}
		archs = append(archs, d.Platform.Architecture)
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		blobs[d.Digest] = d.Size
		checkImage(t, ref+"@"+d.Platform.String(), img, *d.Platform, blobs)
	}
	slices.Sort(archs)
	want := []string{"amd64", "arm64"}
	if strings.HasPrefix(ref, "berthlabs/edge:") {
		want = []string{"amd64", "arm", "arm64"} // a proxy for 32-bit boards too
	}
	if !slices.Equal(archs, want) {
		t.Errorf("%s: index platforms %v, want %v", ref, archs, want)
	}
	return 1
}

// pluginRepos are the repositories of the demo's plugin listings.
var pluginRepos = func() map[string]bool {
	out := map[string]bool{}
	for _, p := range demo.Products() {
		for _, r := range p.Repositories {
			out[r] = p.Kind == catalog.KindPlugin
		}
	}
	return out
}()

// checkPlugin checks a demo plugin is one the Engine installs: it is in a
// plugin listing, its layers match its config's diff_ids (recomputed from
// the bytes), its config declares an interface socket and a volume or log
// driver type, and its entrypoint is in its rootfs.
func checkPlugin(t *testing.T, ref string, img v1.Image, blobs map[v1.Hash]int64) {
	t.Helper()
	if !pluginRepos[strings.Split(ref, ":")[0]] {
		t.Errorf("%s is a plugin in a listing that is not of kind plugin", ref)
	}
	cfg, err := plugin.Verify(img)
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	types := plugin.Implements(cfg)
	if len(types) != 1 || (types[0] != "VolumeDriver" && types[0] != "LogDriver") || !strings.HasSuffix(cfg.Interface.Socket, ".sock") {
		t.Errorf("%s: interface %+v, want a volume or log driver on a socket", ref, cfg.Interface)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range layers {
		d, _ := l.Digest()
		n, _ := l.Size()
		blobs[d] = n
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for h, err := tr.Next(); err == nil; h, err = tr.Next() {
			if "/"+h.Name == cfg.Entrypoint[0] && h.Mode&0o111 != 0 {
				head := make([]byte, 4)
				io.ReadFull(tr, head)
				found = string(head) == "\x7fELF"
			}
		}
		rc.Close()
	}
	if !found {
		t.Errorf("%s: no executable ELF at its entrypoint %s", ref, cfg.Entrypoint[0])
	}
	cd, _ := img.ConfigName()
	raw, _ := img.RawConfigFile()
	blobs[cd] = int64(len(raw))
}

// checkImage checks an image looks built by a Dockerfile: 3 to 5 layers of
// plausible size, each with a history entry naming the command that made it,
// empty-layer entries besides, a fixed creation time and OCI labels.
func checkImage(t *testing.T, ref string, img v1.Image, p v1.Platform, blobs map[v1.Hash]int64) {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	if len(layers) < 3 || len(layers) > 5 {
		t.Errorf("%s has %d layers, want 3 to 5", ref, len(layers))
	}
	for _, l := range layers {
		d, _ := l.Digest()
		n, _ := l.Size()
		blobs[d] = n
		if n < 100 || n > 256<<10 {
			t.Errorf("%s: layer %s is %d bytes, want a few KiB to ~200 KiB", ref, d, n)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	cd, _ := img.ConfigName()
	raw, _ := img.RawConfigFile()
	blobs[cd] = int64(len(raw))
	if cf.OS != p.OS || cf.Architecture != p.Architecture {
		t.Errorf("%s: config platform %s/%s, want %s", ref, cf.OS, cf.Architecture, p)
	}
	if cf.Created.Year() != 2024 || cf.Config.Labels["org.opencontainers.image.version"] == "" || len(cf.Config.Env) == 0 {
		t.Errorf("%s: config created %v, labels %v, env %v: want a fixed 2024 time, OCI labels and env", ref, cf.Created, cf.Config.Labels, cf.Config.Env)
	}
	var nonEmpty, emptyLayers int
	for _, h := range cf.History {
		if h.EmptyLayer {
			emptyLayers++
			continue
		}
		nonEmpty++
		if h.CreatedBy == "" {
			t.Errorf("%s: a layer's history entry has no created_by", ref)
		}
	}
	if nonEmpty != len(layers) || emptyLayers == 0 {
		t.Errorf("%s: history has %d layer and %d empty entries for %d layers", ref, nonEmpty, emptyLayers, len(layers))
	}
}

func TestSeedWritesRecordsBeforeTheRegistryIsUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close() // nothing listens here now: the registry is "not up yet"

	d := deps(t, down)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	rep, err := demo.Seed(ctx, d)
	if err == nil {
		t.Fatal("Seed succeeded with no registry listening")
	}
	t.Logf("with the registry down: %v", err)
	if rep.RecordsWritten != len(demo.Publishers())+len(demo.Products()) || rep.TagsPushed != 0 {
		t.Errorf("Seed with the registry down reported %+v, want every record written and no tag pushed", rep)
	}

	d.Registry = newRegistry(t)
	rep, err = demo.Seed(t.Context(), d)
	if err != nil {
		t.Fatalf("Seed once the registry is up: %v", err)
	}
	if rep.RecordsWritten != 0 || rep.TagsPushed == 0 || rep.TagsSkipped != 0 {
		t.Errorf("Seed once the registry is up reported %+v, want only tags pushed", rep)
	}
}
