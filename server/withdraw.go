package server

import (
	"context"
	"errors"
	"time"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/signing"
	"github.com/berth/berth/webhooks"
)

// releases is the registry and catalog as publisher withdrawals reach
// them: the buyer-facing repository is written with Berth's own
// credentials, as the publishing pipeline writes it.
type releases struct{ b *Backend }

var _ publisher.Releases = releases{}

// ReleasedDigest reads the tag from the catalog, or failing that from the
// registry (a tag whose notification has not been applied yet). Cosign's
// signature tags are never released on their own.
func (r releases) ReleasedDigest(ctx context.Context, repo, tag string) (string, bool, error) {
	if signing.IsArtifactTag(tag) {
		return "", false, nil
	}
	t, err := r.b.Stores.Tags.Tag(ctx, repo, tag)
	if err == nil {
		return t.Digest, true, nil
	} else if !errors.Is(err, catalog.ErrNotFound) {
		return "", false, err
	}
	if r.b.Registry == nil {
		return "", false, nil
	}
	return r.b.Registry.TagDigest(ctx, repo, tag)
}

// Unrelease deletes the tag from the registry, then from the catalog (the
// registry's delete notification does the same again, harmlessly).
func (r releases) Unrelease(ctx context.Context, repo, tag string) error {
	if r.b.Registry == nil {
		return errors.New("withdrawing a tag needs the registry")
	}
	if err := r.b.Registry.DeleteTag(ctx, repo, tag); err != nil {
		return err
	}
	return r.b.ForgetTag(ctx, repo, tag)
}

// Announce queues tag.withdrawn for the publisher's webhooks.
func (r releases) Announce(ctx context.Context, w publisher.Withdrawal) error {
	if r.b.Webhooks == nil {
		return nil
	}
	p, err := r.b.productOf(ctx, w.Repository)
	if err != nil {
		return err
	}
	return r.b.Webhooks.Emit(ctx, w.Publisher, webhooks.EventTagWithdrawn, map[string]any{"withdrawal": w.ID,
		"product": p.Slug, "repository": w.Repository, "tag": w.Tag, "digest": w.Digest, "reason": w.Reason,
		"at": w.At.UTC().Format(time.RFC3339)})
}

// withdrawnTags tells the registry gate why a tag was withdrawn.
type withdrawnTags struct{ w *publisher.Withdrawals }

func (t withdrawnTags) Withdrawn(ctx context.Context, repo, tag string) (string, bool, error) {
	w, ok, err := t.w.Withdrawn(ctx, repo, tag)
	if err != nil || !ok {
		return "", false, err
	}
	return w.Describe(), true, nil
}

// withdrawnSince reports whether repo:tag at digest was withdrawn after a
// push at pushed: the registry keeps the manifest by digest after its tag
// is deleted, so a push notification applied late would otherwise put the
// withdrawn tag back in the catalog. A failed lookup records the tag.
func (b *Backend) withdrawnSince(ctx context.Context, repo, tag, digest string, pushed time.Time) bool {
	w, ok, err := b.Withdrawals.Withdrawn(ctx, repo, tag)
	if err != nil {
		b.log.Warn("looking up a tag's withdrawal", "repository", repo, "tag", tag, "err", err)
		return false
	}
	return ok && w.Digest == digest && !w.At.Before(pushed)
}
