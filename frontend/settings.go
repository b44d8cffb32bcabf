package frontend

import "github.com/gofiber/fiber/v2"

// settingsRoutes registers the settings pages on app and their JSON API on api.
func (h *handlers) settingsRoutes(app *fiber.App, api fiber.Router) {}
