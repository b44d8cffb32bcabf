package frontend

import "github.com/gofiber/fiber/v2"

// repositoryRoutes registers the repositories pages on app and their JSON API on api.
func (h *handlers) repositoryRoutes(app *fiber.App, api fiber.Router) {}
