package server

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/registry"
	"github.com/berth/berth/webhooks"
)

// linkPush hands a tag push to repository links: every repository whose
// build settings link the pushed tag rebuilds once per new digest. It
// runs for the publishing pipeline's promotions too, whose events skip
// the catalog. The service's IDs make it safe to run once per delivery
// of the event, on any instance.
func (b *Backend) linkPush(ctx context.Context, e registry.Event) error {
	if b.Builds == nil || e.Target.Tag == "" || e.Target.Digest == "" {
		return nil
	}
	_, err := b.Builds.Linked(ctx, e.Target.Repository, e.Target.Tag, e.Target.Digest)
	return err
}

// buildDone emits build.succeeded or build.failed to the publisher whose
// namespace the built repository is in; a cancelled build, or one outside
// every publisher's namespaces, emits nothing. It logs rather than fails:
// a webhook is a courtesy.
func (b *Backend) buildDone(ctx context.Context, r builds.Record) {
	event := ""
	switch r.Status {
	case builds.Succeeded:
		event = webhooks.EventBuildSucceeded
	case builds.Failed:
		event = webhooks.EventBuildFailed
	default:
		return
	}
	if b.Webhooks == nil {
		return
	}
	ns, _, _ := strings.Cut(r.Repository, "/")
	p, err := b.Stores.Publishers.PublisherByNamespace(ctx, ns)
	if errors.Is(err, publisher.ErrNotFound) {
		return
	}
	if err == nil {
		err = b.Webhooks.Emit(ctx, p.ID, event, buildPayload(r))
	}
	if err != nil {
		b.log.Warn("queueing a webhook", "build", r.ID, "event", event, "err", err)
	}
}

// buildPayload is a build webhook's data.
func buildPayload(r builds.Record) map[string]any {
	at := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format(time.RFC3339)
	}
	tags := r.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{"repository": r.Repository, "build": r.ID, "status": string(r.Status),
		"trigger": string(r.Trigger), "ref": r.Ref.Full(), "commit": r.Commit, "tags": tags, "digest": r.Digest,
		"error": r.Error, "created_at": at(r.CreatedAt), "started_at": at(r.StartedAt), "finished_at": at(r.FinishedAt)}
}
