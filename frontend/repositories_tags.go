package frontend

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/berth/berth/signing"
)

// repositoryTags lists a repository's tags in display order.
func (h *handlers) repositoryTags(ctx context.Context, repo string) ([]string, error) {
	if h.Registry == nil {
		return nil, errNoRegistry
	}
	tags, err := h.Registry.Tags(ctx, repo)
	if err != nil {
		return nil, err
	}
	// cosign's signature, attestation and SBOM tags are not versions.
	tags = slices.DeleteFunc(tags, signing.IsArtifactTag)
	sortTags(tags)
	return tags, nil
}

// sortTags orders tags for people: "latest" first, then naturally, so
// that 1.9 comes before 1.10. The registry does not say when each tag was
// pushed, so newest-first is not available.
func sortTags(tags []string) {
	slices.SortFunc(tags, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == "latest":
			return -1
		case b == "latest":
			return 1
		}
		if c := naturalCompare(a, b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
}

// naturalCompare compares a and b run by run: runs of digits by their
// number, other runs as text. Equal numbers spelt differently ("01", "1")
// compare equal.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		ra, rb := leadingRun(a), leadingRun(b)
		a, b = a[len(ra):], b[len(rb):]
		if c := compareRuns(ra, rb); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func compareRuns(a, b string) int {
	if isDigit(a[0]) && isDigit(b[0]) {
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if c := cmp.Compare(len(a), len(b)); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b)
}

// leadingRun is the longest prefix of s made only of digits or only of
// other bytes.
func leadingRun(s string) string {
	digits := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == digits {
		i++
	}
	return s[:i]
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
