package frontend

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/directory"
)

// directoryAdminRoutes registers the directory's admin page and API:
// group mappings per provider ("ldap", or an OIDC provider's name), the
// LDAP "test connection", and the admin's link of a local account to a
// directory person after a refused first sign-in. Administrators only.
func (h *handlers) directoryAdminRoutes(app, api routes) {
	app.Get("/admin/directory", access.AdminPage, h.directoryAdminPage)
	app.Post("/admin/directory/:provider/mappings", access.AdminPage, h.addMappingForm)
	app.Post("/admin/directory/:provider/mappings/:id/delete", access.AdminPage, h.deleteMappingForm)
	app.Post("/admin/directory/check", access.AdminPage, h.checkDirectoryForm)
	app.Post("/admin/directory/links", access.AdminPage, h.linkAccountForm)

	api.Get("/admin/directory/:provider/mappings", access.Administer, h.mappingsAPI)
	api.Post("/admin/directory/:provider/mappings", access.Administer, h.addMappingAPI)
	api.Delete("/admin/directory/:provider/mappings/:id", access.Administer, h.deleteMappingAPI)
	api.Post("/admin/directory/check", access.Administer, h.checkDirectoryAPI)
	api.Post("/admin/directory/links", access.Administer, h.linkAccountAPI)
}

// providerKey names the LDAP directory in admin paths; OIDC providers go
// by their configured names.
const providerKey = "ldap"

// service returns the directory service of a provider key, or
// directory.ErrNotFound when it is not configured.
func (d *Directory) service(key string) (*directory.Service, error) {
	if d == nil {
		return nil, directory.ErrNotFound
	}
	if key == providerKey {
		if d.Password == nil {
			return nil, directory.ErrNotFound
		}
		return d.Password, nil
	}
	p, err := d.provider(key)
	return p.Service, err
}

// mappingJSON is a group mapping in the API.
type mappingJSON struct {
	ID    string `json:"id"`
	Group string `json:"group"`
	Org   string `json:"org"`
	Team  string `json:"team,omitempty"`
	Role  string `json:"role"`
}

func mappingOf(m directory.Mapping) mappingJSON {
	return mappingJSON{ID: m.ID, Group: m.Group, Org: m.Org, Team: m.Team, Role: m.Role}
}

func (h *handlers) mappingsAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	svc, err := h.Directory.service(c.Params("provider"))
	if err != nil {
		return err
	}
	list, err := svc.Mappings(c.UserContext(), u)
	if err != nil {
		return err
	}
	out := make([]mappingJSON, 0, len(list))
	for _, m := range list {
		out = append(out, mappingOf(m))
	}
	return c.JSON(fiber.Map{"mappings": out})
}

func (h *handlers) addMappingAPI(c *fiber.Ctx) error {
	var in mappingJSON
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	svc, err := h.Directory.service(c.Params("provider"))
	if err != nil {
		return err
	}
	m, err := svc.AddMapping(c.UserContext(), u, directory.Mapping{Group: in.Group, Org: in.Org, Team: in.Team, Role: in.Role})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(mappingOf(m))
}

func (h *handlers) deleteMappingAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	svc, err := h.Directory.service(c.Params("provider"))
	if err != nil {
		return err
	}
	if err := svc.DeleteMapping(c.UserContext(), u, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// checkJSON is what a test connection found.
type checkJSON struct {
	BoundAs string        `json:"bound_as"`
	Probe   *identityJSON `json:"probe,omitempty"`
}

type identityJSON struct {
	DN       string   `json:"dn"`
	Username string   `json:"username"`
	Email    string   `json:"email,omitempty"`
	Groups   []string `json:"groups"`
}

func checkOf(r directory.CheckReport) checkJSON {
	out := checkJSON{BoundAs: r.BoundAs}
	if r.Probe != nil {
		out.Probe = &identityJSON{DN: r.Probe.DN, Username: r.Probe.Username, Email: r.Probe.Email, Groups: r.Probe.Groups}
		if out.Probe.Groups == nil {
			out.Probe.Groups = []string{}
		}
	}
	return out
}

func (h *handlers) checkDirectoryAPI(c *fiber.Ctx) error {
	var in struct {
		Probe string `json:"probe"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	svc, err := h.Directory.service(providerKey)
	if err != nil {
		return err
	}
	r, err := svc.Check(c.UserContext(), u, in.Probe)
	if err != nil {
		return err
	}
	return c.JSON(checkOf(r))
}

func (h *handlers) linkAccountAPI(c *fiber.Ctx) error {
	var in struct {
		Username          string `json:"username"`
		DirectoryUsername string `json:"directory_username"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	svc, err := h.Directory.service(providerKey)
	if err != nil {
		return err
	}
	if err := svc.Link(c.UserContext(), u, in.Username, in.DirectoryUsername); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
