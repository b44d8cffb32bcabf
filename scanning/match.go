package scanning

import (
	"sort"
	"strings"
)

// Finding is one advisory that applies to one package of an image.
type Finding struct {
	ID       string   `json:"id"`
	Aliases  []string `json:"aliases,omitempty"`
	Summary  string   `json:"summary,omitempty"`
	Severity Severity `json:"severity"`
	// Score is the CVSS base score when the record carries a vector, else 0.
	Score     float64 `json:"score,omitempty"`
	Ecosystem string  `json:"ecosystem"`
	Package   string  `json:"package"`
	PURL      string  `json:"purl,omitempty"`
	Installed string  `json:"installed"`
	// FixedIn is the first version that fixes it, empty when none does yet.
	FixedIn string `json:"fixed_in,omitempty"`
	Layer   string `json:"layer"`
}

// MatchStats counts what matching could not judge, so a report can say
// how complete it is instead of staying silent.
type MatchStats struct {
	// Unsupported counts package×record pairs skipped because no version
	// comparator exists for the ecosystem.
	Unsupported int `json:"unsupported"`
	// BadVersions counts range events or installed versions the ecosystem's
	// parser refused.
	BadVersions int `json:"bad_versions"`
}

// matchPackage returns the finding a for p, if a applies to p.
func matchPackage(p Package, a Advisory, stats *MatchStats) (Finding, bool) {
	if a.Withdrawn != nil || p.Version == "(devel)" {
		// A Go main module built from a work tree has no version to compare.
		return Finding{}, false
	}
	for _, af := range a.Affected {
		base, release := splitEcosystem(af.Package.Ecosystem)
		if k := p.key(); base != k.Ecosystem || af.Package.Name != k.Name {
			continue
		}
		if release != "" && !sameRelease(base, release, p.Distro) {
			continue
		}
		hit, fixed := affects(p, af, stats)
		if !hit {
			continue
		}
		sev, score := severityOf(a, af)
		return Finding{
			ID: a.ID, Aliases: a.Aliases, Summary: a.Summary, Severity: sev, Score: score,
			Ecosystem: p.Ecosystem, Package: p.Name, PURL: p.PURL, Installed: p.Version,
			FixedIn: fixed, Layer: p.Layer,
		}, true
	}
	return Finding{}, false
}

// sameRelease reports whether an OSV ecosystem suffix names the image's OS
// release. Debian's records name the major release ("12"), Alpine's a
// "v3.19" branch; Ubuntu's add ":LTS" or ":Pro" after the release.
func sameRelease(base, release, distro string) bool {
	if distro == "" {
		return false
	}
	if base == Ubuntu {
		release, _, _ = strings.Cut(release, ":")
	}
	return release == distro
}

// affects applies OSV's evaluation to one affected entry: an explicit
// versions list, then each SEMVER or ECOSYSTEM range with its events
// sorted by version. It returns the fix of the range that matched.
func affects(p Package, af Affected, stats *MatchStats) (bool, string) {
	installed := p.matchVersion()
	for _, v := range af.Versions {
		if v == installed {
			return true, ""
		}
	}
	for _, r := range af.Ranges {
		if r.Type != "SEMVER" && r.Type != "ECOSYSTEM" {
			continue
		}
		cmp, ok := comparator(r.Type, p.Ecosystem)
		if !ok {
			stats.Unsupported++
			continue
		}
		if hit, fixed, err := inRange(installed, r.Events, cmp); err != nil {
			stats.BadVersions++
		} else if hit {
			return true, fixed
		}
	}
	return false, ""
}

// inRange walks events in version order: an introduced at or below v
// opens the range, a fixed at or below v or a last_affected below v closes
// it. "0" is the start of all versions.
func inRange(v string, events []Event, cmp compareFunc) (bool, string, error) {
	type bound struct {
		kind, version string
	}
	var bs []bound
	for _, e := range events {
		switch {
		case e.Introduced != "":
			bs = append(bs, bound{"introduced", e.Introduced})
		case e.Fixed != "":
			bs = append(bs, bound{"fixed", e.Fixed})
		case e.LastAffected != "":
			bs = append(bs, bound{"last_affected", e.LastAffected})
		}
	}
	var sortErr error
	order := func(a, b string) int {
		if a == b {
			return 0
		}
		if a == "0" {
			return -1
		}
		if b == "0" {
			return 1
		}
		c, err := cmp(a, b)
		if err != nil && sortErr == nil {
			sortErr = err
		}
		return c
	}
	sort.SliceStable(bs, func(i, j int) bool { return order(bs[i].version, bs[j].version) < 0 })
	if sortErr != nil {
		return false, "", sortErr
	}
	affected, fixed := false, ""
	for _, b := range bs {
		c := 1
		if b.version != "0" {
			var err error
			if c, err = cmp(v, b.version); err != nil {
				return false, "", err
			}
		}
		switch b.kind {
		case "introduced":
			if c >= 0 {
				affected, fixed = true, ""
			}
		case "fixed":
			if c >= 0 {
				affected = false
			} else if affected && fixed == "" {
				fixed = b.version
			}
		case "last_affected":
			if c > 0 {
				affected = false
			}
		}
	}
	return affected, fixed, nil
}
