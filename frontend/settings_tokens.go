package frontend

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// maxTokenDays bounds the lifetime a token form may ask for: ten years.
const maxTokenDays = 3650

// accessTokenJSON is a personal access token as listed: never its secret
// or hash, only the hint.
type accessTokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Access     string     `json:"access"`
	Resources  []string   `json:"resources"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func accessTokenOf(t account.AccessToken) accessTokenJSON {
	return accessTokenJSON{ID: t.ID, Name: t.Name, Access: string(t.Access), Resources: nonNil(t.Resources), Hint: t.Hint,
		CreatedAt: t.CreatedAt, ExpiresAt: nullTime(t.ExpiresAt), LastUsedAt: nullTime(t.LastUsedAt)}
}

// nullTime is nil for the zero time, which means "never" in JSON answers.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// splitResources reads a comma-separated list of namespaces and
// repositories, ignoring blanks.
func splitResources(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// expiryInDays turns the number of days typed in the token form into an
// expiry; blank means never.
func expiryInDays(days string, now time.Time) (time.Time, error) {
	days = strings.TrimSpace(days)
	if days == "" {
		return time.Time{}, nil
	}
	n, err := strconv.Atoi(days)
	if err != nil || n < 1 || n > maxTokenDays {
		return time.Time{}, badInput("expires_days",
			"expires_days: enter a whole number of days from 1 to "+strconv.Itoa(maxTokenDays)+", or leave it blank for no expiry")
	}
	return now.AddDate(0, 0, n), nil
}

// createTokenForm makes a token and answers with the settings page itself,
// the secret in it: it is shown this once, and never travels in a URL.
func (h *handlers) createTokenForm(c *fiber.Ctx) error {
	v, ok, err := h.settingsUser(c)
	if !ok {
		return err
	}
	values := map[string]string{"name": c.FormValue("name"), "access": c.FormValue("access"),
		"resources": c.FormValue("resources"), "expires_days": c.FormValue("expires_days")}
	expires, err := expiryInDays(values["expires_days"], time.Now())
	if err != nil {
		return h.settingsRefused(c, v, err, "tokens", values)
	}
	in := account.NewToken{Name: values["name"], Access: account.TokenAccess(values["access"]),
		Resources: splitResources(values["resources"]), ExpiresAt: expires}
	t, secret, err := h.Accounts.CreateToken(c.UserContext(), v.User.ID, in)
	if err != nil {
		return h.settingsRefused(c, v, err, "tokens", values)
	}
	return h.renderSettings(c, v, http.StatusOK, func(d *settingsView) { d.NewToken, d.Secret = &t, secret })
}

func (h *handlers) revokeTokenForm(c *fiber.Ctx) error {
	v, ok, err := h.settingsUser(c)
	if !ok {
		return err
	}
	if err := h.Accounts.RevokeToken(c.UserContext(), v.User.ID, c.Params("id")); err != nil {
		return err
	}
	return h.settingsDone(c, "Token revoked: it no longer works", "tokens")
}

func (h *handlers) listTokensAPI(c *fiber.Ctx) error {
	v, err := h.accountViewer(c)
	if err != nil {
		return err
	}
	ts, err := h.Accounts.Tokens(c.UserContext(), v.User.ID)
	if err != nil {
		return err
	}
	out := make([]accessTokenJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, accessTokenOf(t))
	}
	return c.JSON(fiber.Map{"tokens": out})
}

// createTokenAPI makes a token; this answer is the only one ever to hold
// its secret.
func (h *handlers) createTokenAPI(c *fiber.Ctx) error {
	v, err := h.accountViewer(c)
	if err != nil {
		return err
	}
	var in struct {
		Name      string     `json:"name"`
		Access    string     `json:"access"`
		Resources []string   `json:"resources"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	req := account.NewToken{Name: in.Name, Access: account.TokenAccess(in.Access), Resources: in.Resources}
	if in.ExpiresAt != nil {
		req.ExpiresAt = *in.ExpiresAt
	}
	t, secret, err := h.Accounts.CreateToken(c.UserContext(), v.User.ID, req)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(http.StatusCreated).JSON(fiber.Map{"token": accessTokenOf(t), "secret": secret})
}

func (h *handlers) revokeTokenAPI(c *fiber.Ctx) error {
	v, err := h.accountViewer(c)
	if err != nil {
		return err
	}
	if err := h.Accounts.RevokeToken(c.UserContext(), v.User.ID, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
