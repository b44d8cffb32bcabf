package frontend

import (
	"context"
	"strings"
	"time"

	"github.com/berth/berth/builds"
)

// buildRow is one build as the history and the build page show it.
type buildRow struct {
	builds.Record
	Short     string // the commit's first 7 digits
	CommitURL string // the commit on its forge, when the source is one
	Duration  string
	// ShortDigest is the digest's algorithm and first 12 hex digits.
	ShortDigest string
	Final       bool
}

// buildRowOf describes r; source is the repository's Git URL, for commit links.
func buildRowOf(r builds.Record, source string) buildRow {
	row := buildRow{Record: r, Short: shortID(r.Commit), CommitURL: commitURL(source, r.Commit)}
	if alg, hex, ok := strings.Cut(r.Digest, ":"); ok && len(hex) > 12 {
		row.ShortDigest = alg + ":" + hex[:12] + "…"
	} else {
		row.ShortDigest = r.Digest
	}
	row.Final = r.Status == builds.Succeeded || r.Status == builds.Failed || r.Status == builds.Cancelled
	switch {
	case r.StartedAt.IsZero():
	case !r.FinishedAt.IsZero():
		row.Duration = humanDuration(r.FinishedAt.Sub(r.StartedAt))
	default:
		row.Duration = humanDuration(time.Since(r.StartedAt)) + " so far"
	}
	return row
}

// shortID is the first 7 characters of a commit or build ID.
func shortID(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}

// commitURL links a commit on the web page of an https source (GitHub,
// GitLab, Gitea and Bitbucket all answer /commit/ or /commits/); other
// sources have no page to link.
func commitURL(source, commit string) string {
	base, ok := strings.CutPrefix(source, "https://")
	if !ok || commit == "" || strings.ContainsAny(base, "?#@") {
		return ""
	}
	base = "https://" + strings.TrimSuffix(strings.TrimSuffix(base, "/"), ".git")
	if strings.HasPrefix(source, "https://bitbucket.org/") {
		return base + "/commits/" + commit
	}
	return base + "/commit/" + commit
}

// tagBuild is the build that pushed repo:tag, for the tag page; nil when
// builds are off, or no build made the tag (a product's tag, a push).
func (h *handlers) tagBuild(ctx context.Context, repo, tag string) (*buildRow, error) {
	if h.Builds == nil {
		return nil, nil
	}
	r, err := h.Builds.TagBuild(ctx, repo, tag)
	if isNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var source string
	if s, err := h.Builds.Settings(ctx, repo); err == nil {
		source = s.Config.Source.URL
	}
	row := buildRowOf(r, source)
	return &row, nil
}
