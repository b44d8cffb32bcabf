package frontend

import (
	"errors"
	"net/http"

	"github.com/berth/berth/directory"
)

// directoryError maps the company directory's errors: a refused password
// is 401, a name held by an unlinked account or an identity already linked
// is a conflict for an admin to resolve, local passwords switched off is
// 403, and a directory that does not answer is an outage (503), never a
// wrong password.
func directoryError(err error) *apiError {
	var clash *directory.ClashError
	var invalid *directory.InvalidError
	switch {
	case errors.As(err, &clash):
		return &apiError{Status: http.StatusConflict, Code: "clash", Message: clash.Error()}
	case errors.As(err, &invalid):
		return &apiError{Status: http.StatusBadRequest, Code: "invalid", Field: invalid.Field, Message: invalid.Error()}
	case errors.Is(err, directory.ErrBadCredentials):
		return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "incorrect username or password"}
	case errors.Is(err, directory.ErrLinked), errors.Is(err, directory.ErrDuplicateMapping):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: rootMessage(err)}
	case errors.Is(err, directory.ErrLocalDisabled):
		return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: rootMessage(err)}
	case errors.Is(err, directory.ErrUnavailable):
		return &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: directory.ErrUnavailable.Error() + "; try again shortly"}
	case errors.Is(err, directory.ErrBadState):
		return &apiError{Status: http.StatusBadRequest, Code: "bad_state", Message: directory.ErrBadState.Error()}
	case errors.Is(err, directory.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "not found"}
	}
	return nil
}
