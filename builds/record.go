package builds

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound: no such build.
var ErrNotFound = errors.New("build not found")

// Status is where a build is.
type Status string

// Build statuses; the last three are final.
const (
	Queued    Status = "queued"
	Running   Status = "running"
	Succeeded Status = "succeeded"
	Failed    Status = "failed"
	Cancelled Status = "cancelled"
)

// Trigger says what started a build.
type Trigger string

// Build triggers.
const (
	TriggerPush   Trigger = "push"   // a forge webhook
	TriggerManual Trigger = "manual" // the Trigger button or the API
	TriggerLink   Trigger = "link"   // a linked image got a new digest
)

// Record is one build in a repository's history.
type Record struct {
	ID         string
	Repository string // "ns/repo"
	Rule       int
	Ref        Ref
	Commit     string
	Tags       []string
	Digest     string // the pushed manifest's, once succeeded
	Status     Status
	Trigger    Trigger
	Error      string // why it failed, in words for the user
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
}

// Store keeps build records and their logs.
type Store interface {
	// AddBuild stores a new record.
	AddBuild(ctx context.Context, r Record) error
	// UpdateBuild replaces a stored record's fields, or returns ErrNotFound.
	UpdateBuild(ctx context.Context, r Record) error
	// Build returns one of repository's builds, or ErrNotFound; another
	// repository's build is not found.
	Build(ctx context.Context, repository, id string) (Record, error)
	// Builds lists repository's builds, newest first, at most limit.
	Builds(ctx context.Context, repository string, limit int) ([]Record, error)
	// AppendLog stores the chunk of a build's log that starts at offset;
	// storing the same offset again does nothing, so a retried append
	// cannot repeat text.
	AppendLog(ctx context.Context, id string, offset int64, chunk []byte) error
	// Log returns a build's log from offset on (nil when there is none).
	Log(ctx context.Context, id string, offset int64) ([]byte, error)
}
