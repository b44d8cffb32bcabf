package frontend

import "github.com/gofiber/fiber/v2"

// adminRoutes registers the admin pages on app and their JSON API on api.
func (h *handlers) adminRoutes(app *fiber.App, api fiber.Router) {}
