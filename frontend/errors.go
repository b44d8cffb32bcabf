package frontend

import (
	"errors"
	"github.com/berth/berth/access"
	"github.com/berth/berth/audit"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/billing"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

// apiError is an error with the status and machine-readable code the client sees.
type apiError struct {
	Status  int
	Code    string
	Message string
	Field   string
}

func (e *apiError) Error() string { return e.Message }

// errUnauthorized asks for credentials.
var errUnauthorized = &apiError{Status: http.StatusUnauthorized, Code: "unauthorized",
	Message: "sign in: send your username and password with HTTP basic authentication"}

// classify maps an error to what the client is told. Anything it does not
// recognise is a 500 whose details are logged, never sent.
func classify(err error) *apiError {
	var ae *apiError
	var invalid *account.InvalidError
	var already *licensing.AlreadyLicensedError
	var catInvalid *catalog.InvalidError
	var soleOwner *account.SoleOwnerError
	var fe *fiber.Error
	var quantity *billing.QuantityError
	var tooMany *account.TooManyAttemptsError
	var refused *access.RefusedError
	var auditInvalid *audit.InvalidError
	if ae := supplyError(err); ae != nil { // the publisher and listings services
		return ae
	}
	switch {
	case errors.As(err, &auditInvalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: auditInvalid.Field, Message: auditInvalid.Error()}
	case errors.As(err, &refused):
		return refusalError(refused.Decision)
	case errors.As(err, &tooMany):
		return &apiError{Status: http.StatusTooManyRequests, Code: "too_many_requests", Message: tooMany.Error()}
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &invalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: invalid.Field, Message: invalid.Error()}
	case errors.Is(err, account.ErrUsernameTaken), errors.Is(err, account.ErrNamespaceTaken), errors.Is(err, catalog.ErrRepositoryExists):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: rootMessage(err)}
	case errors.As(err, &catInvalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: catInvalid.Field, Message: catInvalid.Error()}
	case errors.As(err, &soleOwner):
		return &apiError{Status: http.StatusConflict, Code: "sole_owner", Message: soleOwner.Error()}
	case errors.Is(err, account.ErrLastOwner), errors.Is(err, account.ErrStale):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: rootMessage(err)}
	case errors.Is(err, account.ErrForbidden):
		return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: rootMessage(err)}
	case errors.Is(err, account.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "not found"}
	case errors.As(err, &already):
		return &apiError{Status: http.StatusConflict, Code: "already_licensed", Message: already.Error()}
	case errors.Is(err, catalog.ErrNotFound), errors.Is(err, licensing.ErrTierNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	case errors.Is(err, licensing.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "license not found"}
	case errors.Is(err, licensing.ErrPaymentRequired), errors.Is(err, billing.ErrNotConfigured):
		return &apiError{Status: http.StatusServiceUnavailable, Code: "payments_not_configured",
			Message: "payments are not configured on this Berth (no Stripe keys): paid tiers cannot be bought here; an operator can grant them with `berth license grant`"}
	case errors.As(err, &quantity):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "quantity", Message: quantity.Error()}
	case errors.Is(err, billing.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "order not found"}
	case errors.Is(err, account.ErrBadCredentials), errors.Is(err, licensing.ErrBadCredentials):
		return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "incorrect username or password"}
	case errors.As(err, &fe):
		return &apiError{Status: fe.Code, Code: strings.ReplaceAll(strings.ToLower(http.StatusText(fe.Code)), " ", "_"), Message: fe.Message}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "something went wrong on our side; it has been logged"}
}

// refusalError is what a refused authorization decision answers.
func refusalError(d access.Decision) *apiError {
	switch d.Outcome {
	case access.Forbidden:
		return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: d.Reason}
	case access.Hidden:
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: d.Reason}
	}
	return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: d.Reason}
}

// rootMessage is the message of the innermost wrapped error: the domain's
// sentinel text, without internal context.
func rootMessage(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// handleError is fiber's one error handler: API and token errors as JSON in
// their formats, pages as an HTML error page.
func (h *handlers) handleError(c *fiber.Ctx, err error) error {
	ae := classify(err)
	var tooMany *account.TooManyAttemptsError
	if errors.As(err, &tooMany) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(tooMany.RetryAfter.Seconds())+1))
	}
	switch {
	case errors.Is(err, fiber.ErrBadGateway):
		// fiber's name for a connection that failed while a request was
		// read (a client gone, or one Berth closed at shutdown): no fault
		// of the server's.
		h.Logger.Debug("reading a request failed", "err", err)
	case ae.Status >= 500 && ae.Status != http.StatusServiceUnavailable:
		h.Logger.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	path := c.Path()
	switch {
	case path == "/token":
		// Only the token endpoint challenges for Basic credentials: a
		// browser that cached credentials for the API would send them
		// with a cross-site form post too.
		if ae.Status == http.StatusUnauthorized {
			c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="Berth", charset="UTF-8"`)
		}
		return c.Status(ae.Status).JSON(registryErrors(ae))
	case strings.HasPrefix(path, "/api/"):
		body := fiber.Map{"code": ae.Code, "message": ae.Message}
		if ae.Field != "" {
			body["field"] = ae.Field
		}
		return c.Status(ae.Status).JSON(fiber.Map{"error": body})
	default:
		return h.errorPage(c, ae)
	}
}

// registryErrors renders an error in the registry's JSON error format.
func registryErrors(ae *apiError) fiber.Map {
	code := strings.ToUpper(ae.Code)
	switch {
	case ae.Code == "denied" || ae.Status == http.StatusForbidden:
		code = "DENIED"
	case ae.Status == http.StatusUnauthorized:
		code = "UNAUTHORIZED"
	}
	return fiber.Map{"errors": []fiber.Map{{"code": code, "message": ae.Message}}}
}
