package scanning_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/package-url/packageurl-go"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/scanning"
	"github.com/berth/berth/scanning/sqlitestore"
)

// expected is testdata/expected.json: per image, its packages and findings.
type expected map[string]struct {
	Packages []expectedPackage `json:"packages"`
	Findings []expectedFinding `json:"findings"`
}

type expectedPackage struct {
	Ecosystem string   `json:"ecosystem"`
	Distro    string   `json:"distro"`
	Name      string   `json:"name"`
	Version   string   `json:"version"`
	Source    string   `json:"source"`
	PURL      string   `json:"purl"`
	Licenses  []string `json:"licenses"`
	Layer     int      `json:"layer"`
	Path      string   `json:"path"`
}

type expectedFinding struct {
	ID        string `json:"id"`
	Package   string `json:"package"`
	Installed string `json:"installed"`
	FixedIn   string `json:"fixed_in"`
	Severity  string `json:"severity"`
	Layer     int    `json:"layer"`
}

func loadExpected(t *testing.T) expected {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := strings.TrimPrefix(runtime.Version(), "go")
	b = []byte(strings.ReplaceAll(string(b), "GOVERSION", goVersion))
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	delete(raw, "_comment")
	b, _ = json.Marshal(raw)
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// newService returns a Service on a fresh SQLite database holding the
// fixture records.
func newService(t testing.TB) *scanning.Service {
	t.Helper()
	svc := scanning.New(storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New))
	if _, err := svc.Import(context.Background(), fixtureDB(t)); err != nil {
		t.Fatalf("Import: %v", err)
	}
	return svc
}

// TestFixtureScan catalogues and matches the fixture images and compares
// both with the hand-written expected set, reporting precision and recall.
func TestFixtureScan(t *testing.T) {
	want := loadExpected(t)
	svc := newService(t)
	var total score
	for name, img := range fixtureImages(t) {
		t.Run(name, func(t *testing.T) {
			layers := layerIndex(t, img)
			inv, err := scanning.Catalogue(context.Background(), img, scanning.Limits{})
			if err != nil {
				t.Fatalf("Catalogue: %v", err)
			}
			if diff := cmp.Diff(want[name].Packages, gotPackages(t, inv, layers)); diff != "" {
				t.Errorf("inventory (-want +got):\n%s", diff)
			}
			rep, err := svc.Match(context.Background(), inv)
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			got := gotFindings(rep, layers)
			s := compare(want[name].Findings, got)
			total.add(s)
			t.Logf("%s: %s", name, s)
			if diff := cmp.Diff(sortFindings(want[name].Findings), sortFindings(got)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
	t.Logf("fixture set: %s", total)
}

// layerIndex maps each layer digest of img to its index.
func layerIndex(t *testing.T, img v1.Image) map[string]int {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for i, l := range ls {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		out[d.String()] = i
	}
	return out
}

// gotPackages puts inv in expected.json's form: layers by index, PURLs
// without qualifiers (which the cataloguer adds as it sees fit).
func gotPackages(t *testing.T, inv scanning.Inventory, layers map[string]int) []expectedPackage {
	t.Helper()
	var out []expectedPackage
	for _, p := range inv.Packages {
		idx, ok := layers[p.Layer]
		if !ok {
			idx = -1
		}
		out = append(out, expectedPackage{Ecosystem: p.Ecosystem, Distro: p.Distro, Name: p.Name, Version: p.Version,
			Source: p.Source, PURL: barePURL(t, p.PURL), Licenses: p.Licenses, Layer: idx, Path: p.Path})
	}
	return out
}

func barePURL(t *testing.T, s string) string {
	u, err := packageurl.FromString(s)
	if err != nil {
		t.Errorf("PURL %q: %v", s, err)
		return s
	}
	out := "pkg:" + u.Type + "/"
	if u.Namespace != "" {
		out += u.Namespace + "/"
	}
	return out + u.Name + "@" + u.Version
}

func gotFindings(rep scanning.Report, layers map[string]int) []expectedFinding {
	var out []expectedFinding
	for _, f := range rep.Findings {
		idx, ok := layers[f.Layer]
		if !ok {
			idx = -1
		}
		out = append(out, expectedFinding{ID: f.ID, Package: f.Package, Installed: f.Installed, FixedIn: f.FixedIn,
			Severity: string(f.Severity), Layer: idx})
	}
	return out
}

func sortFindings(fs []expectedFinding) []expectedFinding {
	out := append([]expectedFinding(nil), fs...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Package < out[j].Package
	})
	return out
}

// score counts matches against the expected set by (advisory, package).
type score struct{ tp, fp, fn int }

func (s *score) add(o score) { s.tp, s.fp, s.fn = s.tp+o.tp, s.fp+o.fp, s.fn+o.fn }

func (s score) String() string {
	precision, recall := 1.0, 1.0
	if s.tp+s.fp > 0 {
		precision = float64(s.tp) / float64(s.tp+s.fp)
	}
	if s.tp+s.fn > 0 {
		recall = float64(s.tp) / float64(s.tp+s.fn)
	}
	return fmt.Sprintf("precision %.3f recall %.3f (true positives %d, false positives %d, missed %d)",
		precision, recall, s.tp, s.fp, s.fn)
}

func compare(want, got []expectedFinding) score {
	key := func(f expectedFinding) string { return f.ID + " " + f.Package }
	wantSet := map[string]bool{}
	for _, f := range want {
		wantSet[key(f)] = true
	}
	var s score
	gotSet := map[string]bool{}
	for _, f := range got {
		gotSet[key(f)] = true
		if wantSet[key(f)] {
			s.tp++
		} else {
			s.fp++
		}
	}
	for k := range wantSet {
		if !gotSet[k] {
			s.fn++
		}
	}
	return s
}
