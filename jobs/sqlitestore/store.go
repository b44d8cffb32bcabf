// Package sqlitestore keeps the job queue in the embedded SQLite database.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/jobs"
)

// schema is the jobs domain's migration steps; append, never edit. The
// index serves claims (status, then the soonest run_at) and the deletion
// of finished jobs.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS jobs (
		id         TEXT PRIMARY KEY,
		kind       TEXT NOT NULL,
		payload    BLOB NOT NULL,
		status     TEXT NOT NULL,
		attempts   INTEGER NOT NULL,
		run_at     INTEGER NOT NULL,
		lease      TEXT NOT NULL,
		last_error TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		updated_at INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, run_at, id)`,
	// jobs_updated serves the list of failed jobs, newest first.
	`CREATE INDEX IF NOT EXISTS jobs_updated ON jobs (status, updated_at, id)`,
}

// Store implements jobs.Store on SQLite.
type Store struct {
	db *sql.DB
}

var _ jobs.Store = (*Store)(nil)

// New creates the jobs table if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "jobs", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// columns lists the jobs columns in scan's order.
const columns = `id, kind, payload, status, attempts, run_at, lease, last_error, created_at, updated_at`

// Add stores j unless its ID exists, and reports whether it stored it.
func (s *Store) Add(ctx context.Context, j jobs.Job) (bool, error) {
	res, err := sqldb.Exec(ctx, s.db, `INSERT INTO jobs (`+columns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		j.ID, j.Kind, nonNil(j.Payload), string(j.Status), j.Attempts, storecodec.Time(j.RunAt), j.Lease, j.LastError,
		storecodec.Time(j.CreatedAt), storecodec.Time(j.UpdatedAt))
	if err != nil {
		return false, fmt.Errorf("adding job %s: %w", j.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("adding job %s: %w", j.ID, err)
	}
	return n == 1, nil
}

// Claim takes the due job in one UPDATE: SQLite runs one writing statement
// at a time, and the statement that finds the job is the one that leases
// it, so no two claims take the same job.
func (s *Store) Claim(ctx context.Context, kinds []string, now, until time.Time, lease string) (jobs.Job, error) {
	if len(kinds) == 0 {
		return jobs.Job{}, jobs.ErrNoneDue
	}
	marks := strings.Repeat(", ?", len(kinds))[2:]
	args := []any{lease, storecodec.Time(until), storecodec.Time(now), string(jobs.Pending), storecodec.Time(now)}
	for _, k := range kinds {
		args = append(args, k)
	}
	args = append(args, string(jobs.Pending), storecodec.Time(now))
	j, err := scan(sqldb.QueryRow(ctx, s.db, `UPDATE jobs SET lease = ?, run_at = ?, updated_at = ?, attempts = attempts + 1
		WHERE id = (SELECT id FROM jobs WHERE status = ? AND run_at <= ? AND kind IN (`+marks+`)
			ORDER BY run_at, id LIMIT 1)
		AND status = ? AND run_at <= ?
		RETURNING `+columns, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Job{}, jobs.ErrNoneDue
	} else if err != nil {
		return jobs.Job{}, fmt.Errorf("claiming a job: %w", err)
	}
	return j, nil
}

// Release records a claimed job's outcome while its lease holds.
func (s *Store) Release(ctx context.Context, j jobs.Job) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE jobs SET status = ?, run_at = ?, last_error = ?, attempts = ?, updated_at = ?, lease = ''
		WHERE id = ? AND lease = ? AND lease != '' AND status = ?`,
		string(j.Status), storecodec.Time(j.RunAt), j.LastError, j.Attempts, storecodec.Time(j.UpdatedAt), j.ID, j.Lease, string(jobs.Pending))
	err = sqldb.ChangedOne(res, err, jobs.ErrLeaseLost)
	if errors.Is(err, jobs.ErrLeaseLost) {
		if _, err := s.Job(ctx, j.ID); errors.Is(err, jobs.ErrNotFound) {
			return fmt.Errorf("releasing job %s: %w", j.ID, err)
		}
	}
	if err != nil {
		return fmt.Errorf("releasing job %s: %w", j.ID, err)
	}
	return nil
}

// Job returns the job with id, or jobs.ErrNotFound.
func (s *Store) Job(ctx context.Context, id string) (jobs.Job, error) {
	return sqldb.QueryOne(ctx, s.db, fmt.Sprintf("job %q", id), jobs.ErrNotFound, scan,
		`SELECT `+columns+` FROM jobs WHERE id = ?`, id)
}

// DeleteFinished deletes done and failed jobs last updated before t.
func (s *Store) DeleteFinished(ctx context.Context, before time.Time) (int, error) {
	n, err := sqldb.ExecCount(ctx, s.db, `DELETE FROM jobs WHERE status IN (?, ?) AND updated_at < ?`,
		string(jobs.Done), string(jobs.Failed), storecodec.Time(before))
	if err != nil {
		return 0, fmt.Errorf("deleting finished jobs: %w", err)
	}
	return n, nil
}

// DeleteDone deletes done jobs last updated before t.
func (s *Store) DeleteDone(ctx context.Context, before time.Time) (int, error) {
	n, err := sqldb.ExecCount(ctx, s.db, `DELETE FROM jobs WHERE status = ? AND updated_at < ?`,
		string(jobs.Done), storecodec.Time(before))
	if err != nil {
		return 0, fmt.Errorf("deleting done jobs: %w", err)
	}
	return n, nil
}

// Extend moves a running job's lease end while its lease holds.
func (s *Store) Extend(ctx context.Context, id, lease string, until time.Time) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE jobs SET run_at = ? WHERE id = ? AND lease = ? AND lease != '' AND status = ?`,
		storecodec.Time(until), id, lease, string(jobs.Pending))
	err = sqldb.ChangedOne(res, err, jobs.ErrLeaseLost)
	if errors.Is(err, jobs.ErrLeaseLost) {
		if _, err := s.Job(ctx, id); errors.Is(err, jobs.ErrNotFound) {
			return fmt.Errorf("extending job %s: %w", id, err)
		}
	}
	if err != nil {
		return fmt.Errorf("extending job %s: %w", id, err)
	}
	return nil
}

// Failed returns failed jobs, the last updated first.
func (s *Store) Failed(ctx context.Context, kind string, limit, offset int) ([]jobs.Job, error) {
	if limit <= 0 {
		return nil, nil
	}
	js, err := sqldb.QueryAll(ctx, s.db, scan, `SELECT `+columns+` FROM jobs WHERE status = ? AND (? = '' OR kind = ?)
		ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`, string(jobs.Failed), kind, kind, limit, max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("listing failed jobs: %w", err)
	}
	return js, nil
}

// Retry makes a failed job pending again in one conditional UPDATE.
func (s *Store) Retry(ctx context.Context, id string, now time.Time) (jobs.Job, error) {
	j, err := scan(sqldb.QueryRow(ctx, s.db, `UPDATE jobs SET status = ?, attempts = 0, run_at = ?, updated_at = ?, lease = ''
		WHERE id = ? AND status = ? RETURNING `+columns,
		string(jobs.Pending), storecodec.Time(now), storecodec.Time(now), id, string(jobs.Failed)))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.Job(ctx, id); err != nil {
			return jobs.Job{}, err
		}
		return jobs.Job{}, fmt.Errorf("job %s: %w", id, jobs.ErrNotFailed)
	} else if err != nil {
		return jobs.Job{}, fmt.Errorf("retrying job %s: %w", id, err)
	}
	return j, nil
}

// Hasten moves the pending, unleased job's RunAt to at when at is earlier.
func (s *Store) Hasten(ctx context.Context, id string, at time.Time) (bool, error) {
	n, err := sqldb.ExecCount(ctx, s.db, `UPDATE jobs SET run_at = ? WHERE id = ? AND status = ? AND lease = '' AND run_at > ?`,
		storecodec.Time(at), id, string(jobs.Pending), storecodec.Time(at))
	if err != nil {
		return false, fmt.Errorf("hastening job %s: %w", id, err)
	}
	return n == 1, nil
}

// scan reads one row of columns; an empty payload reads back as nil.
func scan(sc sqldb.Scanner) (jobs.Job, error) {
	var (
		j                       jobs.Job
		runAt, created, updated int64
	)
	if err := sc.Scan(&j.ID, &j.Kind, &j.Payload, &j.Status, &j.Attempts, &runAt, &j.Lease, &j.LastError,
		&created, &updated); err != nil {
		return jobs.Job{}, err
	}
	if len(j.Payload) == 0 {
		j.Payload = nil
	}
	j.RunAt, j.CreatedAt, j.UpdatedAt = storecodec.ParseTime(runAt), storecodec.ParseTime(created), storecodec.ParseTime(updated)
	return j, nil
}

// nonNil returns b, or an empty slice for nil: the driver would bind nil as
// NULL, which the NOT NULL payload column refuses.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
