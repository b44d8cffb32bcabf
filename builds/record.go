package builds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound: no such build.
var ErrNotFound = errors.New("build not found")

// ErrExists: a build with the ID is stored already.
var ErrExists = errors.New("build exists")

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
	// Cause is a link build's chain of upstream repositories, the first
	// pushed image's first ("acme/base", "acme/mid"): a digest this build
	// pushes carries it on, and a repository already in it is not rebuilt
	// again (see Service.Linked). Empty for other triggers.
	Cause []string
	// CancelRequested is set by Cancel (RequestCancel) and by nothing
	// else: UpdateBuild leaves it as it is, so that a worker's own update
	// cannot lose a cancellation made on another instance.
	CancelRequested bool
	CreatedAt       time.Time
	StartedAt       time.Time
	FinishedAt      time.Time
}

// Store keeps build records and their logs.
type Store interface {
	// AddBuild stores a new record, or returns ErrExists when one with its
	// ID is stored: link builds have IDs derived from what caused them.
	AddBuild(ctx context.Context, r Record) error
	// UpdateBuild replaces a stored record's fields but CancelRequested,
	// or returns ErrNotFound.
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
	// RequestCancel sets one of repository's builds' CancelRequested in
	// one write and returns the record as written, or ErrNotFound.
	RequestCancel(ctx context.Context, repository, id string) (Record, error)

	// PutSettings stores a repository's build settings, replacing any.
	PutSettings(ctx context.Context, s StoredSettings) error
	// Settings returns a repository's build settings, or ErrNotFound.
	Settings(ctx context.Context, repository string) (StoredSettings, error)
	// Linked lists, sorted, the repositories whose settings' Links name
	// link ("ns/repo:tag"), through an index: a push of link asks it.
	Linked(ctx context.Context, link string) ([]string, error)

	// AcquireSlot takes the slot key for holder until until, in one
	// conditional write, when it is free, its holding ended before now,
	// or holder holds it already (which extends it); it reports whether
	// holder holds it now. Slots bound how many builds of one account run
	// at once across every instance.
	AcquireSlot(ctx context.Context, key, holder string, now, until time.Time) (bool, error)
	// ReleaseSlot frees the slot key if holder holds it.
	ReleaseSlot(ctx context.Context, key, holder string) error
}

// StoredSettings is a repository's build settings as stored: the secrets
// sealed (see Sealer), each bound to its repository.
type StoredSettings struct {
	Repository string
	URL        string
	HostKey    string
	Rules      []Rule
	Links      []string
	// Token, DeployKeyPrivate and HookSecret are sealed; empty when none.
	Token            []byte
	DeployKeyPublic  string
	DeployKeyPrivate []byte
	HookSecret       []byte
	UpdatedAt        time.Time
}

// ruleJSON is a rule as the stores keep it, one encoding for both.
type ruleJSON struct {
	Type       RuleType          `json:"type"`
	Source     string            `json:"source"`
	Dockerfile string            `json:"dockerfile"`
	Context    string            `json:"context"`
	Tag        string            `json:"tag"`
	BuildArgs  map[string]string `json:"build_args,omitempty"`
	Autobuild  bool              `json:"autobuild"`
}

// EncodeRules is rules as the stores keep them (JSON).
func EncodeRules(rules []Rule) string {
	out := make([]ruleJSON, len(rules))
	for i, r := range rules {
		out[i] = ruleJSON(r)
	}
	b, _ := json.Marshal(out) // maps of strings and strings always encode
	return string(b)
}

// DecodeRules reads what EncodeRules wrote.
func DecodeRules(s string) ([]Rule, error) {
	var in []ruleJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("reading stored build rules: %w", err)
	}
	out := make([]Rule, len(in))
	for i, r := range in {
		out[i] = Rule(r)
	}
	return out, nil
}
