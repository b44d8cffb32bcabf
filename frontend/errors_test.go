package frontend

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/webhooks"
)

// TestClassify: each typed error answers its status, code and field, and
// what classify does not know is a 500 that tells nothing.
func TestClassify(t *testing.T) {
	tests := []struct {
		name         string
		err          error
		status       int
		code, field  string
		msg, regCode string
	}{
		{"malformed body", badRequest("", "send JSON"), 400, "bad_request", "", "send JSON", "BAD_REQUEST"},
		{"bad query", badRequest("limit", "limit: 1 to 50"), 400, "bad_request", "limit", "limit: 1 to 50", "BAD_REQUEST"},
		{"bad field", badInput("tier", "name a tier"), 422, "invalid", "tier", "name a tier", "INVALID"},
		{"not JSON", unsupportedMedia(), 415, "unsupported_media_type", "", "send a JSON body with Content-Type: application/json", "UNSUPPORTED_MEDIA_TYPE"},
		{"no credential", errUnauthorized, 401, "unauthorized", "", errUnauthorized.Error(), "UNAUTHORIZED"},
		{"forged form", errCSRF, 403, "csrf", "", errCSRF.Error(), "DENIED"},
		{"too fast", throttled("wait"), 429, "too_many_requests", "", "wait", "TOO_MANY_REQUESTS"},
		{"no registry", errNoRegistry, 503, "unavailable", "", errNoRegistry.Error(), "UNAVAILABLE"},
		{"token protocol", badTokenRequest("unsupported_grant_type", "grant_type?"), 400, "unsupported_grant_type", "", "grant_type?", "UNSUPPORTED_GRANT_TYPE"},
		{"described not found", describe(fmt.Errorf("reading tag: %w", catalog.ErrNotFound), "from", "no tag 1.2 of acme/db"),
			404, "not_found", "from", "no tag 1.2 of acme/db", "NOT_FOUND"},
		{"described failure tells nothing", describe(errors.New("disk on fire"), "from", "no tag 1.2"),
			500, "internal", "", errInternal.Message, "INTERNAL"},
		{"unknown error", errors.New("connection refused to 10.0.0.7"), 500, "internal", "", errInternal.Message, "INTERNAL"},
		{"stale terms", fmt.Errorf("accepting: %w", &licensing.StaleTermsError{Current: 3}), 409, "stale_terms", "version",
			(&licensing.StaleTermsError{Current: 3}).Error(), "STALE_TERMS"},
		{"terms not accepted", licensing.RequireAccepted(2, false), 422, "invalid", "accept_terms",
			(&licensing.TermsNotAcceptedError{Version: 2}).Error(), "INVALID"},
		{"tier withdrawn", fmt.Errorf("license l1: %w", licensing.ErrTierWithdrawn), 409, "conflict", "", licensing.ErrTierWithdrawn.Error(), "CONFLICT"},
		{"webhook input", &webhooks.InvalidError{Field: "events", Message: "no such event"}, 422, "invalid", "events", "no such event", "INVALID"},
		{"webhook missing", fmt.Errorf("deleting e1: %w", webhooks.ErrNotFound), 404, "not_found", "", webhooks.ErrNotFound.Error(), "NOT_FOUND"},
		{"bad Stripe signature", fmt.Errorf("event: %w", billing.ErrBadSignature), 400, "bad_signature", "",
			"the Stripe-Signature header does not verify for this payload, or its timestamp is outside the tolerance", "BAD_SIGNATURE"},
		{"inactive license", &licensing.InactiveLicenseError{Hint: "abcd", Status: licensing.StatusRevoked}, 401, "denied", "",
			"license key ending abcd is revoked: it no longer grants pulls", "DENIED"},
		{"bad registry credential", fmt.Errorf("issuing: %w", licensing.ErrBadCredentials), 401, "unauthorized", "",
			licensing.ErrBadCredentials.Error(), "UNAUTHORIZED"},
		{"bad scope", &licensing.ScopeError{Scope: "x", Reason: "want type:name:actions"}, 400, "invalid_scope", "",
			(&licensing.ScopeError{Scope: "x", Reason: "want type:name:actions"}).Error(), "INVALID_SCOPE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ae := classify(tt.err)
			if ae.Status != tt.status || ae.Code != tt.code || ae.Field != tt.field || ae.Message != tt.msg {
				t.Errorf("classify = %d %s field %q %q; want %d %s field %q %q", ae.Status, ae.Code, ae.Field, ae.Message, tt.status, tt.code, tt.field, tt.msg)
			}
			if got := registryCode(ae); got != tt.regCode {
				t.Errorf("registry code %s, want %s", got, tt.regCode)
			}
		})
	}
	for p := malformed; p < problemsCount; p++ {
		if ae := classify(&requestError{problem: p, msg: "m"}); ae.Status == http.StatusInternalServerError {
			t.Errorf("request problem %d has no status of its own", p)
		}
	}
}

// TestErrorFormats: the API answers errors as {"error":{...}}, the token
// endpoint in the registry's format with a Basic challenge.
func TestErrorFormats(t *testing.T) {
	h := newAccountsHarness(t)
	h.user("alice")

	req := httptest.NewRequest(http.MethodPost, "/api/v1/users", strings.NewReader(`{"username":`))
	req.Header.Set("Content-Type", "text/plain")
	resp, body := h.do(req)
	wantAPIError(t, "a text body", resp, body, http.StatusUnsupportedMediaType, "unsupported_media_type", "")

	req = httptest.NewRequest(http.MethodPost, "/api/v1/users", strings.NewReader(`{"username":`))
	req.Header.Set("Content-Type", "application/json")
	resp, body = h.do(req)
	wantAPIError(t, "a broken JSON body", resp, body, http.StatusBadRequest, "bad_request", "")

	resp, body = h.do(httptest.NewRequest(http.MethodGet, "/api/v1/repositories/ghost", nil))
	wantAPIError(t, "an unknown namespace", resp, body, http.StatusNotFound, "not_found", "")
	if !strings.Contains(body, "no user or organisation is called ghost") {
		t.Errorf("an unknown namespace: %s; want it named", body)
	}

	req = httptest.NewRequest(http.MethodGet, "/token?service=registry.test", nil)
	req.Header.Set("Authorization", "Basic not-base64!")
	resp, body = h.do(req)
	var doc struct {
		Errors []struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || resp.StatusCode != http.StatusUnauthorized ||
		len(doc.Errors) != 1 || doc.Errors[0].Code != "UNAUTHORIZED" || doc.Errors[0].Message == "" {
		t.Errorf("/token with malformed credentials: %d %s; want 401 with one UNAUTHORIZED error", resp.StatusCode, body)
	}
	if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic ") {
		t.Errorf("/token with malformed credentials challenges with %q, want Basic", got)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("/token error Content-Type %q, want JSON", got)
	}
}

// wantAPIError fails unless the API answered status with code and field.
func wantAPIError(t *testing.T, what string, resp *http.Response, body string, status int, code, field string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message, Field string }
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != status || e.Error.Code != code ||
		e.Error.Field != field || e.Error.Message == "" {
		t.Errorf("%s: %d %s; want %d %s field %q with a message", what, resp.StatusCode, body, status, code, field)
	}
}
