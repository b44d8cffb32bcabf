package frontend

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/licensing"
)

// tokenResponse is the body the distribution token specification defines;
// token and access_token carry the same JWT for old and OAuth2 clients.
type tokenResponse struct {
	Token       string `json:"token"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	IssuedAt    string `json:"issued_at"`
	Scope       string `json:"scope,omitempty"`
}

// tokenGet is the token endpoint for docker-style clients: credentials by
// HTTP basic authentication, one or more scope parameters.
func (h *handlers) tokenGet(c *fiber.Ctx) error {
	args := c.Context().QueryArgs()
	var scopes []string
	for _, v := range args.PeekMulti("scope") {
		scopes = append(scopes, strings.Fields(string(v))...)
	}
	username, password, err := basicCredentials(c)
	if err != nil {
		return err
	}
	return h.issueToken(c, string(args.Peek("service")), scopes, username, password, false)
}

// tokenPost is the OAuth2 form of the token endpoint (grant_type=password).
// Refresh tokens arrive with the licensing work; until then the
// refresh_token grant is refused with the OAuth2 error a client expects.
func (h *handlers) tokenPost(c *fiber.Ctx) error {
	// Only the form body counts: credentials in a query string would end up
	// in proxy and access logs.
	form := c.Request().PostArgs()
	value := func(k string) string { return string(form.Peek(k)) }
	switch value("grant_type") {
	case "password":
	case "refresh_token":
		return &apiError{Status: http.StatusBadRequest, Code: "unsupported_grant_type", Message: "refresh tokens are not offered yet: use grant_type=password"}
	default:
		return &apiError{Status: http.StatusBadRequest, Code: "unsupported_grant_type", Message: "grant_type must be password"}
	}
	username, password := value("username"), value("password")
	if username == "" || password == "" {
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_request", Message: "username and password are required"}
	}
	var scopes []string
	for _, v := range form.PeekMulti("scope") {
		scopes = append(scopes, strings.Fields(string(v))...)
	}
	return h.issueToken(c, value("service"), scopes, username, password, true)
}

func (h *handlers) issueToken(c *fiber.Ctx, service string, rawScopes []string, username, password string, oauth bool) error {
	req := licensing.TokenRequest{Service: service, Username: username, Password: password}
	for _, s := range rawScopes {
		a, err := licensing.ParseScope(s)
		if err != nil {
			return &apiError{Status: http.StatusBadRequest, Code: "invalid_scope", Message: err.Error()}
		}
		req.Scopes = append(req.Scopes, a)
	}
	tok, err := h.Tokens.Issue(c.UserContext(), req)
	if err != nil {
		h.metrics.tokens.WithLabelValues("refused").Inc()
		return tokenError(err)
	}
	h.metrics.tokens.WithLabelValues("issued").Inc()
	c.Set(fiber.HeaderCacheControl, "no-store")
	resp := tokenResponse{
		Token:       tok.Token,
		AccessToken: tok.Token,
		ExpiresIn:   int(tok.ExpiresIn / time.Second),
		IssuedAt:    tok.IssuedAt.Format(time.RFC3339),
	}
	if oauth {
		resp.Scope = scopeString(tok.Access)
	}
	return c.JSON(resp)
}

func tokenError(err error) error {
	var inactive *licensing.InactiveLicenseError
	switch {
	case errors.As(err, &inactive):
		return &apiError{Status: http.StatusUnauthorized, Code: "denied", Message: inactive.Error() + ": it no longer grants pulls"}
	case errors.Is(err, licensing.ErrBadCredentials):
		return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "incorrect username, password or license key"}
	case errors.Is(err, licensing.ErrUnknownService):
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_request", Message: err.Error()}
	}
	return err
}

func scopeString(access []licensing.Access) string {
	parts := make([]string, 0, len(access))
	for _, a := range access {
		t := a.Type
		if a.Class != "" {
			t += "(" + a.Class + ")"
		}
		parts = append(parts, t+":"+a.Name+":"+strings.Join(a.Actions, ","))
	}
	return strings.Join(parts, " ")
}

// jwks serves the public signing keys registries may trust.
func (h *handlers) jwks(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(h.Keys.JWKS())
}
