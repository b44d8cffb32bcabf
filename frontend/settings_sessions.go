package frontend

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// activeSessionJSON is one signed-in browser as listed; never its token
// or hash. Current marks the session making the request.
type activeSessionJSON struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	UserAgent  string    `json:"user_agent"`
	Address    string    `json:"address"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func activeSessionOf(s account.Session, current string) activeSessionJSON {
	return activeSessionJSON{ID: s.ID, Current: s.ID == current, UserAgent: s.UserAgent, Address: s.Address,
		CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt}
}

// endSession signs out one of the viewer's sessions; ending the one in use
// also clears its cookie. It reports whether that happened.
func (h *handlers) endSession(c *fiber.Ctx, v viewer, id string) (bool, error) {
	if err := h.Accounts.EndSession(c.UserContext(), v.User.ID, id); err != nil {
		return false, err
	}
	if v.Session.ID != "" && id == v.Session.ID {
		h.clearSession(c)
		return true, nil
	}
	return false, nil
}

func (h *handlers) endSessionForm(c *fiber.Ctx) error {
	v, ok, err := h.settingsUser(c)
	if !ok {
		return err
	}
	own, err := h.endSession(c, v, c.Params("id"))
	if err != nil {
		return err
	}
	if own {
		return h.done(c, "/", "Signed out")
	}
	return h.settingsDone(c, "Session signed out", "sessions")
}

func (h *handlers) endOtherSessionsForm(c *fiber.Ctx) error {
	v, ok, err := h.settingsUser(c)
	if !ok {
		return err
	}
	n, err := h.Accounts.EndOtherSessions(c.UserContext(), v.User.ID, v.Session.ID)
	if err != nil {
		return err
	}
	return h.settingsDone(c, endedMessage(n), "sessions")
}

// endedMessage tells how many other sessions were signed out.
func endedMessage(n int) string {
	switch n {
	case 0:
		return "There were no other sessions to sign out"
	case 1:
		return "Signed out of 1 other session"
	}
	return fmt.Sprintf("Signed out of %d other sessions", n)
}

func (h *handlers) listSessionsAPI(c *fiber.Ctx) error {
	v, err := h.accountViewer(c)
	if err != nil {
		return err
	}
	ss, err := h.Accounts.Sessions(c.UserContext(), v.User.ID)
	if err != nil {
		return err
	}
	out := make([]activeSessionJSON, 0, len(ss))
	for _, s := range ss {
		out = append(out, activeSessionOf(s, v.Session.ID))
	}
	return c.JSON(fiber.Map{"sessions": out})
}

// endOtherSessionsAPI signs out every session but the one asking; with
// basic credentials, which have no session, every session.
func (h *handlers) endOtherSessionsAPI(c *fiber.Ctx) error {
	v, err := h.accountViewer(c)
	if err != nil {
		return err
	}
	n, err := h.Accounts.EndOtherSessions(c.UserContext(), v.User.ID, v.Session.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ended": n})
}

func (h *handlers) endSessionAPI(c *fiber.Ctx) error {
	v, err := h.accountViewer(c)
	if err != nil {
		return err
	}
	if _, err := h.endSession(c, v, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
