package frontend

import "github.com/gofiber/fiber/v2"

// The route groups below are filled in by their own files as the accounts
// work lands; each registers its pages on app and its JSON API on api.

func (h *handlers) settingsRoutes(app *fiber.App, api fiber.Router)   {}
func (h *handlers) profileRoutes(app *fiber.App, api fiber.Router)    {}
func (h *handlers) orgRoutes(app *fiber.App, api fiber.Router)        {}
func (h *handlers) repositoryRoutes(app *fiber.App, api fiber.Router) {}
func (h *handlers) adminRoutes(app *fiber.App, api fiber.Router)      {}
