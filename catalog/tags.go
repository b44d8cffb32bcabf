package catalog

import (
	"context"
	"time"
)

// Layer is one layer of an image, as the tag page shows it.
type Layer struct {
	Digest    string
	MediaType string
	Size      int64  // compressed bytes
	Command   string // the build step that made it (from the image config's history)
}

// Platform is one image of a tag: the only one of a single-platform tag, or
// one entry of a multi-platform index.
type Platform struct {
	OS           string
	Architecture string
	Variant      string
	Digest       string // the image manifest's digest
	Size         int64  // compressed: config and layers
	Created      time.Time
	Labels       map[string]string
	Layers       []Layer
}

// Name is "os/architecture[/variant]".
func (p Platform) Name() string {
	n := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		n += "/" + p.Variant
	}
	return n
}

// Tag is a tag of a repository and what it points at, recorded from the
// registry's push notifications.
type Tag struct {
	Repository string
	Name       string
	Digest     string // the manifest or index the tag points at
	MediaType  string
	Platforms  []Platform
	Signed     bool // carries Berth's signature (set by the publishing pipeline)
	PushedAt   time.Time
	// Plugin is what a Docker Engine plugin's config says; nil for
	// anything else.
	Plugin *Plugin
}

// DayCount is a number of pulls on one UTC day ("2026-11-27").
type DayCount struct {
	Day   string
	Pulls int64
}

// TagStore persists tags and their pull counts. The SQLite and MongoDB
// catalog stores implement it and pass the shared suite.
type TagStore interface {
	// PutTag inserts or replaces the tag (by repository and name).
	PutTag(ctx context.Context, t Tag) error
	// Tag returns one tag, or ErrNotFound.
	Tag(ctx context.Context, repository, name string) (Tag, error)
	// Tags returns a repository's tags, most recently pushed first.
	Tags(ctx context.Context, repository string) ([]Tag, error)
	// TagByDigest returns the tag of repository whose manifest, or one of
	// whose platforms' manifests, has digest; ErrNotFound if none.
	TagByDigest(ctx context.Context, repository, digest string) (Tag, error)
	// DeleteTag removes a tag; ErrNotFound if absent.
	DeleteTag(ctx context.Context, repository, name string) error
	// TagPulls returns a tag's pull counts per day in [from, to), oldest
	// first, days without pulls left out.
	TagPulls(ctx context.Context, repository, tag string, from, to time.Time) ([]DayCount, error)
	// TagPullTotals returns each of a repository's tags' total pulls.
	TagPullTotals(ctx context.Context, repository string) (map[string]int64, error)
}
