// Package demo seeds a store with a demo catalog: publishers, official and
// certified images and plugins priced in free and paid tiers, and real,
// multi-layer images for every repository they list, pushed to the registry.
//
// Seeding is idempotent. Records are written only when they differ from the
// demo data, and images are built deterministically (fixed times, content
// seeded by repository, version and layer), so a tag whose digest the
// registry already has is not pushed again.
package demo

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publisher"
)

// Deps is what Seed needs.
type Deps struct {
	Catalog    catalog.Store
	Publishers publisher.Store
	// Registry is the registry's host:port as clients address it, e.g. "localhost:5000".
	Registry string
	// Auth authenticates to the registry; it needs pull and push on every
	// repository Repositories lists (pull because tags are checked first).
	// Nil means anonymous.
	Auth authn.Authenticator
	// Insecure talks plain HTTP to the registry.
	Insecure bool
	// Logger receives a debug line per tag pushed or skipped; nil discards.
	// The summary is the returned Report.
	Logger *slog.Logger
	// Published, when set, is called for every demo tag once the registry
	// holds it (pushed now, or found there at the same digest), before Seed
	// returns: Berth counter-signs and records each demo image with it, so
	// that when Seed returns every demo image is pullable, signed and in
	// the catalog, without waiting for the registry's notifications.
	Published func(ctx context.Context, repo, tag, digest string) error
}

// Report says what Seed found and did.
type Report struct {
	// Publishers and Products count the demo records now in the stores.
	Publishers int
	Products   int
	// RecordsWritten counts the publishers and products inserted or updated;
	// records already equal to the demo data are left alone.
	RecordsWritten int
	// TagsPushed counts tags written to the registry; TagsSkipped those that
	// already pointed at the same digest.
	TagsPushed  int
	TagsSkipped int
}

// Seed writes the demo publishers and products and pushes their images.
// Running it again changes nothing and pushes nothing already there. Records
// go first, so a registry that is not up yet fails only the image half, and
// a later Seed finishes the job.
func Seed(ctx context.Context, d Deps) (Report, error) {
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var rep Report
	if err := seedRecords(ctx, d, &rep); err != nil {
		return rep, err
	}
	p := pusher{registry: d.Registry, log: log, opts: []remote.Option{remote.WithAuth(anonymousIfNil(d.Auth)), remote.WithUserAgent("berth-demo")},
		published: d.Published}
	if d.Insecure {
		p.nameOpts = append(p.nameOpts, name.Insecure)
	}
	var err error
	rep.TagsPushed, rep.TagsSkipped, err = p.pushAll(ctx, recipes())
	if err != nil {
		return rep, fmt.Errorf("pushing demo images to %s: %w", d.Registry, err)
	}
	return rep, nil
}

// Tags lists every demo "namespace/name:tag" with the digest it must point
// at, so that a caller publishing through the pipeline can wait until every
// one is promoted.
func Tags() (map[string]string, error) {
	out := map[string]string{}
	for _, r := range recipes() {
		built := map[string]string{}
		for _, tag := range r.tags() {
			version := tag
			if tag == "latest" {
				version = r.versions[len(r.versions)-1]
			}
			if _, ok := built[version]; !ok {
				a, err := r.artifact(version)
				if err != nil {
					return nil, err
				}
				d, err := a.Digest()
				if err != nil {
					return nil, err
				}
				built[version] = d.String()
			}
			out[r.repo+":"+tag] = built[version]
		}
	}
	return out, nil
}

// Repositories lists every repository the demo pushes to, "namespace/name",
// in catalog order. Berth mints the seeding token's scopes from it.
func Repositories() []string {
	var out []string
	for _, p := range Products() {
		out = append(out, p.Repositories...)
	}
	return out
}

// anonymousIfNil returns a, or anonymous access when a is nil.
func anonymousIfNil(a authn.Authenticator) authn.Authenticator {
	if a == nil {
		return authn.Anonymous
	}
	return a
}
