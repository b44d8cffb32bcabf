package frontend

import "github.com/gofiber/fiber/v2"

// orgRoutes registers the orgs pages on app and their JSON API on api.
func (h *handlers) orgRoutes(app *fiber.App, api fiber.Router) {}
