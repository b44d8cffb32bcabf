// Package fielderr is the one shape of a validation failure that names the
// input field at fault, shared by every domain that validates forms
// (catalog listings, build configurations), so that the one error mapper
// in frontend shows each failure beside its field.
package fielderr

import (
	"errors"
	"fmt"
	"strings"
)

// Error reports input that fails validation; Field names the offending
// field ("tiers.0.price", "rules.0.dockerfile").
type Error struct {
	Field   string
	Message string
}

func (e *Error) Error() string { return e.Field + ": " + e.Message }

// List is every field of an input that failed validation, one Error each,
// so that a form can show them all at once. It matches Error (errors.As
// finds the first).
type List []*Error

func (e List) Error() string {
	msgs := make([]string, 0, len(e))
	for _, one := range e {
		msgs = append(msgs, one.Error())
	}
	return strings.Join(msgs, "; ")
}

// Unwrap returns each field's error.
func (e List) Unwrap() []error {
	out := make([]error, 0, len(e))
	for _, one := range e {
		out = append(out, one)
	}
	return out
}

// Addf records a failure of field.
func (e *List) Addf(field, format string, args ...any) {
	*e = append(*e, &Error{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Add records err, an Error or a List, under the field prefix ("" for
// none, "tiers.0." for a tier's fields). Other errors are not the
// visitor's to fix and are not recorded.
func (e *List) Add(prefix string, err error) {
	var many List
	var one *Error
	switch {
	case err == nil:
	case errors.As(err, &many):
		for _, m := range many {
			*e = append(*e, &Error{Field: prefix + m.Field, Message: m.Message})
		}
	case errors.As(err, &one):
		*e = append(*e, &Error{Field: prefix + one.Field, Message: one.Message})
	}
}

// Err is nil when no field failed, the one Error when one did, else all
// of them.
func (e List) Err() error {
	switch len(e) {
	case 0:
		return nil
	case 1:
		return e[0]
	}
	return e
}
