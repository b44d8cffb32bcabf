package builds

import (
	"errors"

	"github.com/berth/berth/internal/fielderr"
)

// InvalidError reports input that fails validation; Field names the
// offending field ("rules.0.dockerfile").
type InvalidError = fielderr.Error

// FieldErrors is every field of a build configuration that failed
// validation, one InvalidError each, so that a form can show them all at
// once.
type FieldErrors = fielderr.List

// Errors a build's source, webhook or builder can end in.
var (
	// ErrBadSignature: a forge webhook's signature or secret is missing or
	// does not match.
	ErrBadSignature = errors.New("webhook signature missing or wrong")
	// ErrNotPush: a forge webhook is of an event other than a push (a ping,
	// an issue), which builds nothing.
	ErrNotPush = errors.New("webhook is not a push")
	// ErrBuildFailed: the builder ran and the build failed; the log says why.
	ErrBuildFailed = errors.New("build failed")
)
