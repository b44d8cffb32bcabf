// Package publishing takes publishers' images from their staging
// repositories to buyers: a tag pushed to staging/<namespace>/<repo> is
// verified against the publisher's registered signing keys, and only then
// copied into the buyer-facing <namespace>/<repo>, counter-signed by Berth
// and recorded in the catalog.
//
// Each upload is a record (what the publisher's portal shows) and a job on
// Berth's durable queue (package jobs), keyed by the upload, which the
// upload's ID is derived from the push: a push reported twice is one
// upload and one job. The job's lease is what lets one worker at a time,
// in any instance sharing the database, step an upload; every step of a
// promotion (copy, counter-signature, catalog record) is idempotent, so a
// worker that dies mid-promotion leaves work the next lease holder
// finishes without signing twice.
package publishing

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/berth/berth/publisher"
	"github.com/berth/berth/signing"
)

// StagingPrefix starts every staging repository: staging/acme/db stages
// acme/db. No account can own the "staging" namespace.
const StagingPrefix = "staging/"

// Target returns the buyer-facing repository a staging repository feeds,
// and whether repo is a staging repository at all.
func Target(repo string) (string, bool) {
	rest, ok := strings.CutPrefix(repo, StagingPrefix)
	if !ok || !strings.Contains(rest, "/") {
		return "", false
	}
	return rest, true
}

// Registry is what the pipeline does with the registry.
type Registry interface {
	// Signatures reads the signatures of digest in repo, from its .sig tag
	// and from its signature referrers.
	Signatures(ctx context.Context, repo, digest string) ([]signing.Signature, error)
	// Subject returns the subject of the manifest digest in repo: what a
	// referrer refers to, or "" for a manifest without one (or gone).
	Subject(ctx context.Context, repo, digest string) (string, error)
	// Copy writes digest of from into to under tag; the digest stays the
	// same, so copying again writes nothing new.
	Copy(ctx context.Context, from, to, digest, tag string) error
	// Attach counter-signs digest in repo; it is idempotent per key.
	Attach(ctx context.Context, repo, digest, dockerReference string, signer crypto.Signer) error
	// Manifest reads the raw manifest digest in repo.
	Manifest(ctx context.Context, repo, digest string) ([]byte, error)
}

// Catalog records a promoted tag, signed by Berth, and tells what a
// repository is listed as.
type Catalog interface {
	// RecordSignedTag records repo:tag as signed; recording it again
	// changes nothing but its time.
	RecordSignedTag(ctx context.Context, repo, tag string) error
	// ListingKind is the kind of the listing shipping repo: "plugin" or
	// "image", or "" when no listing names repo yet.
	ListingKind(ctx context.Context, repo string) (string, error)
}

// Queue is the durable job queue uploads run on (a *jobs.Queue).
type Queue interface {
	// Enqueue stores a job unless one with id exists.
	Enqueue(ctx context.Context, kind, id string, payload []byte) (bool, error)
	// Hasten makes the waiting job id due at at, if it was due later.
	Hasten(ctx context.Context, id string, at time.Time) error
}

// Config sets the pipeline's patience and names.
type Config struct {
	// SignatureWait is how long an upload waits for its signature to be
	// pushed before it is rejected as unsigned.
	SignatureWait time.Duration
	// RegistryHost is the host clients pull from: Berth's signatures name
	// host/repo as the docker-reference, as cosign does.
	RegistryHost string
	// MaxAttempts bounds retries after registry or database errors.
	MaxAttempts int
}

// Pipeline runs uploads through verification and promotion, as jobs of
// kind UploadJob: register Step as their handler.
type Pipeline struct {
	cfg      Config
	store    publisher.Store
	registry Registry
	catalog  Catalog
	signer   crypto.Signer // Berth's own cosign key
	queue    Queue
	log      *slog.Logger
	now      func() time.Time

	// OnDone, when set, hears of each upload promoted or rejected.
	OnDone func(ctx context.Context, u publisher.Upload)
}

// New returns a Pipeline that enqueues its uploads' jobs on queue.
func New(cfg Config, store publisher.Store, reg Registry, catalog Catalog, signer crypto.Signer, queue Queue, log *slog.Logger) *Pipeline {
	if cfg.SignatureWait == 0 {
		cfg.SignatureWait = 10 * time.Minute
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 20
	}
	return &Pipeline{cfg: cfg, store: store, registry: reg, catalog: catalog, signer: signer, queue: queue, log: log,
		now: time.Now}
}

// UploadID is the ID of the upload of digest pushed to staging under tag.
// It is derived, not drawn, so that a registry event applied again (its
// job re-run after a crash) finds the upload the first run recorded; it
// names the same staging, tag and digest the store keeps unique.
func UploadID(staging, tag, digest string) string {
	sum := sha256.Sum256([]byte(staging + "\x00" + tag + "\x00" + digest))
	return hex.EncodeToString(sum[:16])
}

// jobID is the ID of the job that steps upload id: one upload, one job.
func jobID(uploadID string) string { return UploadJob + ":" + uploadID }

// Pushed takes a push to a staging repository, as the registry reports
// it: a tag becomes an upload and its job; a cosign signature tag
// (sha256-<hex>.sig) hastens the jobs of the uploads of the digest it
// signs, and so does a manifest pushed by digest with that digest as its
// subject (a referrer, such as cosign's OCI 1.1 signature). Pushes
// anywhere else are not the pipeline's business. Pushed is idempotent: a
// push reported again finds its upload, and enqueues its job only if that
// job is not there.
func (p *Pipeline) Pushed(ctx context.Context, repo, tag, digest, pusher string) error {
	target, ok := Target(repo)
	if !ok {
		return nil
	}
	if tag == "" {
		subject, err := p.registry.Subject(ctx, repo, digest)
		if err != nil || subject == "" {
			return err
		}
		return p.signatureArrived(ctx, repo, subject)
	}
	if signed, ok := signedDigest(tag); ok {
		return p.signatureArrived(ctx, repo, signed)
	}
	ns, _, _ := strings.Cut(target, "/")
	pub, err := p.store.PublisherByNamespace(ctx, ns)
	if errors.Is(err, publisher.ErrNotFound) {
		return nil // a stray push to a namespace nobody publishes under
	} else if err != nil {
		return err
	}
	now := p.now().UTC()
	u := publisher.Upload{ID: UploadID(repo, tag, digest), Publisher: pub.ID, Staging: repo, Target: target, Tag: tag,
		Digest: digest, Status: publisher.UploadWaiting, Reason: "verifying the signature", NextAttemptAt: now,
		Pusher: pusher, CreatedAt: now, UpdatedAt: now}
	if pub.Status != publisher.StatusApproved {
		u.Status, u.Reason = publisher.UploadRejected, "publisher "+pub.Slug+" is not approved to publish yet"
	}
	stored, _, err := p.store.CreateUpload(ctx, u)
	if err != nil {
		return fmt.Errorf("recording the upload of %s:%s: %w", repo, tag, err)
	}
	if stored.Status != publisher.UploadWaiting {
		return nil
	}
	return p.enqueue(ctx, stored.ID)
}

// enqueue stores the job of upload id, unless it is there.
func (p *Pipeline) enqueue(ctx context.Context, id string) error {
	if _, err := p.queue.Enqueue(ctx, UploadJob, jobID(id), []byte(id)); err != nil {
		return fmt.Errorf("enqueueing upload %s: %w", id, err)
	}
	return nil
}

// signatureArrived makes the jobs of the waiting uploads of digest in
// staging due soon, as something that may sign it was pushed.
func (p *Pipeline) signatureArrived(ctx context.Context, staging, digest string) error {
	uploads, err := p.store.UploadsByDigest(ctx, staging, digest)
	if err != nil {
		return err
	}
	for _, u := range uploads {
		if u.Status != publisher.UploadWaiting {
			continue
		}
		// The registry reports a manifest's push a moment before the tag
		// naming it is written, or the referrers index lists it: look a
		// little later. A job running at this moment is not hastened; it
		// looks again after its backoff (at most 30 s).
		if err := p.queue.Hasten(ctx, jobID(u.ID), p.now().UTC().Add(tagSettle)); err != nil {
			return err
		}
	}
	return nil
}

// tagSettle is how long after a signature's push notification the pipeline
// looks for it.
const tagSettle = 50 * time.Millisecond

// signedDigest reads the digest a cosign signature tag names.
func signedDigest(tag string) (string, bool) {
	hex, ok := strings.CutPrefix(tag, "sha256-")
	if !ok {
		return "", false
	}
	hex, ok = strings.CutSuffix(hex, ".sig")
	if !ok || len(hex) != 64 {
		return "", false
	}
	return "sha256:" + hex, true
}

// Resume enqueues the job of every waiting upload that has none: uploads
// recorded before their jobs were, by a Berth that stepped uploads in a
// loop of its own. Enqueueing is idempotent, so every instance may call it
// at every start.
func (p *Pipeline) Resume(ctx context.Context) {
	waiting, err := p.store.DueUploads(ctx, p.now().UTC().Add(resumeHorizon), resumeLimit)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("listing waiting uploads to resume", "err", err)
		}
		return
	}
	for _, u := range waiting {
		if err := p.enqueue(ctx, u.ID); err != nil && ctx.Err() == nil {
			p.log.Warn("resuming an upload", "upload", u.ID, "err", err)
		}
	}
}

// Resume looks at uploads due within resumeHorizon (any waiting upload:
// steps were at most 30 s apart), at most resumeLimit of them.
const (
	resumeHorizon = 24 * time.Hour
	resumeLimit   = 10000
)
