package publishing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth/berth/jobs"
	"github.com/berth/berth/publisher"
)

// UploadJob is the kind of the job that steps one upload; its payload is
// the upload's ID.
const UploadJob = "publishing.upload"

// Step is the handler of UploadJob: it takes one step with the upload, as
// the holder of the job's lease. An upload still waiting for its signature
// asks the queue to run the job again later (jobs.Later); a promoted or
// rejected one ends it. An upload no longer waiting is left as it is, so
// that a job run again after it finished changes nothing.
func (p *Pipeline) Step(ctx context.Context, payload []byte) error {
	id := string(payload)
	u, err := p.store.Upload(ctx, id)
	if errors.Is(err, publisher.ErrNotFound) {
		return jobs.Permanent(fmt.Errorf("stepping upload %q: %w", id, err))
	} else if err != nil {
		return err
	}
	if u.Status != publisher.UploadWaiting {
		return nil
	}
	return p.process(ctx, u)
}

// process takes one step with an upload and records where it got to,
// over the attempts it read: a step recorded meanwhile by a worker that
// took the job over refuses this one's record.
func (p *Pipeline) process(ctx context.Context, u publisher.Upload) error {
	now := p.now().UTC()
	from := u.Attempts
	u.Attempts++
	u.UpdatedAt = now
	outcome, err := p.verifyAndPromote(ctx, u)
	if ctx.Err() != nil {
		return ctx.Err() // stopping, or the lease ended: the job runs again
	}
	delay := time.Duration(0)
	switch {
	case err != nil && u.Attempts < p.cfg.MaxAttempts:
		u.Reason = "retrying after an error: " + err.Error()
		delay = backoff(u.Attempts)
		p.log.Warn("upload step failed; retrying", "upload", u.ID, "repository", u.Staging, "tag", u.Tag, "err", err)
	case err != nil:
		u.Status, u.Reason = publisher.UploadRejected, "gave up after "+fmt.Sprint(u.Attempts)+" attempts: "+err.Error()
	case outcome.wait:
		if now.Sub(u.CreatedAt) >= p.cfg.SignatureWait {
			u.Status, u.Reason = publisher.UploadRejected, "unsigned: no signature arrived within "+p.cfg.SignatureWait.String()+
				"; sign the pushed digest with `cosign sign --key` and push again"
		} else {
			u.Reason = "waiting for a signature of " + u.Digest
			delay = backoff(u.Attempts)
		}
	case outcome.rejected != "":
		u.Status, u.Reason = publisher.UploadRejected, outcome.rejected
	default:
		u.Status, u.Reason = publisher.UploadPromoted, "verified with key "+outcome.key+"; promoted to "+u.Target+":"+u.Tag+" and signed by Berth"
	}
	if u.Status == publisher.UploadWaiting {
		u.NextAttemptAt = now.Add(delay)
	}
	if err := p.store.StepUpload(ctx, u, from); err != nil {
		return fmt.Errorf("recording a step of upload %s: %w", u.ID, err)
	}
	if u.Status == publisher.UploadWaiting {
		return jobs.Later(delay)
	}
	if u.Status == publisher.UploadPromoted {
		p.log.Info("upload promoted", "upload", u.ID, "repository", u.Target, "tag", u.Tag, "digest", u.Digest)
	}
	if p.OnDone != nil {
		p.OnDone(ctx, u)
	}
	return nil
}

// backoff is the pause before attempt n+1: 250 ms doubling to 30 s.
func backoff(n int) time.Duration {
	d := 250 * time.Millisecond << min(n-1, 7)
	return min(d, 30*time.Second)
}
