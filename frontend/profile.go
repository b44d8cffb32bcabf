package frontend

import "github.com/gofiber/fiber/v2"

// profileRoutes registers the profile pages on app and their JSON API on api.
func (h *handlers) profileRoutes(app *fiber.App, api fiber.Router) {}
