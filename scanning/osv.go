package scanning

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Advisory is the part of an OSV record (https://ossf.github.io/osv-schema/)
// that matching reads. The record's own bytes are kept beside it in the
// store, so fields not read here are not lost.
type Advisory struct {
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Severity         []OSVSeverity   `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// OSVSeverity is one entry of a record's severity list: a CVSS vector.
type OSVSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected names one package and the versions of it a record covers.
type Affected struct {
	Package          AffectedPackage `json:"package"`
	Severity         []OSVSeverity   `json:"severity,omitempty"`
	Ranges           []Range         `json:"ranges,omitempty"`
	Versions         []string        `json:"versions,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// AffectedPackage is the package an Affected entry is about.
type AffectedPackage struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range is an OSV range: events ordered by version, of a type that says
// which comparison applies (SEMVER, ECOSYSTEM; GIT ranges are not matched
// because an image holds versions, not commits).
type Range struct {
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// Event is one boundary of a Range; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// ParseAdvisory decodes one OSV record and checks the fields matching
// depends on.
func ParseAdvisory(raw []byte) (Advisory, error) {
	var a Advisory
	if err := json.Unmarshal(raw, &a); err != nil {
		return Advisory{}, fmt.Errorf("decoding OSV record: %w", err)
	}
	if a.ID == "" {
		return Advisory{}, fmt.Errorf("OSV record without an id")
	}
	for _, af := range a.Affected {
		if af.Package.Ecosystem == "" || af.Package.Name == "" {
			return Advisory{}, fmt.Errorf("OSV record %s: affected package without ecosystem or name", a.ID)
		}
	}
	return a, nil
}

// Keys are the ecosystem+package index entries of a record: one per
// affected package, the ecosystem without its release, so that a lookup by
// an image's package finds the records of every release and matching
// picks the right one.
func (a Advisory) Keys() []PackageKey {
	seen := map[PackageKey]bool{}
	var keys []PackageKey
	for _, af := range a.Affected {
		base, _ := splitEcosystem(af.Package.Ecosystem)
		k := PackageKey{Ecosystem: base, Name: af.Package.Name}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// PackageKey is what the advisory database is indexed by.
type PackageKey struct {
	Ecosystem string
	Name      string
}

// splitEcosystem splits "Debian:12" into "Debian" and "12".
func splitEcosystem(eco string) (base, release string) {
	base, release, _ = strings.Cut(eco, ":")
	return base, release
}

// String encodes k as one string, "Ecosystem|Name", the form both stores
// index: no OSV ecosystem name holds a "|".
func (k PackageKey) String() string { return k.Ecosystem + "|" + k.Name }

// ParsePackageKey decodes what PackageKey.String encoded.
func ParsePackageKey(s string) (PackageKey, error) {
	eco, name, ok := strings.Cut(s, "|")
	if !ok {
		return PackageKey{}, fmt.Errorf("package key %q without a separator", s)
	}
	return PackageKey{Ecosystem: eco, Name: name}, nil
}
