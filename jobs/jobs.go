// Package jobs is Berth's durable job queue: background work is stored as a
// job before anyone is told it is accepted, and a worker takes it with a
// lease, so that a job survives a restart and two workers (in one process
// or in several instances sharing a database) never run it at once.
//
// A job's ID is its key: enqueueing an ID the queue already holds does
// nothing, so work that arrives twice (a notification retried by its
// sender) runs once. Finished jobs are kept for a while to remember their
// IDs, then deleted.
//
// Claiming is one conditional write per job: the store moves a due job's
// RunAt to the end of the lease and gives it a fresh lease token in the same
// statement that finds it. A job whose worker died becomes due again when
// its lease ends; a worker whose lease ended finds its token gone when it
// reports back, and its report is refused. While a handler runs, its
// worker extends the lease (a heartbeat), so a lease can be short and
// still cover long work; a beat that finds the lease lost stops the
// handler.
//
// A job that failed for good (a permanent error, or its attempts used up)
// stays as a dead letter: Failed lists them and Retry gives one its
// attempts again.
package jobs

import (
	"context"
	"errors"
	"time"
)

// Status is where a job is.
type Status string

// Job statuses.
const (
	// Pending jobs wait for their RunAt, or are leased to a worker until it.
	Pending Status = "pending"
	// Done jobs ran successfully.
	Done Status = "done"
	// Failed jobs gave up: a permanent error, or their last attempt failed.
	Failed Status = "failed"
)

// Job is one unit of background work.
type Job struct {
	// ID is the job's key: one ID, one job.
	ID string
	// Kind selects the handler that runs the job.
	Kind string
	// Payload is what the handler needs, encoded by whoever enqueued it.
	Payload []byte
	Status  Status
	// Attempts counts the claims so far, the one running included.
	Attempts int
	// RunAt is when a pending job is next due: when it may first run, when
	// its retry is due, or, while a worker holds it, when the lease ends.
	RunAt time.Time
	// Lease is the token of the claim holding the job; empty when none.
	Lease string
	// LastError says why the last attempt failed, if it did.
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Sentinel errors.
var (
	// ErrNotFound means no job has the ID asked for.
	ErrNotFound = errors.New("job not found")
	// ErrNoneDue means no pending job of the kinds asked for is due.
	ErrNoneDue = errors.New("no job due")
	// ErrLeaseLost means the job is no longer held by the lease given: it
	// ended and another claim took the job, or the job finished.
	ErrLeaseLost = errors.New("job lease lost")
	// ErrNotFailed means a retry was asked of a job that is not failed:
	// it is pending (perhaps running) or done.
	ErrNotFailed = errors.New("job is not failed")
)

// Store persists jobs. The SQLite and MongoDB stores implement it and pass
// the shared suite in storetest.
type Store interface {
	// Add stores j unless a job with its ID exists, and reports whether it
	// stored it.
	Add(ctx context.Context, j Job) (bool, error)
	// Claim takes the pending job of one of kinds whose RunAt is at or
	// before now, the one due longest (ties by ID), in one conditional
	// write: its Lease becomes lease, its RunAt until, its UpdatedAt now,
	// and its Attempts grow by one. It returns the job as written, or
	// ErrNoneDue.
	Claim(ctx context.Context, kinds []string, now, until time.Time, lease string) (Job, error)
	// Release records where a claimed job got to, only while j.Lease still
	// holds it: its Status, RunAt, LastError, Attempts and UpdatedAt become
	// j's and its lease is cleared. Otherwise it returns ErrLeaseLost (ErrNotFound
	// when no job has j.ID).
	Release(ctx context.Context, j Job) error
	// Job returns the job with id, or ErrNotFound.
	Job(ctx context.Context, id string) (Job, error)
	// DeleteFinished deletes the done and failed jobs last updated before
	// t, and returns how many it deleted.
	DeleteFinished(ctx context.Context, before time.Time) (int, error)
	// DeleteDone deletes the done jobs last updated before t, and returns
	// how many it deleted: failed jobs, the dead letters, are kept longer.
	DeleteDone(ctx context.Context, before time.Time) (int, error)
	// Extend moves the RunAt of the job with id to until, only while
	// lease still holds it (the job is pending under that lease): the
	// heartbeat of a running job. Otherwise it returns ErrLeaseLost
	// (ErrNotFound when no job has id).
	Extend(ctx context.Context, id, lease string, until time.Time) error
	// Failed returns the failed jobs (the dead letters), of kind unless
	// kind is "", the last updated first (ties by ID), skipping offset and
	// at most limit.
	Failed(ctx context.Context, kind string, limit, offset int) ([]Job, error)
	// Retry makes the failed job with id pending again, in one
	// conditional write: its Attempts become 0, its RunAt and UpdatedAt
	// now; its LastError is kept until the next attempt. It returns the
	// job as written, ErrNotFound, or ErrNotFailed when the job is not
	// failed.
	Retry(ctx context.Context, id string, now time.Time) (Job, error)
	// Hasten moves the RunAt of the pending job with id, when no lease
	// holds it, to at if at is earlier, and reports whether it moved it: a
	// running, finished or sooner due job is left as it is.
	Hasten(ctx context.Context, id string, at time.Time) (bool, error)
}

// Handler runs a job of one kind. An error means the attempt failed: the
// job is retried later, unless the error is Permanent or the attempts are
// used up.
type Handler func(ctx context.Context, payload []byte) error

// permanent marks an error no retry can cure.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as one no retry can cure (a payload that does not
// decode, a reference that can never resolve): the job fails at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err, or an error it wraps, was marked
// Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// expected marks a failure its handler expected and reported itself.
type expected struct{ err error }

func (e expected) Error() string { return e.err.Error() }
func (e expected) Unwrap() error { return e.err }

// Expected marks err as a failure the handler expected and has already
// told operators about at the level it chose (an outside endpoint that is
// down is the endpoint's owner's business): the queue records and retries
// it like any other, but logs it at Debug, and giving up at Info, instead
// of Warn and Error. It may wrap a Permanent error, or be wrapped by one.
func Expected(err error) error {
	if err == nil {
		return nil
	}
	return expected{err}
}

// isExpected reports whether err, or an error it wraps, was marked
// Expected.
func isExpected(err error) bool {
	var e expected
	return errors.As(err, &e)
}

// Attempt is the run of a job a handler is in; the queue puts it in the
// handler's context (see AttemptOf).
type Attempt struct {
	// Job is the job's ID.
	Job string
	// Number counts this job's attempts, this one included, since it was
	// enqueued or last retried from the dead letters.
	Number int
	// Last is set when a failure of this attempt fails the job for good:
	// the queue's attempts are used up.
	Last bool
}

type attemptKey struct{}

// AttemptOf returns the attempt whose handler ctx was given, and false
// outside a handler.
func AttemptOf(ctx context.Context) (Attempt, bool) {
	a, ok := ctx.Value(attemptKey{}).(Attempt)
	return a, ok
}

// later asks for the job to run again after a delay.
type later struct{ d time.Duration }

func (l later) Error() string { return "run again in " + l.d.String() }

// Later is what a handler returns to have its job run again after d
// without counting as a failure: a step of work that waits for something
// outside (a signature yet to be pushed). It is neither logged nor counted
// as an attempt, so Config.MaxAttempts bounds only the failures that come
// after any wait; the handler bounds its own waiting.
func Later(d time.Duration) error { return later{d} }

// laterOf reports the delay err asks for, if it is a Later.
func laterOf(err error) (time.Duration, bool) {
	var l later
	if errors.As(err, &l) {
		return l.d, true
	}
	return 0, false
}
