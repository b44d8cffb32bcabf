package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publishing"
	"github.com/berth/berth/registry"
	"github.com/berth/berth/signing"
)

// RecordTag records in the catalog that repo:tag was pushed at digest at
// time at, as the registry's push notification says: it reads the
// manifest by its digest (the registry notifies before it links the tag)
// for its platforms, layers and build steps, and refreshes the platforms
// of the product that ships repo. A notification older than the tag's
// record of another digest changes nothing, so that notifications applied
// out of order leave the newest push.
func (b *Backend) RecordTag(ctx context.Context, repo, tag, digest string, at time.Time) error {
	return b.recordTag(ctx, repo, tag, digest, at, false)
}

// RecordSignedTag records a tag the publishing pipeline promoted and Berth
// signed: the pipeline has finished writing it, so it is read by name.
func (b *Backend) RecordSignedTag(ctx context.Context, repo, tag string) error {
	return b.recordTag(ctx, repo, tag, "", time.Now().UTC(), true)
}

// ListingKind is the kind of the listing shipping repo ("plugin" or
// "image"), or "" when no listing names it: the publishing pipeline holds
// uploads to it.
func (b *Backend) ListingKind(ctx context.Context, repo string) (string, error) {
	slug, err := b.Stores.Catalog.ProductByRepository(ctx, repo)
	if errors.Is(err, catalog.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	p, err := b.Stores.Catalog.ProductBySlug(ctx, slug)
	if errors.Is(err, catalog.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	return string(p.Kind), nil
}

func (b *Backend) recordTag(ctx context.Context, repo, tag, digest string, at time.Time, signed bool) error {
	// Staging repositories are publishers' inboxes, not the catalog.
	if _, staging := publishing.Target(repo); staging || signing.IsArtifactTag(tag) || b.Registry == nil {
		return nil
	}
	// The record is read, then written: one writer per tag at a time, or
	// a push notification applied beside the pipeline's signed record
	// could write over it unsigned.
	defer b.tagLocks.lock(repo + ":" + tag)()
	old, err := b.Stores.Tags.Tag(ctx, repo, tag)
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return err
	}
	known := err == nil
	if known && digest != "" && old.Digest == digest {
		// Recorded at this digest already (by the pipeline or the demo
		// seed, right after writing it): only a later push time moves.
		if !at.After(old.PushedAt) {
			return nil
		}
		old.PushedAt = at.UTC()
		return b.Stores.Tags.PutTag(ctx, old)
	}
	t, err := b.Registry.Inspect(ctx, repo, tag, digest)
	if errors.Is(err, registry.ErrManifestUnknown) {
		// Deleted since: its delete notification does the rest.
		b.log.Debug("not recording a tag whose manifest is gone", "repository", repo, "tag", tag, "digest", digest)
		return nil
	} else if err != nil {
		return err
	}
	if !known && b.withdrawnSince(ctx, repo, tag, t.Digest, at) {
		return nil // a late notification of a push its publisher withdrew
	}
	t.Signed, t.PushedAt = signed, at.UTC()
	switch {
	case known && old.Digest == t.Digest:
		t.Signed = t.Signed || old.Signed
	case known && old.PushedAt.After(at):
		return nil // a later push of another digest is recorded
	}
	if err := b.Stores.Tags.PutTag(ctx, t); err != nil {
		return fmt.Errorf("recording %s:%s: %w", repo, tag, err)
	}
	return b.refreshPlatforms(ctx, repo)
}

// keyedMutex holds one lock per key, kept while anyone holds or waits for
// it. The zero value is ready to use.
type keyedMutex struct {
	mu   sync.Mutex
	keys map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int
}

// lock takes key's lock and returns its release.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.keys == nil {
		k.keys = map[string]*keyLock{}
	}
	l := k.keys[key]
	if l == nil {
		l = &keyLock{}
		k.keys[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.keys, key)
		}
		k.mu.Unlock()
	}
}

// ForgetTag removes a deleted tag from the catalog.
func (b *Backend) ForgetTag(ctx context.Context, repo, tag string) error {
	if err := b.Stores.Tags.DeleteTag(ctx, repo, tag); err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return err
	}
	return b.refreshPlatforms(ctx, repo)
}

// ForgetDigest removes the tags of repo that pointed at a deleted manifest.
func (b *Backend) ForgetDigest(ctx context.Context, repo, digest string) error {
	for {
		t, err := b.Stores.Tags.TagByDigest(ctx, repo, digest)
		if errors.Is(err, catalog.ErrNotFound) {
			return b.refreshPlatforms(ctx, repo)
		} else if err != nil {
			return err
		}
		if err := b.Stores.Tags.DeleteTag(ctx, repo, t.Name); err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return err
		}
	}
}

// refreshPlatforms sets the platforms of the product shipping repo, and
// the capabilities of its plugins, to those of all its repositories' tags:
// Explore filters on both. A plugin's manifest names no platform.
func (b *Backend) refreshPlatforms(ctx context.Context, repo string) error {
	p, err := b.productOf(ctx, repo)
	if err != nil || p.Slug == "" {
		return err
	}
	var platforms, capabilities []string
	for _, r := range p.Repositories {
		tags, err := b.Stores.Tags.Tags(ctx, r)
		if err != nil {
			return err
		}
		for _, t := range tags {
			for _, pl := range t.Platforms {
				if name := pl.Name(); pl.OS != "" && !slices.Contains(platforms, name) {
					platforms = append(platforms, name)
				}
			}
			capabilities = append(capabilities, t.Plugin.Capabilities()...)
		}
	}
	slices.Sort(platforms)
	if err := b.Stores.Catalog.SetPlatforms(ctx, p.Slug, platforms); err != nil {
		return err
	}
	return b.Stores.Catalog.SetPluginInterfaces(ctx, p.Slug, capabilities)
}

// productOf finds the product shipping repo, or the zero product.
func (b *Backend) productOf(ctx context.Context, repo string) (catalog.Product, error) {
	slug, err := b.Stores.Catalog.ProductByRepository(ctx, repo)
	if errors.Is(err, catalog.ErrNotFound) {
		return catalog.Product{}, nil
	} else if err != nil {
		return catalog.Product{}, err
	}
	return b.Stores.Catalog.ProductBySlug(ctx, slug)
}

// SyncTags records every tag of the catalog's repositories the catalog
// lacks: tags pushed before this Berth recorded tags, or whose notification
// was lost. It runs once the registry answers.
func (b *Backend) SyncTags(ctx context.Context) error {
	for offset := 0; ; offset += 100 {
		page, err := b.Stores.Catalog.Explore(ctx, catalog.ExploreQuery{Sort: catalog.SortName, Limit: 100, Offset: offset})
		if err != nil {
			return err
		}
		for _, p := range page.Products {
			for _, repo := range p.Repositories {
				if err := b.syncRepository(ctx, repo); err != nil {
					return err
				}
			}
		}
		if !page.More {
			return nil
		}
	}
}

func (b *Backend) syncRepository(ctx context.Context, repo string) error {
	names, err := b.Registry.Tags(ctx, repo)
	if err != nil {
		return err
	}
	known, err := b.Stores.Tags.Tags(ctx, repo)
	if err != nil {
		return err
	}
	for _, name := range names {
		if signing.IsArtifactTag(name) || slices.ContainsFunc(known, func(t catalog.Tag) bool { return t.Name == name }) {
			continue
		}
		if err := b.RecordTag(ctx, repo, name, "", time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// syncTags brings the catalog's tags up to date with the registry once it
// answers, retrying with growing pauses.
func (s *Server) syncTags(ctx context.Context) {
	for attempt := 1; ; attempt++ {
		err := s.Backend.SyncTags(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		s.log.Warn("syncing the catalog's tags with the registry failed; retrying", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(time.Duration(attempt)*2*time.Second, time.Minute)):
		}
	}
}
