package frontend

import (
	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/builds"
)

// buildBadgeColors are the badge's colours for each status.
var buildBadgeColors = map[builds.Status]string{
	builds.Queued: "#dfb317", builds.Running: "#007ec6", builds.Succeeded: "#44cc11",
	builds.Failed: "#e05d44", builds.Cancelled: "#9f9f9f",
}

// buildBadge serves the latest build's status as an SVG badge for a
// README: public for a public repository, as the repository is. A
// repository that never built shows "none" rather than an error, so an
// embedded image never breaks.
func (h *handlers) buildBadge(c *fiber.Ctx) error {
	a, err := h.buildsRepo(c)
	if err != nil {
		return err
	}
	value, color := "none", "#9f9f9f"
	r, err := h.Builds.Latest(c.UserContext(), a.Repo.Name)
	switch {
	case isNotFound(err):
	case err != nil:
		return err
	default:
		value, color = string(r.Status), buildBadgeColors[r.Status]
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml; charset=utf-8")
	// A status changes within minutes: README views may cache it briefly.
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	if a.Repo.Private {
		c.Set(fiber.HeaderCacheControl, "private, max-age=60")
	}
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	return c.SendString(badgeSVG("build", value, color))
}
