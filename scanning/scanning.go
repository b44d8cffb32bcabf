// Package scanning catalogues the packages inside an image, encodes that
// inventory as SPDX and CycloneDX SBOMs, keeps an offline database of OSV
// advisories that an operator imports, and matches inventories against it.
// It is the foundation of issue #17: routes, pages, attestations, the
// Harbor scanner API and the promotion hold build on it.
//
// Nothing here reaches the network: the advisories come from a file or
// directory the operator brings, so the same code runs on an air-gapped
// site.
package scanning

import (
	"errors"
	"fmt"
)

// Ecosystems as OSV names them. An OS package's ecosystem carries its
// release after a colon in OSV ("Debian:12", "Alpine:v3.19"); Package keeps
// the two apart (Ecosystem and Distro).
const (
	Debian   = "Debian"
	Ubuntu   = "Ubuntu"
	Alpine   = "Alpine"
	RedHat   = "Red Hat"
	Go       = "Go"
	Npm      = "npm"
	PyPI     = "PyPI"
	RubyGems = "RubyGems"
	Maven    = "Maven"
	Wolfi    = "Wolfi"
	Rocky    = "Rocky Linux"
)

// Package is one piece of software found in an image.
type Package struct {
	// Ecosystem is the OSV ecosystem without its release ("Debian", "Go").
	Ecosystem string `json:"ecosystem"`
	// Distro is the OS release an OS package belongs to, as OSV writes it
	// after the colon ("12" for Debian 12, "v3.19" for Alpine 3.19); empty
	// for language packages.
	Distro  string `json:"distro,omitempty"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// Source and SourceVersion name the source package an OS package was
	// built from (dpkg's Source, apk's origin) when it differs: OS
	// advisories are written against source packages.
	Source        string   `json:"source,omitempty"`
	SourceVersion string   `json:"source_version,omitempty"`
	PURL          string   `json:"purl"`
	Licenses      []string `json:"licenses,omitempty"`
	// Layer is the digest of the (compressed) layer the package was found
	// in, as the manifest lists it, so a finding can name the layer a
	// publisher must change.
	Layer string `json:"layer"`
	// Path is where in the image the package was recorded (the dpkg status
	// file, the binary, the package.json).
	Path string `json:"path,omitempty"`
}

// Inventory is what Catalogue found in one image: the input to matching
// and to the SBOM encoders, small enough to store and rescan later.
type Inventory struct {
	// Image is the manifest digest of the image catalogued.
	Image string `json:"image"`
	// OS is the image's OS as its /etc/os-release names it ("debian 12").
	OS       string    `json:"os,omitempty"`
	Packages []Package `json:"packages"`
}

// Limits bound the work one Catalogue call may do, so that one huge or
// hostile image fails cleanly instead of filling a disk or hanging a worker.
type Limits struct {
	// MaxLayerBytes caps the sum of the layers' uncompressed sizes.
	MaxLayerBytes int64
}

// DefaultLimits is what a scan uses when the operator sets nothing: 2 GiB
// of uncompressed layers.
var DefaultLimits = Limits{MaxLayerBytes: 2 << 30}

// ErrTooLarge is wrapped by every *TooLargeError, for callers that only
// need to know that the image was over a cap.
var ErrTooLarge = errors.New("image over the scan size limit")

// TooLargeError says an image's layers exceed Limits.MaxLayerBytes. It is
// returned as soon as the count passes the cap, before the whole image is
// read.
type TooLargeError struct {
	Limit int64
	// Read is how many uncompressed bytes had been counted when the cap was
	// passed (at least Limit+1).
	Read int64
	// Layer is the digest of the layer being read when the cap was passed.
	Layer string
}

// Error names the cap and the layer being read when it was passed.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("image layers exceed the scan limit of %d bytes (over it in layer %s)", e.Limit, e.Layer)
}

// Unwrap lets errors.Is(err, ErrTooLarge) find it.
func (e *TooLargeError) Unwrap() error { return ErrTooLarge }

// key is the advisory index entry p is looked up by: its source package
// when it has one.
func (p Package) key() PackageKey {
	if p.Source != "" {
		return PackageKey{Ecosystem: p.Ecosystem, Name: p.Source}
	}
	return PackageKey{Ecosystem: p.Ecosystem, Name: p.Name}
}

// matchVersion is the version advisories about p.key() are written against.
func (p Package) matchVersion() string {
	if p.SourceVersion != "" {
		return p.SourceVersion
	}
	return p.Version
}
