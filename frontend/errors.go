package frontend

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/account"
	"github.com/berth/berth/audit"
	"github.com/berth/berth/billing"
	"github.com/berth/berth/builds"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/jobs"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/registry/errcode"
	"github.com/berth/berth/webhooks"
)

// apiError is what the client is told of an error: the status, a
// machine-readable code, a message and the field at fault. classify makes
// them; handlers return typed errors instead.
type apiError struct {
	Status  int
	Code    string
	Message string
	Field   string
	// Fields holds every field at fault and what is wrong with each, when
	// the domain found several at once (or one).
	Fields map[string]string
	// LicenseID names the license already held (already_licensed).
	LicenseID string
}

func (e *apiError) Error() string { return e.Message }

// requestProblems are the statuses and codes of requestError's problems.
var requestProblems = map[problem]apiError{
	malformed:     {Status: http.StatusBadRequest, Code: "bad_request"},
	unprocessable: {Status: http.StatusUnprocessableEntity, Code: "invalid"},
	wrongMedia:    {Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type"},
	noSuchPath:    {Status: http.StatusNotFound, Code: "not_found"},
	noCredential:  {Status: http.StatusUnauthorized, Code: "unauthorized"},
	forged:        {Status: http.StatusForbidden, Code: "csrf"},
	tooFast:       {Status: http.StatusTooManyRequests, Code: "too_many_requests"},
	unconnected:   {Status: http.StatusServiceUnavailable, Code: "unavailable"},
}

// errInternal is what any error classify does not recognise answers: its
// details are logged, never sent.
var errInternal = apiError{Status: http.StatusInternalServerError, Code: "internal",
	Message: "something went wrong on our side; it has been logged"}

// classify maps an error to what the client is told, by its type: this is
// the one place statuses are chosen.
func classify(err error) *apiError {
	ae := leafError(err)
	if ae == nil {
		for _, match := range []func(error) *apiError{frontendError, directoryError, accountError, catalogError, licensingError, billingError, otherError} {
			if ae = match(err); ae != nil {
				break
			}
		}
	}
	if ae == nil {
		out := errInternal
		return &out
	}
	if ae.Status < http.StatusInternalServerError {
		if fields := fieldProblems(err); len(fields) > 0 {
			out := *ae
			out.Fields = fields
			if len(fields) > 1 {
				out.Message = summary(fields)
			}
			return &out
		}
	}
	return ae
}

// frontendError maps the errors this package makes, and refusals.
func frontendError(err error) *apiError {
	var described *describedError
	var ae *apiError
	var re *requestError
	var refused *access.RefusedError
	var auditInvalid *audit.InvalidError
	if ae := supplyError(err); ae != nil { // the publisher and listings services
		return ae
	}
	switch {
	case errors.As(err, &auditInvalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: auditInvalid.Field, Message: auditInvalid.Error()}
	case errors.As(err, &described):
		out := *classify(described.err)
		if out.Status < http.StatusInternalServerError {
			out.Message = described.msg
			if described.field != "" {
				out.Field = described.field
			}
		}
		return &out
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &re):
		out, ok := requestProblems[re.problem]
		if !ok {
			return nil
		}
		out.Field, out.Message = re.field, re.msg
		if re.code != "" {
			out.Code = re.code
		}
		return &out
	case errors.As(err, &refused):
		return refusalError(refused.Decision)
	}
	return nil
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

func accountError(err error) *apiError {
	var invalid *account.InvalidError
	var soleOwner *account.SoleOwnerError
	var tooMany *account.TooManyAttemptsError
	switch {
	case errors.As(err, &tooMany):
		return &apiError{Status: http.StatusTooManyRequests, Code: "too_many_requests", Message: tooMany.Error()}
	case errors.As(err, &invalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: invalid.Field, Message: invalid.Error()}
	case errors.As(err, &soleOwner):
		return &apiError{Status: http.StatusConflict, Code: "sole_owner", Message: soleOwner.Error()}
	case errors.Is(err, account.ErrNameReserved):
		return &apiError{Status: http.StatusConflict, Code: "reserved", Message: rootMessage(err)}
	case errors.Is(err, account.ErrUsernameTaken), errors.Is(err, account.ErrNamespaceTaken),
		errors.Is(err, account.ErrLastOwner), errors.Is(err, account.ErrStale):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: rootMessage(err)}
	case errors.Is(err, account.ErrForbidden):
		return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: rootMessage(err)}
	case errors.Is(err, account.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "not found"}
	case errors.Is(err, account.ErrBadCredentials):
		return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "incorrect username or password"}
	}
	return nil
}

func catalogError(err error) *apiError {
	var invalid *catalog.InvalidError
	switch {
	case errors.As(err, &invalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: invalid.Field, Message: invalid.Error()}
	case errors.Is(err, catalog.ErrRepositoryExists):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: rootMessage(err)}
	case errors.Is(err, catalog.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	}
	return nil
}

func licensingError(err error) *apiError {
	if ae := tokenServerError(err); ae != nil {
		return ae
	}
	var already *licensing.AlreadyLicensedError
	var stale *licensing.StaleTermsError
	var notAccepted *licensing.TermsNotAcceptedError
	switch {
	case errors.As(err, &already):
		return &apiError{Status: http.StatusConflict, Code: "already_licensed", Message: already.Error(), LicenseID: already.LicenseID}
	case errors.As(err, &stale):
		return &apiError{Status: http.StatusConflict, Code: "stale_terms", Field: "version", Message: stale.Error()}
	case errors.As(err, &notAccepted):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "accept_terms", Message: notAccepted.Error()}
	case errors.Is(err, licensing.ErrTierWithdrawn):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: rootMessage(err)}
	case errors.Is(err, licensing.ErrTierNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	case errors.Is(err, licensing.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "license not found"}
	case errors.Is(err, licensing.ErrPaymentRequired):
		return errPaymentsOff()
	}
	return nil
}

// tokenServerError maps the token server's refusals: the registry error
// format turns "denied" into DENIED and 401s into UNAUTHORIZED.
func tokenServerError(err error) *apiError {
	var inactive *licensing.InactiveLicenseError
	var scope *licensing.ScopeError
	switch {
	case errors.As(err, &inactive):
		return &apiError{Status: http.StatusUnauthorized, Code: "denied", Message: inactive.Error() + ": it no longer grants pulls"}
	case errors.Is(err, licensing.ErrBadCredentials):
		return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: rootMessage(err)}
	case errors.Is(err, licensing.ErrUnknownService):
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_request", Message: err.Error()}
	case errors.As(err, &scope):
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_scope", Message: scope.Error()}
	}
	return nil
}

// errPaymentsOff answers a paid tier asked for where Stripe is not set up:
// the buyer's request is fine, the tier is just not for sale here (409).
func errPaymentsOff() *apiError {
	return &apiError{Status: http.StatusConflict, Code: "not_on_sale", Message: notOnSale}
}

// notOnSale is what buyers read about a paid tier where Berth takes no
// payments, on the product page and when a checkout is forced.
const notOnSale = "This tier is not on sale here yet."

func billingError(err error) *apiError {
	var quantity *billing.QuantityError
	switch {
	case errors.Is(err, billing.ErrNotConfigured):
		return errPaymentsOff()
	case errors.Is(err, billing.ErrBadSignature):
		return &apiError{Status: http.StatusBadRequest, Code: "bad_signature", Message: "the Stripe-Signature header does not verify for this payload, or its timestamp is outside the tolerance"}
	case errors.As(err, &quantity):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "quantity", Message: quantity.Error()}
	case errors.Is(err, billing.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "order not found"}
	case errors.Is(err, billing.ErrBusy), errors.Is(err, billing.ErrStale):
		// Other events of the same order hold it (on this or another
		// instance): Stripe delivers this one again later.
		return &apiError{Status: http.StatusServiceUnavailable, Code: "busy", Message: "this order is being updated by other events; deliver this one again"}
	}
	return nil
}

// otherError maps webhooks' errors and fiber's own (unknown routes).
func otherError(err error) *apiError {
	var invalid *webhooks.InvalidError
	var fe *fiber.Error
	var source *builds.SourceError
	switch {
	case errors.As(err, &invalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: invalid.Field, Message: invalid.Error()}
	case errors.Is(err, webhooks.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: rootMessage(err)}
	case errors.Is(err, builds.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no such build, or no build settings for this repository"}
	case errors.Is(err, builds.ErrBadSignature):
		return &apiError{Status: http.StatusUnauthorized, Code: "bad_signature", Message: "the webhook's signature or secret is missing or wrong"}
	case errors.As(err, &source):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "source_unreachable", Field: "source.url", Message: rootMessage(err)}
	case errors.Is(err, jobs.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: rootMessage(err)}
	case errors.Is(err, jobs.ErrNotFailed):
		return &apiError{Status: http.StatusConflict, Code: "not_failed", Message: rootMessage(err)}
	case errors.As(err, &fe):
		return &apiError{Status: fe.Code, Code: strings.ReplaceAll(strings.ToLower(http.StatusText(fe.Code)), " ", "_"), Message: fe.Message}
	}
	return nil
}

// isNotFound reports whether err answers 404: what was asked for is not
// there, or not there for this caller.
func isNotFound(err error) bool { return err != nil && classify(err).Status == http.StatusNotFound }

// clientError returns what the client is told of err when err is the
// client's to fix (a 4xx), for pages that show it beside a form.
func clientError(err error) (*apiError, bool) {
	if err == nil {
		return nil, false
	}
	ae := classify(err)
	return ae, ae.Status < http.StatusInternalServerError
}

// isFormError reports whether err is the visitor's to fix by changing
// what they typed, rather than a refusal, a missing page or a failure.
func isFormError(ae *apiError) bool {
	return ae.Status < http.StatusInternalServerError && ae.Status != http.StatusForbidden && ae.Status != http.StatusNotFound
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
		c.Set(fiber.HeaderContentType, errcode.ContentType)
		return c.Status(ae.Status).Send(errcode.Body(registryCode(ae), ae.Message))
	case strings.HasPrefix(path, "/api/"):
		body := fiber.Map{"code": ae.Code, "message": ae.Message}
		if ae.Field != "" {
			// The input field at fault ("tiers"); fields pinpoints
			// within it ("tiers.0.price").
			field, _, _ := strings.Cut(ae.Field, ".")
			body["field"] = field
		}
		if len(ae.Fields) > 0 {
			body["fields"] = ae.Fields
		}
		if ae.LicenseID != "" {
			body["license_id"] = ae.LicenseID
		}
		return c.Status(ae.Status).JSON(fiber.Map{"error": body})
	default:
		return h.errorPage(c, ae)
	}
}

// registryCode is the registry error code of ae: DENIED for a refusal,
// UNAUTHORIZED for a missing or wrong credential, else its own code in
// capitals.
func registryCode(ae *apiError) string {
	switch {
	case ae.Code == "denied" || ae.Status == http.StatusForbidden:
		return errcode.Denied
	case ae.Status == http.StatusUnauthorized:
		return errcode.Unauthorized
	}
	return strings.ToUpper(ae.Code)
}
