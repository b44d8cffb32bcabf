package scanning_test

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/scanning"
	"github.com/berth/berth/scanning/sqlitestore"
)

func emptyService(t testing.TB) *scanning.Service {
	return scanning.New(storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New))
}

func mustImport(t *testing.T, svc *scanning.Service, path string) scanning.ImportResult {
	t.Helper()
	res, err := svc.Import(context.Background(), path)
	if err != nil {
		t.Fatalf("Import(%s): %v", path, err)
	}
	return res
}

// TestImportDiff shows a re-import is idempotent and a changed snapshot is
// reported record by record, with the packages to rescan.
func TestImportDiff(t *testing.T) {
	svc := emptyService(t)
	dir := fixtureDB(t)
	first := mustImport(t, svc, dir)
	if n, want := len(first.Added), realRecords(t)+len(generatedRecords); n != want {
		t.Fatalf("first import added %d records; want %d", n, want)
	}
	old := scanning.Inventory{Packages: []scanning.Package{{Ecosystem: scanning.Go, Name: "github.com/gin-gonic/gin", Version: "1.5.0"}}}
	if got := findingIDs(t, svc, old); !cmp.Equal(got, []string{"GO-2020-0001", "GO-2021-0052", "GO-2023-1737"}) {
		t.Fatalf("gin 1.5.0 matches %v", got)
	}
	again := mustImport(t, svc, dir)
	if len(again.Added)+len(again.Changed)+len(again.Removed) != 0 || again.Unchanged != len(first.Added) || len(again.Keys) != 0 {
		t.Fatalf("re-import = %+v; want nothing changed", again)
	}

	// A new snapshot: one record changed (its fix moved), one removed, one added.
	changed := generatedRecords[0]
	changed.Events = []map[string]string{{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u3"}}
	writeRecords(t, dir, []genRecord{changed, {ID: "PYPI-TEST-0003", Ecosystem: "PyPI", Name: "urllib3",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "1.26.5"}}}})
	if err := os.Remove(filepath.Join(dir, "GO-2020-0001.json")); err != nil {
		t.Fatal(err)
	}
	next := mustImport(t, svc, dir)
	want := scanning.ImportResult{Added: []string{"PYPI-TEST-0003"}, Changed: []string{"DEBIAN-TEST-0001"},
		Removed: []string{"GO-2020-0001"}, Unchanged: len(first.Added) - 2,
		Keys: []scanning.PackageKey{{Ecosystem: "Debian", Name: "openssl"}, {Ecosystem: "Go", Name: "github.com/gin-gonic/gin"},
			{Ecosystem: "PyPI", Name: "urllib3"}}}
	if diff := cmp.Diff(want, next); diff != "" {
		t.Errorf("import of a changed snapshot (-want +got):\n%s", diff)
	}
	if got := findingIDs(t, svc, old); !cmp.Equal(got, []string{"GO-2021-0052", "GO-2023-1737"}) {
		t.Errorf("after GO-2020-0001 was removed, gin 1.5.0 matches %v", got)
	}
}

// realRecords counts the real Go records in testdata.
func realRecords(t *testing.T) int {
	t.Helper()
	files, err := filepath.Glob("testdata/vulndb-go/*.json")
	if err != nil {
		t.Fatal(err)
	}
	return len(files)
}

func findingIDs(t *testing.T, svc *scanning.Service, inv scanning.Inventory) []string {
	t.Helper()
	rep, err := svc.Match(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range rep.Findings {
		ids = append(ids, f.ID)
	}
	sort.Strings(ids)
	return ids
}

// TestImportArchives imports one snapshot as a directory, a zip and a
// tar.gz: the forms are equivalent, so the later imports change nothing.
func TestImportArchives(t *testing.T) {
	svc := emptyService(t)
	dir := fixtureDB(t)
	first := mustImport(t, svc, dir)
	for _, archive := range []string{zipDir(t, dir), tgzDir(t, dir)} {
		res := mustImport(t, svc, archive)
		if len(res.Added)+len(res.Changed)+len(res.Removed) != 0 || res.Unchanged != len(first.Added) {
			t.Errorf("Import(%s) = %+v; want all %d unchanged", filepath.Base(archive), res, len(first.Added))
		}
	}
}

// TestImportRefusesBadRecord: one file that is not an OSV record fails the
// import and leaves the database as it was.
func TestImportRefusesBadRecord(t *testing.T) {
	svc := emptyService(t)
	dir := fixtureDB(t)
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"id": "X-1", "affected": [{"package": {}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Import(context.Background(), dir)
	if !errors.Is(err, scanning.ErrBadSource) {
		t.Fatalf("Import with a bad record = %v; want ErrBadSource", err)
	}
	if err := os.Remove(filepath.Join(dir, "broken.json")); err != nil {
		t.Fatal(err)
	}
	if res := mustImport(t, svc, dir); len(res.Added) != realRecords(t)+len(generatedRecords) {
		t.Errorf("after a refused import, Added = %d records; want all of them (nothing was kept)", len(res.Added))
	}
}

// vulndbVersion is the golang.org/x/vulndb version the tests read whole.
const vulndbVersion = "v0.0.0-20261105234957-e22db6528018"

// vulndbDir returns data/osv of golang.org/x/vulndb, fetched through the go
// command's module download (the module cache, else the module proxy).
func vulndbDir(t testing.TB) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", "golang.org/x/vulndb@"+vulndbVersion)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("golang.org/x/vulndb@%s is not available here: %v", vulndbVersion, err)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		t.Fatalf("go mod download: %s", out)
	}
	return filepath.Join(m.Dir, "data", "osv")
}

// TestImportGoVulnDB imports every record of the real Go vulnerability
// database, twice.
func TestImportGoVulnDB(t *testing.T) {
	dir := vulndbDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	svc := emptyService(t)
	first := mustImport(t, svc, dir)
	if len(first.Added) != len(files) {
		t.Errorf("imported %d records from %d files", len(first.Added), len(files))
	}
	again := mustImport(t, svc, dir)
	if len(again.Added)+len(again.Changed)+len(again.Removed) != 0 {
		t.Errorf("re-import of the Go database changed %+v", again)
	}
	t.Logf("golang.org/x/vulndb@%s: %d records", vulndbVersion, len(first.Added))
}

func zipDir(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "osv.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	eachFile(t, dir, func(name string, b []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	})
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func tgzDir(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "osv.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	eachFile(t, dir, func(name string, b []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: "osv/" + name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	})
	for _, c := range []interface{ Close() error }{tw, gz, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func eachFile(t *testing.T, dir string, fn func(string, []byte)) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fn(e.Name(), b)
	}
}
