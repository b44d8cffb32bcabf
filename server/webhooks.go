package server

import (
	"context"
	"errors"
	"time"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/webhooks"
)

// emitTo sends event to the endpoints of the publisher with that slug,
// logging rather than failing: a webhook is a courtesy, never a reason to
// undo a sale or an upload.
func (b *Backend) emitTo(ctx context.Context, slug, event string, data any) {
	if b.Webhooks == nil {
		return
	}
	p, err := b.Stores.Publishers.PublisherBySlug(ctx, slug)
	if errors.Is(err, publisher.ErrNotFound) {
		return
	}
	if err == nil {
		err = b.Webhooks.Emit(ctx, p.ID, event, data)
	}
	if err != nil {
		b.log.Warn("queueing a webhook", "publisher", slug, "event", event, "err", err)
	}
}

// purchased emits a purchase to the order's publisher.
func (b *Backend) purchased(ctx context.Context, o billing.Order) {
	b.emitTo(ctx, o.Publisher, webhooks.EventPurchase, map[string]any{"order": o.ID, "product": o.Product, "tier": o.Tier,
		"quantity": o.Quantity, "amount": o.Amount, "currency": o.Currency, "license": o.LicenseID, "customer": o.OwnerName})
}

// uploadDone emits upload.verified or upload.rejected to the upload's
// publisher.
func (b *Backend) uploadDone(ctx context.Context, u publisher.Upload) {
	event := webhooks.EventUploadRejected
	if u.Status == publisher.UploadPromoted {
		event = webhooks.EventUploadVerified
	}
	data := map[string]any{"upload": u.ID, "staging": u.Staging, "repository": u.Target, "tag": u.Tag, "digest": u.Digest,
		"status": string(u.Status), "reason": u.Reason}
	if err := b.Webhooks.Emit(ctx, u.Publisher, event, data); err != nil {
		b.log.Warn("queueing a webhook", "upload", u.ID, "event", event, "err", err)
	}
}

// Pulled emits a pull of a product's image to its publisher.
func (b *Backend) Pulled(ctx context.Context, repo, tag, digest string, at time.Time) error {
	p, err := b.productOf(ctx, repo)
	if err != nil || p.Slug == "" {
		return err
	}
	b.emitTo(ctx, p.Publisher, webhooks.EventPull, map[string]any{"product": p.Slug, "repository": repo, "tag": tag,
		"digest": digest, "at": at.UTC().Format(time.RFC3339)})
	return nil
}
