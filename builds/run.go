package builds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/berth/berth/jobs"
)

// errCancelled is the cause of a running build's context when a user
// cancelled it.
var errCancelled = errors.New("cancelled")

// RunJob runs one build job: the handler of JobKind on the job queue. It
// waits (jobs.Later) while the owner's account has as many builds running
// as Options.PerAccount, runs the build, and records its end. A build's
// own failure is recorded on its record and ends the job; only a job that
// could not record anything is retried. When the instance stops or loses
// the job's lease, the record is left running and the job runs again
// elsewhere, starting the build over.
func (s *Service) RunJob(ctx context.Context, payload []byte) error {
	var j job
	if err := json.Unmarshal(payload, &j); err != nil {
		return jobs.Permanent(fmt.Errorf("reading build job: %w", err))
	}
	r, err := s.d.Store.Build(ctx, j.Repository, j.ID)
	if errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if r.Status.Final() {
		return nil
	}
	if r.CancelRequested {
		return s.finish(ctx, r, Cancelled, "cancelled before it started")
	}
	slot, err := s.takeSlot(ctx, r)
	if err != nil {
		return err
	}
	if slot == "" {
		return jobs.Later(s.opts.SlotWait)
	}
	defer func() { _ = s.d.Store.ReleaseSlot(context.WithoutCancel(ctx), slot, r.ID) }()
	return s.execute(ctx, r, j, slot)
}

// takeSlot takes one of the owner's PerAccount slots for r, or returns ""
// when all are taken.
func (s *Service) takeSlot(ctx context.Context, r Record) (string, error) {
	now := s.now().UTC()
	for i := range s.opts.PerAccount {
		key := owner(r.Repository) + "#" + strconv.Itoa(i)
		ok, err := s.d.Store.AcquireSlot(ctx, key, r.ID, now, now.Add(s.opts.SlotLease))
		if err != nil || ok {
			return key, err
		}
	}
	return "", nil
}

// execute runs a build that holds its account slot.
func (s *Service) execute(ctx context.Context, r Record, j job, slot string) error {
	logs := &storeLog{store: s.d.Store, id: r.ID}
	if r.Status == Running {
		// An earlier attempt's instance stopped mid-build: its log is kept,
		// and this one follows it.
		old, err := s.d.Store.Log(ctx, r.ID, 0)
		if err != nil {
			return err
		}
		logs.offset = int64(len(old))
		fmt.Fprintf(logs, "\n[berth: the instance running this build stopped; building again]\n")
	}
	r.Status, r.StartedAt, r.Error = Running, s.now().UTC(), ""
	if err := s.d.Store.UpdateBuild(ctx, r); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	runCtx, stop := context.WithTimeout(runCtx, s.opts.Timeout)
	defer stop()
	watching := make(chan struct{})
	go func() { defer close(watching); s.watch(runCtx, cancel, r, slot, logs) }()
	capped := &cappedWriter{w: logs, limit: s.opts.LogLimit}
	digest, err := s.work(runCtx, r, j, capped)
	cause := context.Cause(runCtx)
	cancel(nil)
	<-watching
	if ctx.Err() != nil || errors.Is(cause, jobs.ErrLeaseLost) {
		// Stopping, or another worker has the job now: the record stays
		// running and the job runs again.
		_ = logs.Flush(context.WithoutCancel(ctx))
		return ctx.Err()
	}
	status, why := Succeeded, ""
	switch {
	case err == nil:
		r.Digest = digest
		fmt.Fprintf(capped, "[berth: pushed %s@%s]\n", r.Tags[0], digest)
	case errors.Is(cause, errCancelled):
		status, why = Cancelled, "cancelled while running"
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		status, why = Failed, fmt.Sprintf("the build took longer than the %s limit", s.opts.Timeout)
	default:
		status, why = Failed, userError(err)
	}
	if why != "" {
		fmt.Fprintf(capped, "[berth: %s]\n", why)
	}
	_ = logs.Flush(context.WithoutCancel(ctx))
	return s.finish(ctx, r, status, why)
}

// finish records a build's end and tells OnDone.
func (s *Service) finish(ctx context.Context, r Record, status Status, why string) error {
	r.Status, r.Error, r.FinishedAt = status, why, s.now().UTC()
	if err := s.d.Store.UpdateBuild(context.WithoutCancel(ctx), r); err != nil {
		return err
	}
	s.done(ctx, r)
	return nil
}

// watch runs beside a build: every Poll it flushes the log, looks for a
// cancellation (made on any instance) and extends the account slot.
func (s *Service) watch(ctx context.Context, cancel context.CancelCauseFunc, r Record, slot string, logs *storeLog) {
	tick := time.NewTicker(s.opts.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		_ = logs.Flush(ctx)
		if cur, err := s.d.Store.Build(ctx, r.Repository, r.ID); err == nil && cur.CancelRequested {
			cancel(errCancelled)
			return
		}
		now := s.now().UTC()
		if _, err := s.d.Store.AcquireSlot(ctx, slot, r.ID, now, now.Add(s.opts.SlotLease)); err != nil && ctx.Err() == nil {
			s.d.Log.Warn("builds: extending an account's build slot failed", "build", r.ID, "err", err)
		}
	}
}

// work clones the commit, mints the owner's credential and builds.
func (s *Service) work(ctx context.Context, r Record, j job, log io.Writer) (string, error) {
	st, err := s.Settings(ctx, r.Repository)
	if errors.Is(err, ErrNotFound) {
		return "", errors.New("the repository's build settings were removed")
	} else if err != nil {
		return "", err
	}
	fmt.Fprintf(log, "[berth: cloning %s %s at %s]\n", r.Ref.Type, r.Ref.Name, r.Commit)
	co, err := s.d.Sources.Clone(ctx, st.Config.Source, r.Ref, r.Commit)
	if err != nil {
		return "", &SourceError{Err: err}
	}
	defer co.Remove()
	s.pinHostKey(ctx, r.Repository, st.Config.Source, co.HostKey, log)
	if err := s.checkBases(ctx, r, j, co.Dir, log); err != nil {
		return "", err
	}
	pushRepo, slug, err := s.pushTarget(ctx, r.Repository)
	if err != nil {
		return "", err
	}
	user, pass, revoke, err := s.d.Credentials.Issue(ctx, pushRepo, s.opts.Timeout+5*time.Minute)
	if err != nil {
		return "", fmt.Errorf("issuing the build's registry credential: %w", err)
	}
	defer func() { _ = revoke(context.WithoutCancel(ctx)) }()
	image := s.opts.Registry + "/" + pushRepo + ":" + j.Tag
	fmt.Fprintf(log, "[berth: building %s with %s in %s, pushing %s]\n", j.Dockerfile, j.Context, co.Commit[:12], image)
	digest, err := s.d.Builder.Build(ctx, Job{Dir: co.Dir, Dockerfile: j.Dockerfile, Context: j.Context, BuildArgs: j.BuildArgs,
		Image: image, Auth: RegistryAuth{Host: s.opts.Registry, Username: user, Password: pass}}, log)
	if err != nil || slug == "" {
		return digest, err
	}
	return digest, s.signStaged(ctx, slug, pushRepo, digest, log)
}

// userError says why a build failed in words for its owner.
func userError(err error) string {
	var be *BuildError
	var se *SourceError
	var base *BaseError
	var df *DockerfileError
	switch {
	case errors.As(err, &base):
		return base.Error()
	case errors.As(err, &df):
		return df.Error()
	case errors.As(err, &be):
		return "the " + be.Stage + " failed with exit status " + strconv.Itoa(be.ExitCode) + "; the log says why"
	case errors.Is(err, ErrNoBuilder):
		return err.Error()
	case errors.As(err, &se):
		return se.Error()
	}
	return "Berth could not run the build: " + err.Error()
}
