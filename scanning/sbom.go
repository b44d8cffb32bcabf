package scanning

import (
	"crypto/sha1"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	cyclonedx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// SBOMInfo is what an SBOM says about itself beside the inventory.
type SBOMInfo struct {
	// Name names the image, e.g. "acme/db:1.4".
	Name string
	// Namespace is the SPDX document namespace: a URI unique to this
	// document, e.g. the SBOM's own URL on the store.
	Namespace string
	Created   time.Time
	// Tool names the producer, e.g. "berth-dev".
	Tool string
}

// LayerProperty is the CycloneDX property that names the layer a
// component was found in.
const LayerProperty = "berth:layer:digest"

// spdxID matches an SPDX license identifier (possibly with "+" or a
// "-or-later" suffix); anything else becomes a LicenseRef.
var spdxID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+-]*$`)

// notRefChar matches what a LicenseRef may not hold.
var notRefChar = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// EncodeSPDX writes inv as an SPDX 2.3 JSON document with the encoder of
// spdx/tools-golang: one package for the image, which DESCRIBES names and
// which CONTAINS every package found, each with its purl as an external
// reference and its layer in sourceInfo.
func EncodeSPDX(w io.Writer, inv Inventory, info SBOMInfo) error {
	doc := &v2_3.Document{
		SPDXVersion: v2_3.Version, DataLicense: v2_3.DataLicense, SPDXIdentifier: "DOCUMENT",
		DocumentName: info.Name, DocumentNamespace: info.Namespace,
		CreationInfo: &v2_3.CreationInfo{
			Created:  info.Created.UTC().Format(time.RFC3339),
			Creators: []common.Creator{{CreatorType: "Tool", Creator: info.Tool}},
		},
	}
	image := &v2_3.Package{
		PackageName: info.Name, PackageSPDXIdentifier: "Image", PackageVersion: inv.Image,
		PackageDownloadLocation: "NOASSERTION", PrimaryPackagePurpose: "CONTAINER",
	}
	doc.Packages = append(doc.Packages, image)
	doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
		RefA: common.MakeDocElementID("", "DOCUMENT"), RefB: common.MakeDocElementID("", "Image"), Relationship: "DESCRIBES"})
	refs := map[string]bool{}
	for i, p := range inv.Packages {
		id := common.ElementID("Package-" + strconv.Itoa(i))
		license := spdxLicense(p.Licenses, refs, doc)
		sp := &v2_3.Package{
			PackageName: p.Name, PackageSPDXIdentifier: id, PackageVersion: p.Version,
			PackageDownloadLocation: "NOASSERTION", PackageLicenseConcluded: "NOASSERTION", PackageLicenseDeclared: license,
			PackageCopyrightText: "NOASSERTION", PrimaryPackagePurpose: "LIBRARY",
			PackageSourceInfo: fmt.Sprintf("found in layer %s at /%s", p.Layer, p.Path),
		}
		if p.PURL != "" {
			sp.PackageExternalReferences = []*v2_3.PackageExternalReference{
				{Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: p.PURL}}
		}
		doc.Packages = append(doc.Packages, sp)
		doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
			RefA: common.MakeDocElementID("", "Image"), RefB: common.MakeDocElementID("", string(id)), Relationship: "CONTAINS"})
	}
	if err := spdxjson.Write(doc, w); err != nil {
		return fmt.Errorf("encoding SPDX: %w", err)
	}
	return nil
}

// spdxLicense joins a package's licenses into an SPDX expression; a name
// that is not an identifier is declared as a LicenseRef in doc.
func spdxLicense(ls []string, refs map[string]bool, doc *v2_3.Document) string {
	if len(ls) == 0 {
		return "NOASSERTION"
	}
	var parts []string
	for _, l := range ls {
		if spdxID.MatchString(l) {
			parts = append(parts, l)
			continue
		}
		ref := "LicenseRef-" + strings.Trim(notRefChar.ReplaceAllString(l, "-"), "-")
		if !refs[ref] {
			refs[ref] = true
			doc.OtherLicenses = append(doc.OtherLicenses, &v2_3.OtherLicense{LicenseIdentifier: ref, ExtractedText: l, LicenseName: l})
		}
		parts = append(parts, ref)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

// EncodeCycloneDX writes inv as a CycloneDX 1.6 JSON BOM with
// CycloneDX/cyclonedx-go: the image as the metadata component, each
// package a library component with its purl, licenses and layer.
func EncodeCycloneDX(w io.Writer, inv Inventory, info SBOMInfo) error {
	bom := cyclonedx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + uuidFrom(inv.Image+info.Namespace)
	bom.Metadata = &cyclonedx.Metadata{
		Timestamp: info.Created.UTC().Format(time.RFC3339),
		Tools: &cyclonedx.ToolsChoice{Components: &[]cyclonedx.Component{
			{Type: cyclonedx.ComponentTypeApplication, Name: info.Tool}}},
		Component: &cyclonedx.Component{Type: cyclonedx.ComponentTypeContainer, BOMRef: inv.Image,
			Name: info.Name, Version: inv.Image},
	}
	components := make([]cyclonedx.Component, 0, len(inv.Packages))
	for i, p := range inv.Packages {
		c := cyclonedx.Component{
			Type: cyclonedx.ComponentTypeLibrary, BOMRef: "pkg-" + strconv.Itoa(i) + "-" + p.PURL,
			Name: p.Name, Version: p.Version, PackageURL: p.PURL,
			Properties: &[]cyclonedx.Property{{Name: LayerProperty, Value: p.Layer}},
		}
		if len(p.Licenses) > 0 {
			ls := make(cyclonedx.Licenses, len(p.Licenses))
			for j, l := range p.Licenses {
				ls[j] = cyclonedx.LicenseChoice{License: &cyclonedx.License{Name: l}}
			}
			c.Licenses = &ls
		}
		components = append(components, c)
	}
	bom.Components = &components
	if err := cyclonedx.NewBOMEncoder(w, cyclonedx.BOMFileFormatJSON).SetPretty(true).EncodeVersion(bom, cyclonedx.SpecVersion1_6); err != nil {
		return fmt.Errorf("encoding CycloneDX: %w", err)
	}
	return nil
}

// uuidFrom derives a stable version-5-shaped UUID from s, so that one
// image's BOM keeps its serial number when encoded again.
func uuidFrom(s string) string {
	sum := sha1.Sum([]byte(s))
	sum[6] = (sum[6] & 0x0f) | 0x50
	sum[8] = (sum[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}
