package frontend

import (
	"errors"
	"net/http"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publisher"
)

// supplyError maps the publisher and listings services' errors to what
// the client is told, or returns nil for any other error.
func supplyError(err error) *apiError {
	var invalid *publisher.InvalidError
	var conflict *publisher.ConflictError
	switch {
	case errors.As(err, &invalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: invalid.Field, Message: invalid.Error()}
	case errors.As(err, &conflict):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Field: conflict.Field, Message: conflict.Error()}
	case errors.Is(err, publisher.ErrNotApproved), errors.Is(err, catalog.ErrSellerNotApproved):
		return &apiError{Status: http.StatusConflict, Code: "not_approved", Message: err.Error()}
	case errors.Is(err, publisher.ErrExpired):
		return &apiError{Status: http.StatusConflict, Code: "expired", Message: err.Error()}
	case errors.Is(err, publisher.ErrNamespaceTaken), errors.Is(err, publisher.ErrConflict), errors.Is(err, publisher.ErrPendingLimit):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
	case errors.Is(err, catalog.ErrSlugTaken):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Field: "slug", Message: err.Error()}
	case errors.Is(err, publisher.ErrNotPusher):
		return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: err.Error()}
	case errors.Is(err, publisher.ErrBuildKeyRevoked):
		return &apiError{Status: http.StatusConflict, Code: "build_key_revoked", Message: err.Error()}
	case errors.Is(err, publisher.ErrNotStaging):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "repository", Message: err.Error()}
	case errors.Is(err, publisher.ErrNotFound), errors.Is(err, publisher.ErrKeyNotFound), errors.Is(err, publisher.ErrNotReleased),
		errors.Is(err, publisher.ErrNoBuildKey):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	}
	return nil
}
