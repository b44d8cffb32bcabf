package server

import (
	"context"
	"errors"
	"strings"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/registry"
)

// systemSubject is the subject of the tokens of Berth's own registry
// work (see Backend.sign). The only tags it pushes are the publishing
// pipeline's promotions, which the pipeline records in the catalog itself,
// signed: their push events leave the catalog alone, or one instance
// applying the event beside another instance's promotion could write the
// tag back unsigned over the signed record (the catalog's read, then
// write, is serialised per tag only within one instance).
const systemSubject = licensing.InternalSubject + "system"

// applyEvent does what one registry event, stored by the intake, means for
// Berth: a push gives a user's repository its record, records the tag in
// the catalog and hands a push to staging to the publishing pipeline; a
// pull is counted; a delete removes the tags it took away. It runs from
// the job queue, at least once per event: every step is idempotent.
func (b *Backend) applyEvent(ctx context.Context, e registry.Event) error {
	repo := e.Target.Repository
	switch e.Action {
	case "pull":
		return b.recordPull(ctx, e)
	case "push":
		if err := b.recordPush(ctx, repo); err != nil {
			return err
		}
		if e.Target.Tag != "" && e.Actor.Name != systemSubject {
			if err := b.RecordTag(ctx, repo, e.Target.Tag, e.Target.Digest, e.Timestamp); err != nil {
				return err
			}
		}
		if err := b.linkPush(ctx, e); err != nil {
			return err
		}
		if b.Pipeline == nil {
			return nil
		}
		// A push by digest to staging may be a signature referrer.
		return b.Pipeline.Pushed(ctx, repo, e.Target.Tag, e.Target.Digest, e.Actor.Name)
	case "delete":
		if e.Target.Digest != "" {
			return b.ForgetDigest(ctx, repo, e.Target.Digest)
		}
		return b.ForgetTag(ctx, repo, e.Target.Tag)
	}
	return nil
}

// recordPull counts a pull once (by event id) for the product and for the
// tag the pulled image belongs to: the event names the tag when the client
// pulled by tag, else the catalog finds it by digest.
func (b *Backend) recordPull(ctx context.Context, e registry.Event) error {
	tag := e.Target.Tag
	if tag == "" {
		t, err := b.Stores.Tags.TagByDigest(ctx, e.Target.Repository, e.Target.Digest)
		if err == nil {
			tag = t.Name
		} else if !errors.Is(err, catalog.ErrNotFound) {
			return err
		}
	}
	fresh, err := b.Stores.Catalog.RecordPull(ctx, catalog.PullEvent{ID: e.ID, Repository: e.Target.Repository,
		Reference: e.Target.Tag, Digest: e.Target.Digest, Tag: tag, At: e.Timestamp})
	if err != nil || !fresh {
		return err
	}
	return b.Pulled(ctx, e.Target.Repository, tag, e.Target.Digest, e.Timestamp)
}

// recordPush gives a repository pushed into a user's or organisation's
// namespace its record, as Docker Hub creates a repository on first push:
// private when the user chose private by default.
func (b *Backend) recordPush(ctx context.Context, repo string) error {
	ns, _, _ := strings.Cut(repo, "/")
	owner, err := b.Accounts.Namespace(ctx, ns)
	if errors.Is(err, account.ErrNotFound) {
		return nil // a publisher's or Berth's own repository
	} else if err != nil {
		return err
	}
	private := false
	if owner.Kind == account.NamespaceUser {
		u, err := b.Accounts.User(ctx, owner.OwnerID)
		if err != nil {
			return err
		}
		private = u.DefaultPrivate
	}
	return b.Repositories.Pushed(ctx, repo, private)
}
