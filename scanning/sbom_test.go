package scanning_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cyclonedx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/berth/berth/scanning"
)

var sbomInfo = scanning.SBOMInfo{Name: "acme/db:1.4", Namespace: "https://store.example/sbom/acme/db/1.4",
	Created: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC), Tool: "berth-test"}

func fixtureInventory(t *testing.T, name string) scanning.Inventory {
	t.Helper()
	inv, err := scanning.Catalogue(context.Background(), fixtureImages(t)[name], scanning.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// TestSPDX decodes the SPDX document with spdx/tools-golang's reader and
// checks every package, its purl, license and the relationships.
func TestSPDX(t *testing.T) {
	inv := fixtureInventory(t, "alpine")
	var buf bytes.Buffer
	if err := scanning.EncodeSPDX(&buf, inv, sbomInfo); err != nil {
		t.Fatal(err)
	}
	doc, err := spdxjson.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("tools-golang cannot read the document: %v\n%s", err, buf.String())
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.DataLicense != "CC0-1.0" || doc.DocumentNamespace != sbomInfo.Namespace {
		t.Errorf("header = %s %s %s", doc.SPDXVersion, doc.DataLicense, doc.DocumentNamespace)
	}
	got := map[string]string{}
	for _, p := range doc.Packages {
		purl := ""
		for _, r := range p.PackageExternalReferences {
			if r.RefType == "purl" {
				purl = r.Locator
			}
		}
		got[p.PackageName+"@"+p.PackageVersion] = purl + " " + p.PackageLicenseDeclared
	}
	want := map[string]string{"acme/db:1.4@" + inv.Image: " "}
	for _, p := range inv.Packages {
		want[p.Name+"@"+p.Version] = p.PURL + " " + p.Licenses[0]
	}
	if len(got) != len(want) {
		t.Errorf("packages = %v; want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("package %s = %q; want %q", k, got[k], v)
		}
	}
	contains := 0
	for _, r := range doc.Relationships {
		if r.Relationship == "CONTAINS" {
			contains++
		}
	}
	if contains != len(inv.Packages) {
		t.Errorf("%d CONTAINS relationships; want %d", contains, len(inv.Packages))
	}
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"spdxVersion", "dataLicense", "SPDXID", "name", "documentNamespace", "creationInfo", "packages"} {
		if raw[field] == nil {
			t.Errorf("SPDX JSON lacks the required field %q", field)
		}
	}
}

// TestCycloneDX validates the BOM against the CycloneDX 1.6 JSON schema
// shipped in the cyclonedx-go module and decodes it with that module.
func TestCycloneDX(t *testing.T) {
	inv := fixtureInventory(t, "alpine")
	var buf bytes.Buffer
	if err := scanning.EncodeCycloneDX(&buf, inv, sbomInfo); err != nil {
		t.Fatal(err)
	}
	validateCycloneDX(t, buf.Bytes())
	var bom cyclonedx.BOM
	if err := cyclonedx.NewBOMDecoder(bytes.NewReader(buf.Bytes()), cyclonedx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cyclonedx.SpecVersion1_6 || bom.Components == nil || len(*bom.Components) != len(inv.Packages) {
		t.Fatalf("BOM spec %v with %v components; want 1.6 with %d", bom.SpecVersion, bom.Components, len(inv.Packages))
	}
	for i, c := range *bom.Components {
		p := inv.Packages[i]
		if c.Name != p.Name || c.Version != p.Version || c.PackageURL != p.PURL || c.Licenses == nil ||
			(*c.Licenses)[0].License.Name != p.Licenses[0] || c.Properties == nil || (*c.Properties)[0].Value != p.Layer {
			t.Errorf("component %d = %+v; want %+v", i, c, p)
		}
	}
}

func validateCycloneDX(t *testing.T, doc []byte) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go").Output()
	if err != nil {
		t.Fatalf("locating cyclonedx-go: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "schema")
	c := jsonschema.NewCompiler()
	for _, f := range []struct{ file, url string }{
		{"spdx.schema.json", "http://cyclonedx.org/schema/spdx.schema.json"},
		{"jsf-0.82.schemax.json", "http://cyclonedx.org/schema/jsf-0.82.schema.json"},
		{"bom-1.6.schema.json", "http://cyclonedx.org/schema/bom-1.6.schema.json"},
	} {
		b, err := os.ReadFile(filepath.Join(dir, f.file))
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f.file, err)
		}
		if err := c.AddResource(f.url, v); err != nil {
			t.Fatal(err)
		}
	}
	schema, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatalf("compiling the CycloneDX schema: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(v); err != nil {
		t.Errorf("BOM does not validate against CycloneDX 1.6: %v", err)
	}
}
