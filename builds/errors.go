package builds

import (
	"errors"
	"fmt"
	"strings"
)

// InvalidError reports input that fails validation; Field names the
// offending field ("rules.0.dockerfile").
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Message }

// FieldErrors is every field of a build configuration that failed
// validation, one InvalidError each, so that a form can show them all at
// once. It matches InvalidError (errors.As finds the first).
type FieldErrors []*InvalidError

func (e FieldErrors) Error() string {
	msgs := make([]string, 0, len(e))
	for _, one := range e {
		msgs = append(msgs, one.Error())
	}
	return strings.Join(msgs, "; ")
}

// Unwrap returns each field's error.
func (e FieldErrors) Unwrap() []error {
	out := make([]error, 0, len(e))
	for _, one := range e {
		out = append(out, one)
	}
	return out
}

// addf records a failure of field.
func (e *FieldErrors) addf(field, format string, args ...any) {
	*e = append(*e, &InvalidError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err is nil when no field failed, the one InvalidError when one did,
// else all of them.
func (e FieldErrors) err() error {
	switch len(e) {
	case 0:
		return nil
	case 1:
		return e[0]
	}
	return e
}

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
