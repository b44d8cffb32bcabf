package scanning

import (
	"context"
	"fmt"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	scalibr "github.com/google/osv-scalibr"
	"github.com/google/osv-scalibr/artifact/image/layerscanning/image"
	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/golang/gobinary"
	javaarchive "github.com/google/osv-scalibr/extractor/filesystem/language/java/archive"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagejson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/wheelegg"
	"github.com/google/osv-scalibr/extractor/filesystem/language/ruby/gemspec"
	"github.com/google/osv-scalibr/extractor/filesystem/os/apk"
	apkmeta "github.com/google/osv-scalibr/extractor/filesystem/os/apk/metadata"
	"github.com/google/osv-scalibr/extractor/filesystem/os/dpkg"
	dpkgmeta "github.com/google/osv-scalibr/extractor/filesystem/os/dpkg/metadata"
	"github.com/google/osv-scalibr/extractor/filesystem/os/rpm"
	"github.com/google/osv-scalibr/plugin"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
)

// extractors are the osv-scalibr extractors Catalogue runs: the OS package
// databases and the installed language packages issue #17 names. Each is
// imported on its own, not through scalibr's plugin list, so the build
// carries only these.
var extractors = []func(*cpb.PluginConfig) (filesystem.Extractor, error){
	dpkg.New, apk.New, rpm.New, gobinary.New, packagejson.New, wheelegg.New, gemspec.New, javaarchive.New,
}

// maxFileBytes caps one file osv-scalibr reads out of a layer: package
// databases and binaries, not the whole image, which Limits caps.
const maxFileBytes = 512 << 20

// Catalogue lists the packages installed in img, each with the layer it
// came from. It reads each layer once; when the layers' uncompressed bytes
// pass limits.MaxLayerBytes it stops and returns a *TooLargeError, and it
// stops with ctx's error when ctx ends.
func Catalogue(ctx context.Context, img v1.Image, limits Limits) (Inventory, error) {
	if limits.MaxLayerBytes <= 0 {
		limits = DefaultLimits
	}
	digest, err := img.Digest()
	if err != nil {
		return Inventory{}, fmt.Errorf("reading image digest: %w", err)
	}
	capped, layers, err := capImage(ctx, img, limits.MaxLayerBytes)
	if err != nil {
		return Inventory{}, err
	}
	simg, err := image.FromV1Image(capped, &image.Config{MaxFileBytes: maxFileBytes, MaxSymlinkDepth: image.DefaultMaxSymlinkDepth})
	if err != nil {
		return Inventory{}, capped.failure(ctx, fmt.Errorf("unpacking image layers: %w", err))
	}
	defer func() { _ = simg.CleanUp() }()
	var plugins []plugin.Plugin
	for _, newExtractor := range extractors {
		e, err := newExtractor(&cpb.PluginConfig{MaxFileSizeBytes: maxFileBytes})
		if err != nil {
			return Inventory{}, fmt.Errorf("setting up extractors: %w", err)
		}
		plugins = append(plugins, e)
	}
	res, err := scalibr.New().ScanContainer(ctx, simg, &scalibr.ScanConfig{
		Plugins:      plugins,
		Capabilities: &plugin.Capabilities{OS: plugin.OSLinux, Network: plugin.NetworkOffline},
	})
	if err != nil {
		return Inventory{}, fmt.Errorf("cataloguing image: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Inventory{}, err
	}
	if res.Status != nil && res.Status.Status == plugin.ScanStatusFailed {
		return Inventory{}, fmt.Errorf("cataloguing image: %s", res.Status.FailureReason)
	}
	inv := Inventory{Image: digest.String(), Packages: []Package{}}
	for _, p := range res.Inventory.Packages {
		pkg := convert(p, layers)
		if pkg.Name == "" || pkg.Version == "" {
			continue
		}
		inv.Packages = append(inv.Packages, pkg)
		if inv.OS == "" && pkg.Distro != "" {
			inv.OS = strings.ToLower(pkg.Ecosystem) + " " + pkg.Distro
		}
	}
	sort.Slice(inv.Packages, func(i, j int) bool { return packageLess(inv.Packages[i], inv.Packages[j]) })
	return inv, nil
}

// convert turns one osv-scalibr package into ours, naming its layer by the
// digest the manifest lists rather than the diff ID scalibr reports.
func convert(p *extractor.Package, layers map[string]string) Package {
	eco := p.Ecosystem()
	pkg := Package{
		Ecosystem: string(eco.Ecosystem),
		Distro:    eco.Suffix,
		Name:      p.Name,
		Version:   p.Version,
		Licenses:  cleanLicenses(p.Licenses),
		Path:      p.Location.PathOrEmpty(),
	}
	if u := p.PURL(); u != nil {
		pkg.PURL = u.String()
	}
	if p.LayerMetadata != nil {
		pkg.Layer = layers[p.LayerMetadata.DiffID.String()]
	}
	switch m := p.Metadata.(type) {
	case *dpkgmeta.Metadata:
		pkg.Source, pkg.SourceVersion = m.SourceName, m.SourceVersion
	case *apkmeta.Metadata:
		pkg.Source = m.OriginName
	}
	if pkg.Ecosystem == Go && pkg.Name == "go" {
		// scalibr names a binary's toolchain "go"; OSV's Go records name
		// the standard library "stdlib".
		pkg.Name = "stdlib"
	}
	if pkg.Source == pkg.Name {
		pkg.Source = ""
	}
	return pkg
}

func cleanLicenses(ls []string) []string {
	var out []string
	for _, l := range ls {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func packageLess(a, b Package) bool {
	if a.Ecosystem != b.Ecosystem {
		return a.Ecosystem < b.Ecosystem
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	if a.Version != b.Version {
		return a.Version < b.Version
	}
	return a.Path < b.Path
}
