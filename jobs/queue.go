package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/berth/berth/internal/secret"
)

// Config sets the queue's workers and patience. Zero fields take the
// defaults New names.
type Config struct {
	// Workers is how many jobs run at once in this process (default 2).
	Workers int
	// Lease is how long a claim holds a job without a heartbeat (default
	// 30 s): while a handler runs, its worker extends the lease every
	// Heartbeat, so a handler may run longer; a worker that stops
	// heartbeating (its process died) is presumed dead once the lease
	// ends, and the job is due again for any instance.
	Lease time.Duration
	// Heartbeat is how often a running job's lease is extended (default
	// a third of Lease, so that two beats may fail before it ends).
	Heartbeat time.Duration
	// MaxAttempts bounds the attempts of one job (default 8).
	MaxAttempts int
	// Poll is how often an idle worker looks for due jobs it was not woken
	// for: retries coming due, jobs another instance enqueued (default 1 s).
	Poll time.Duration
	// Keep is how long done jobs are kept (default 24 h): the window in
	// which enqueueing a done job's ID again does nothing.
	Keep time.Duration
	// KeepFailed is how long failed jobs, the dead letters, are kept for
	// an administrator to see and retry (default 7 days, at least Keep).
	KeepFailed time.Duration
}

// Queue runs jobs from a Store with registered handlers.
type Queue struct {
	cfg      Config
	store    Store
	log      *slog.Logger
	now      func() time.Time
	wake     chan struct{}
	mu       sync.RWMutex
	handlers map[string]Handler
	kinds    []string
	// claiming makes this process's workers claim one at a time. The
	// stores' claims are atomic on their own (SQLite, MongoDB), but
	// FerretDB, the tests' MongoDB, reads and then writes a
	// findAndModify, and would hand one job to two workers.
	claiming sync.Mutex
}

// New returns a queue over store. Register handlers with Handle, then call
// Run.
func New(cfg Config, store Store, log *slog.Logger) *Queue {
	if cfg.Workers < 1 {
		cfg.Workers = 2
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Heartbeat <= 0 || cfg.Heartbeat >= cfg.Lease {
		cfg.Heartbeat = cfg.Lease / 3
	}
	if cfg.MaxAttempts < 1 {
		cfg.MaxAttempts = 8
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Keep <= 0 {
		cfg.Keep = 24 * time.Hour
	}
	if cfg.KeepFailed <= 0 {
		cfg.KeepFailed = 7 * 24 * time.Hour
	}
	cfg.KeepFailed = max(cfg.KeepFailed, cfg.Keep)
	return &Queue{cfg: cfg, store: store, log: log, now: time.Now, wake: make(chan struct{}, 1),
		handlers: map[string]Handler{}}
}

// Handle makes h run the jobs of kind. Only kinds with a handler are
// claimed, so an instance never takes work it cannot do.
func (q *Queue) Handle(kind string, h Handler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.handlers[kind]; !ok {
		q.kinds = append(q.kinds, kind)
	}
	q.handlers[kind] = h
}

// Enqueue stores a job of kind under id, due now, and wakes a worker. It
// reports whether the job is new: an id the queue holds, pending or
// finished within Config.Keep, is left as it is.
func (q *Queue) Enqueue(ctx context.Context, kind, id string, payload []byte) (bool, error) {
	if id == "" || kind == "" {
		return false, errors.New("enqueueing a job: kind and id are required")
	}
	now := q.now().UTC()
	added, err := q.store.Add(ctx, Job{ID: id, Kind: kind, Payload: payload, Status: Pending, RunAt: now,
		CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return false, fmt.Errorf("enqueueing %s job %s: %w", kind, id, err)
	}
	if added {
		q.Wake()
	}
	return added, nil
}

// Hasten makes the pending job id due at at, if it was due later and is
// not running, and wakes a worker then: something it waits for arrived.
func (q *Queue) Hasten(ctx context.Context, id string, at time.Time) error {
	moved, err := q.store.Hasten(ctx, id, at.UTC())
	if err != nil {
		return fmt.Errorf("hastening job %s: %w", id, err)
	}
	if moved {
		time.AfterFunc(time.Until(at), q.Wake)
	}
	return nil
}

// Wake makes an idle worker look for due jobs now.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run runs Config.Workers workers and deletes old finished jobs hourly,
// until ctx ends.
func (q *Queue) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range q.cfg.Workers {
		wg.Go(func() { q.work(ctx) })
	}
	wg.Go(func() { q.purge(ctx) })
	wg.Wait()
}

// work runs due jobs while there are any, then sleeps until woken or the
// next poll.
func (q *Queue) work(ctx context.Context) {
	tick := time.NewTicker(q.cfg.Poll)
	defer tick.Stop()
	for {
		ran, err := q.RunOne(ctx)
		if err != nil && ctx.Err() == nil {
			q.log.Warn("job queue: claiming a job failed", "err", err)
		}
		if ran {
			// Another worker may share the rest of a burst.
			q.Wake()
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-q.wake:
		case <-tick.C:
		}
	}
}

// RunDue runs due jobs, one at a time, until none is due.
func (q *Queue) RunDue(ctx context.Context) error {
	for {
		ran, err := q.RunOne(ctx)
		if err != nil || !ran {
			return err
		}
	}
}

// RunOne claims one due job, runs it and records its outcome. It reports
// whether it found a job.
func (q *Queue) RunOne(ctx context.Context) (bool, error) {
	q.mu.RLock()
	kinds := slices.Clone(q.kinds)
	q.mu.RUnlock()
	if len(kinds) == 0 {
		return false, nil
	}
	q.claiming.Lock()
	now := q.now().UTC()
	j, err := q.store.Claim(ctx, kinds, now, now.Add(q.cfg.Lease), secret.ID())
	q.claiming.Unlock()
	if errors.Is(err, ErrNoneDue) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	q.run(ctx, j)
	return true, nil
}

// run runs a claimed job's handler, heartbeating its lease, and releases
// the job with its outcome: done, due again after a backoff, or failed.
func (q *Queue) run(ctx context.Context, j Job) {
	q.mu.RLock()
	h := q.handlers[j.Kind]
	q.mu.RUnlock()
	last := j.Attempts >= q.cfg.MaxAttempts
	runCtx, cancel := context.WithCancelCause(context.WithValue(ctx, attemptKey{},
		Attempt{Job: j.ID, Number: j.Attempts, Last: last}))
	beating := make(chan struct{})
	go func() { defer close(beating); q.heartbeat(runCtx, cancel, j) }()
	err := h(runCtx, j.Payload)
	lost := errors.Is(context.Cause(runCtx), ErrLeaseLost)
	cancel(nil)
	<-beating
	if lost {
		q.log.Warn("job queue: a job's lease was lost while it ran; it was stopped and runs again elsewhere",
			"kind", j.Kind, "job", j.ID)
		return
	}
	if err != nil && ctx.Err() != nil {
		return // stopping: the lease ends and the job is due again
	}
	q.release(ctx, j, err, last)
}

// heartbeat extends j's lease every Config.Heartbeat until ctx ends. When
// the lease is found lost (it ended and another worker took the job), it
// cancels ctx with ErrLeaseLost, so that the handler stops. A failed
// extension for another reason (the database briefly away) is tried again
// at the next beat.
func (q *Queue) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, j Job) {
	tick := time.NewTicker(q.cfg.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		err := q.store.Extend(ctx, j.ID, j.Lease, q.now().UTC().Add(q.cfg.Lease))
		switch {
		case errors.Is(err, ErrLeaseLost), errors.Is(err, ErrNotFound):
			cancel(fmt.Errorf("job %s: %w", j.ID, ErrLeaseLost))
			return
		case err != nil && ctx.Err() == nil:
			q.log.Warn("job queue: extending a running job's lease failed; trying again", "kind", j.Kind, "job", j.ID, "err", err)
		}
	}
}

// release records a run's outcome, err, under j's lease; last says the
// attempts are used up.
func (q *Queue) release(ctx context.Context, j Job, err error, last bool) {
	now := q.now().UTC()
	j.UpdatedAt, j.LastError = now, ""
	quiet := isExpected(err)
	delay, again := laterOf(err)
	switch {
	case err == nil:
		j.Status = Done
	case again:
		// A wait is not an attempt: the claim's count is given back.
		j.RunAt, j.Attempts = now.Add(delay), j.Attempts-1
		time.AfterFunc(delay, q.Wake)
	case IsPermanent(err) || last:
		j.Status, j.LastError = Failed, err.Error()
		level := slog.LevelError
		if quiet {
			level = slog.LevelInfo
		}
		q.log.Log(ctx, level, "job failed; giving up", "kind", j.Kind, "job", j.ID, "attempts", j.Attempts, "err", err)
	default:
		j.RunAt, j.LastError = now.Add(Backoff(j.Attempts)), err.Error()
		level := slog.LevelWarn
		if quiet {
			level = slog.LevelDebug
		}
		q.log.Log(ctx, level, "job failed; retrying", "kind", j.Kind, "job", j.ID, "attempt", j.Attempts, "retry_at", j.RunAt, "err", err)
	}
	if err := q.store.Release(context.WithoutCancel(ctx), j); err != nil {
		q.log.Warn("job queue: recording a job's outcome failed; it runs again when its lease ends",
			"kind", j.Kind, "job", j.ID, "err", err)
	}
}

// Backoff is the pause after attempt n failed: 500 ms doubling to 5 min.
func Backoff(n int) time.Duration {
	return min(500*time.Millisecond<<min(max(n-1, 0), 10), 5*time.Minute)
}

// purge deletes done jobs older than Config.Keep and failed ones older
// than Config.KeepFailed, hourly.
func (q *Queue) purge(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := q.Purge(ctx); err != nil && ctx.Err() == nil {
			q.log.Warn("job queue: deleting finished jobs failed", "err", err)
		}
	}
}

// Failed lists the dead letters: failed jobs, of kind unless kind is "",
// the last updated first.
func (q *Queue) Failed(ctx context.Context, kind string, limit, offset int) ([]Job, error) {
	return q.store.Failed(ctx, kind, limit, offset)
}

// Retry gives a failed job its attempts again, due now, and wakes a worker.
// It returns ErrNotFound or ErrNotFailed when there is no failed job id.
func (q *Queue) Retry(ctx context.Context, id string) (Job, error) {
	j, err := q.store.Retry(ctx, id, q.now().UTC())
	if err != nil {
		return Job{}, fmt.Errorf("retrying job %s: %w", id, err)
	}
	q.Wake()
	return j, nil
}

// Purge deletes done jobs older than Config.Keep and failed ones older than
// Config.KeepFailed; Run calls it hourly.
func (q *Queue) Purge(ctx context.Context) error {
	now := q.now()
	if _, err := q.store.DeleteDone(ctx, now.Add(-q.cfg.Keep)); err != nil {
		return err
	}
	_, err := q.store.DeleteFinished(ctx, now.Add(-q.cfg.KeepFailed))
	return err
}
