package frontend

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// basicCredentials returns the HTTP basic credentials of the request, or
// empty strings when it has none. Another scheme is an error.
func basicCredentials(c *fiber.Ctx) (string, string, error) {
	header := c.Get(fiber.HeaderAuthorization)
	if header == "" {
		return "", "", nil
	}
	scheme, payload, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "basic") {
		return "", "", &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "use HTTP basic authentication"}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return "", "", &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "malformed basic credentials"}
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "malformed basic credentials"}
	}
	return user, pass, nil
}

// requireUser authenticates the request's basic credentials as an account.
// Sessions and personal access tokens come with the accounts work.
func (h *handlers) requireUser(c *fiber.Ctx) (account.User, error) {
	username, password, err := basicCredentials(c)
	if err != nil {
		return account.User{}, err
	}
	if username == "" {
		return account.User{}, errUnauthorized
	}
	return h.Accounts.Authenticate(c.UserContext(), username, password)
}
