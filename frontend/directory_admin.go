package frontend

func (h *handlers) directoryAdminRoutes(app, api routes) {}
