// Package publishing takes publishers' images from their staging
// repositories to buyers: a tag pushed to staging/<namespace>/<repo> is
// verified against the publisher's registered signing keys, and only then
// copied into the buyer-facing <namespace>/<repo>, counter-signed by Berth
// and recorded in the catalog. Each upload is a persisted job, retried until
// it is promoted or rejected, so that nothing depends on the request that
// reported the push.
package publishing

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/plugin"
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
	Copy(ctx context.Context, from, to, digest, tag string) error
	Attach(ctx context.Context, repo, digest, dockerReference string, signer crypto.Signer) error
	// Manifest reads the raw manifest digest in repo.
	Manifest(ctx context.Context, repo, digest string) ([]byte, error)
}

// Catalog records a promoted tag, signed by Berth, and tells what a
// repository is listed as.
type Catalog interface {
	RecordSignedTag(ctx context.Context, repo, tag string) error
	// ListingKind is the kind of the listing shipping repo: "plugin" or
	// "image", or "" when no listing names repo yet.
	ListingKind(ctx context.Context, repo string) (string, error)
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

// Pipeline runs uploads through verification and promotion.
type Pipeline struct {
	cfg      Config
	store    publisher.Store
	registry Registry
	catalog  Catalog
	signer   crypto.Signer // Berth's own cosign key
	log      *slog.Logger
	now      func() time.Time

	wake chan struct{}
	mu   sync.Mutex // one pass over due uploads at a time

	// OnDone, when set, hears of each upload promoted or rejected.
	OnDone func(ctx context.Context, u publisher.Upload)
}

// New returns a Pipeline; call Run to process uploads.
func New(cfg Config, store publisher.Store, reg Registry, catalog Catalog, signer crypto.Signer, log *slog.Logger) *Pipeline {
	if cfg.SignatureWait == 0 {
		cfg.SignatureWait = 10 * time.Minute
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 20
	}
	return &Pipeline{cfg: cfg, store: store, registry: reg, catalog: catalog, signer: signer, log: log, now: time.Now,
		wake: make(chan struct{}, 1)}
}

// Pushed takes a push to a staging repository, as the registry reports
// it: a tag becomes an upload job; a cosign signature tag
// (sha256-<hex>.sig) wakes the uploads of the digest it signs, and so does
// a manifest pushed by digest with that digest as its subject (a referrer,
// such as cosign's OCI 1.1 signature). Pushes anywhere else are not the
// pipeline's business.
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
	u := publisher.Upload{ID: secret.ID(), Publisher: pub.ID, Staging: repo, Target: target, Tag: tag, Digest: digest,
		Status: publisher.UploadWaiting, Reason: "verifying the signature", NextAttemptAt: now, Pusher: pusher,
		CreatedAt: now, UpdatedAt: now}
	if pub.Status != publisher.StatusApproved {
		u.Status, u.Reason = publisher.UploadRejected, "publisher "+pub.Slug+" is not approved to publish yet"
	}
	if _, _, err := p.store.CreateUpload(ctx, u); err != nil {
		return fmt.Errorf("recording the upload of %s:%s: %w", repo, tag, err)
	}
	p.Wake()
	return nil
}

// signatureArrived makes the waiting uploads of digest in staging due
// now, as something that may sign it was pushed.
func (p *Pipeline) signatureArrived(ctx context.Context, staging, digest string) error {
	uploads, err := p.store.UploadsByDigest(ctx, staging, digest)
	if err != nil {
		return err
	}
	for _, u := range uploads {
		if u.Status == publisher.UploadWaiting {
			// The registry reports a manifest's push a moment before the tag
			// naming it is written, or the referrers index lists it: look a
			// little later.
			u.NextAttemptAt = p.now().UTC().Add(tagSettle)
			if err := p.store.UpdateUpload(ctx, u); err != nil {
				return err
			}
		}
	}
	time.AfterFunc(tagSettle, p.Wake)
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

// Wake makes Run look at due uploads now.
func (p *Pipeline) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run processes due uploads whenever woken, and at least every 200 ms,
// until ctx ends.
func (p *Pipeline) Run(ctx context.Context) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := p.RunDue(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("publishing pipeline pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-tick.C:
		}
	}
}

// RunDue processes every upload due now.
func (p *Pipeline) RunDue(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		due, err := p.store.DueUploads(ctx, p.now().UTC(), 32)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		for _, u := range due {
			p.process(ctx, u)
		}
	}
}

// process takes one step with an upload and stores where it got to.
func (p *Pipeline) process(ctx context.Context, u publisher.Upload) {
	now := p.now().UTC()
	u.Attempts++
	u.UpdatedAt = now
	outcome, err := p.verifyAndPromote(ctx, u)
	if ctx.Err() != nil {
		return // stopping: the upload stays due, for the next start
	}
	switch {
	case err != nil && u.Attempts < p.cfg.MaxAttempts:
		u.Reason = "retrying after an error: " + err.Error()
		u.NextAttemptAt = now.Add(backoff(u.Attempts))
		p.log.Warn("upload step failed; retrying", "upload", u.ID, "repository", u.Staging, "tag", u.Tag, "err", err)
	case err != nil:
		u.Status, u.Reason = publisher.UploadRejected, "gave up after "+fmt.Sprint(u.Attempts)+" attempts: "+err.Error()
	case outcome.wait:
		if now.Sub(u.CreatedAt) >= p.cfg.SignatureWait {
			u.Status, u.Reason = publisher.UploadRejected, "unsigned: no signature arrived within "+p.cfg.SignatureWait.String()+
				"; sign the pushed digest with `cosign sign --key` and push again"
		} else {
			u.Reason = "waiting for a signature of " + u.Digest
			u.NextAttemptAt = now.Add(backoff(u.Attempts))
		}
	case outcome.rejected != "":
		u.Status, u.Reason = publisher.UploadRejected, outcome.rejected
	default:
		u.Status, u.Reason = publisher.UploadPromoted, "verified with key "+outcome.key+"; promoted to "+u.Target+":"+u.Tag+" and signed by Berth"
		p.log.Info("upload promoted", "upload", u.ID, "repository", u.Target, "tag", u.Tag, "digest", u.Digest)
	}
	if err := p.store.UpdateUpload(ctx, u); err != nil {
		p.log.Error("recording an upload's progress", "upload", u.ID, "err", err)
		return
	}
	if u.Status != publisher.UploadWaiting && p.OnDone != nil {
		p.OnDone(ctx, u)
	}
}

// outcome is what one attempt found: wait for a signature, a rejection
// with its reason, or success with the key that verified.
type outcome struct {
	wait     bool
	rejected string
	key      string
}

func (p *Pipeline) verifyAndPromote(ctx context.Context, u publisher.Upload) (outcome, error) {
	keys, names, err := p.activeKeys(ctx, u.Publisher)
	if err != nil {
		return outcome{}, err
	}
	sigs, err := p.registry.Signatures(ctx, u.Staging, u.Digest)
	if err != nil {
		return outcome{}, err
	}
	if len(sigs) == 0 {
		return outcome{wait: true}, nil
	}
	if len(keys) == 0 {
		return outcome{rejected: "unknown key: the publisher has no active signing key; register one, then push again"}, nil
	}
	reference := func(ref string) bool { return ref == u.Staging || strings.HasSuffix(ref, "/"+u.Staging) }
	i, err := signing.VerifyImage(sigs, u.Digest, reference, keys)
	var failure *signing.Failure
	if errors.As(err, &failure) {
		return outcome{rejected: err.Error()}, nil
	} else if err != nil {
		return outcome{}, err
	}
	if why, err := p.kindMismatch(ctx, u); err != nil {
		return outcome{}, err
	} else if why != "" {
		return outcome{rejected: why}, nil
	}
	if err := p.registry.Copy(ctx, u.Staging, u.Target, u.Digest, u.Tag); err != nil {
		return outcome{}, err
	}
	if err := p.registry.Attach(ctx, u.Target, u.Digest, p.cfg.RegistryHost+"/"+u.Target, p.signer); err != nil {
		return outcome{}, err
	}
	if err := p.catalog.RecordSignedTag(ctx, u.Target, u.Tag); err != nil {
		return outcome{}, err
	}
	return outcome{key: names[i]}, nil
}

// kindMismatch says why an upload cannot go to its listing: a listing of
// kind plugin holds Docker Engine managed plugins only, and an image
// listing no plugins. A repository no listing names yet takes either.
func (p *Pipeline) kindMismatch(ctx context.Context, u publisher.Upload) (string, error) {
	listed, err := p.catalog.ListingKind(ctx, u.Target)
	if err != nil || listed == "" {
		return "", err
	}
	raw, err := p.registry.Manifest(ctx, u.Staging, u.Digest)
	if err != nil {
		return "", err
	}
	got := plugin.KindOf(raw)
	switch {
	case listed == string(plugin.KindPlugin) && got != plugin.KindPlugin:
		return u.Target + " is listed as a Docker Engine plugin, and this upload is not one (its config is not " +
			plugin.ConfigMediaType + "): push the plugin with `docker plugin push`", nil
	case listed != string(plugin.KindPlugin) && got == plugin.KindPlugin:
		return u.Target + " is listed as an image, and this upload is a Docker Engine plugin: list plugins under a product of kind plugin", nil
	}
	return "", nil
}

// activeKeys parses a publisher's unrevoked keys, with their names.
func (p *Pipeline) activeKeys(ctx context.Context, publisherID string) ([]crypto.PublicKey, []string, error) {
	stored, err := p.store.Keys(ctx, publisherID)
	if err != nil {
		return nil, nil, err
	}
	var keys []crypto.PublicKey
	var names []string
	for _, k := range stored {
		if !k.RevokedAt.IsZero() {
			continue
		}
		pub, err := signing.ParsePublicKey([]byte(k.PEM))
		if err != nil {
			p.log.Warn("skipping a stored key that does not parse", "key", k.ID, "err", err)
			continue
		}
		keys = append(keys, pub)
		names = append(names, k.Name)
	}
	return keys, names, nil
}

// backoff is the pause before attempt n+1: 250 ms doubling to 30 s.
func backoff(n int) time.Duration {
	d := 250 * time.Millisecond << min(n-1, 7)
	return min(d, 30*time.Second)
}
