package scanning_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth/berth/scanning"
)

// BenchmarkCatalogueMatch200MB catalogues and matches a ~200 MB image:
// the Debian fixture's three layers plus two layers of 100 MB of
// incompressible files (4,000 files of 50 KiB), against the fixture
// database.
func BenchmarkCatalogueMatch200MB(b *testing.B) {
	images := fixtureImages(b)
	base, err := images["debian"].Layers()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	layers := append([]v1.Layer{}, base...)
	var size int64
	for l := 0; l < 2; l++ {
		var files []file
		for i := 0; i < 2000; i++ {
			body := make([]byte, 50<<10)
			for j := range body {
				body[j] = byte(rng.Uint32())
			}
			size += int64(len(body))
			files = append(files, file{path: fmt.Sprintf("srv/data%d/f%04d.bin", l, i), body: body})
		}
		layers = append(layers, layer(b, files...))
	}
	img := image(b, layers...)
	svc := newService(b)
	ctx := context.Background()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		inv, err := scanning.Catalogue(ctx, img, scanning.Limits{MaxLayerBytes: 1 << 30})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := svc.Match(ctx, inv)
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Findings) != 15 {
			b.Fatalf("%d findings; want the fixture's 15", len(rep.Findings))
		}
	}
}

// BenchmarkImportGoVulnDB imports the whole Go vulnerability database into
// a fresh SQLite store.
func BenchmarkImportGoVulnDB(b *testing.B) {
	dir := vulndbDir(b)
	for b.Loop() {
		b.StopTimer()
		svc := emptyService(b)
		b.StartTimer()
		if _, err := svc.Import(context.Background(), dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRescan1000 matches 1,000 inventories against a fresh import of
// the whole Go vulnerability database plus the generated records: the
// rescan a new import starts. Each inventory holds the Debian fixture's
// packages and 30 Go modules named in the database, at assorted versions.
func BenchmarkRescan1000(b *testing.B) {
	dir := vulndbDir(b)
	db := copyDir(b, dir)
	writeRecords(b, db, generatedRecords)
	svc := emptyService(b)
	if _, err := svc.Import(context.Background(), db); err != nil {
		b.Fatal(err)
	}
	base, err := scanning.Catalogue(context.Background(), fixtureImages(b)["debian"], scanning.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	modules := goModules(b, dir)
	invs := make([]scanning.Inventory, 1000)
	for i := range invs {
		inv := scanning.Inventory{Image: fmt.Sprintf("sha256:%064d", i), Packages: append([]scanning.Package{}, base.Packages...)}
		for j := 0; j < 30; j++ {
			inv.Packages = append(inv.Packages, scanning.Package{Ecosystem: scanning.Go,
				Name: modules[(i*31+j*7)%len(modules)], Version: fmt.Sprintf("%d.%d.0", j%3, (i+j)%12)})
		}
		invs[i] = inv
	}
	b.ResetTimer()
	findings := 0
	for b.Loop() {
		reps, err := svc.MatchAll(context.Background(), invs)
		if err != nil {
			b.Fatal(err)
		}
		findings = 0
		for _, r := range reps {
			findings += len(r.Findings)
		}
	}
	b.ReportMetric(float64(findings), "findings")
}

// goModules lists the Go module names the database's records name.
func goModules(b *testing.B, dir string) []string {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		b.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		a, err := scanning.ParseAdvisory(raw)
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range a.Keys() {
			if k.Ecosystem == scanning.Go && k.Name != "stdlib" && k.Name != "toolchain" {
				seen[k.Name] = true
			}
		}
	}
	var out []string
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

func copyDir(b *testing.B, dir string) string {
	b.Helper()
	out := b.TempDir()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, filepath.Base(f)), raw, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return out
}
