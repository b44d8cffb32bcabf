package frontend

import (
	"errors"
	"net/http"

	"github.com/berth/berth/builds"
)

// buildsError maps the builds domain's errors; its field errors are
// fielderr's, which catalogError already maps.
func buildsError(err error) *apiError {
	if errors.Is(err, builds.ErrNotFound) {
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: rootMessage(err)}
	}
	return nil
}
