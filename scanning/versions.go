package scanning

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
	pep440 "github.com/aquasecurity/go-pep440-version"
	apkversion "github.com/knqyf263/go-apk-version"
	debversion "github.com/knqyf263/go-deb-version"
	rpmversion "github.com/knqyf263/go-rpm-version"
	modsemver "golang.org/x/mod/semver"
)

// compareFunc orders two versions of one ecosystem: negative, zero or
// positive as a is older than, equal to or newer than b.
type compareFunc func(a, b string) (int, error)

// comparator returns the ordering OSV prescribes for a range of type
// rangeType in ecosystem eco. Every ordering is a library's: version
// strings are never compared by hand. ok is false for an ecosystem with no
// comparator here (RubyGems, Maven), which matching then skips, counting it.
func comparator(rangeType, eco string) (cmp compareFunc, ok bool) {
	if rangeType == "SEMVER" {
		return compareSemver, true
	}
	switch eco {
	case Debian, Ubuntu:
		return compareDeb, true
	case Alpine, Wolfi, "Chainguard":
		return compareApk, true
	case RedHat, Rocky, "AlmaLinux", "openSUSE", "SUSE", "Mageia", "openEuler":
		return compareRPM, true
	case Go:
		return compareSemver, true
	case Npm:
		return compareNpm, true
	case PyPI:
		return comparePEP440, true
	}
	return nil, false
}

func compareDeb(a, b string) (int, error) {
	va, err := debversion.NewVersion(a)
	if err != nil {
		return 0, fmt.Errorf("dpkg version %q: %w", a, err)
	}
	vb, err := debversion.NewVersion(b)
	if err != nil {
		return 0, fmt.Errorf("dpkg version %q: %w", b, err)
	}
	return va.Compare(vb), nil
}

func compareApk(a, b string) (int, error) {
	va, err := apkversion.NewVersion(a)
	if err != nil {
		return 0, fmt.Errorf("apk version %q: %w", a, err)
	}
	vb, err := apkversion.NewVersion(b)
	if err != nil {
		return 0, fmt.Errorf("apk version %q: %w", b, err)
	}
	return va.Compare(vb), nil
}

// compareRPM cannot fail: rpm orders any two strings.
func compareRPM(a, b string) (int, error) {
	return rpmversion.NewVersion(a).Compare(rpmversion.NewVersion(b)), nil
}

// compareSemver orders SemVer 2.0 versions with or without the "v" that
// Go module versions carry and OSV's Go records leave off.
func compareSemver(a, b string) (int, error) {
	va, vb := "v"+strings.TrimPrefix(a, "v"), "v"+strings.TrimPrefix(b, "v")
	if !modsemver.IsValid(va) {
		return 0, fmt.Errorf("semver %q is not valid", a)
	}
	if !modsemver.IsValid(vb) {
		return 0, fmt.Errorf("semver %q is not valid", b)
	}
	return modsemver.Compare(va, vb), nil
}

// compareNpm orders npm versions, which are SemVer but may be written
// loosely ("1.2"), as node-semver accepts them.
func compareNpm(a, b string) (int, error) {
	va, err := semver.NewVersion(a)
	if err != nil {
		return 0, fmt.Errorf("npm version %q: %w", a, err)
	}
	vb, err := semver.NewVersion(b)
	if err != nil {
		return 0, fmt.Errorf("npm version %q: %w", b, err)
	}
	return va.Compare(vb), nil
}

func comparePEP440(a, b string) (int, error) {
	va, err := pep440.Parse(a)
	if err != nil {
		return 0, fmt.Errorf("PEP 440 version %q: %w", a, err)
	}
	vb, err := pep440.Parse(b)
	if err != nil {
		return 0, fmt.Errorf("PEP 440 version %q: %w", b, err)
	}
	return va.Compare(vb), nil
}
