package frontend

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/directory"
)

// directoryAdminView is the admin page of the company directory.
type directoryAdminView struct {
	Providers []directoryProviderView
	Check     *checkJSON
	Form      form
	// Section names the form an error belongs to: mapping-<key>, check, link.
	Section string
	HasLDAP bool
}

// directoryProviderView is one provider and its group mappings.
type directoryProviderView struct {
	Key         string // "ldap" or the OIDC provider's name
	DisplayName string
	Mappings    []directory.Mapping
}

// directoryAdminData reads every provider's mappings.
func (h *handlers) directoryAdminData(c *fiber.Ctx) (directoryAdminView, error) {
	u, err := h.requireUser(c)
	if err != nil {
		return directoryAdminView{}, err
	}
	var v directoryAdminView
	if h.Directory == nil {
		return v, nil
	}
	keys := []directoryProviderView{}
	if h.Directory.Password != nil {
		v.HasLDAP = true
		keys = append(keys, directoryProviderView{Key: providerKey, DisplayName: "LDAP directory"})
	}
	for _, p := range h.Directory.Providers {
		keys = append(keys, directoryProviderView{Key: p.Name, DisplayName: p.DisplayName})
	}
	for _, p := range keys {
		svc, err := h.Directory.service(p.Key)
		if err != nil {
			return v, err
		}
		if p.Mappings, err = svc.Mappings(c.UserContext(), u); err != nil {
			return v, err
		}
		v.Providers = append(v.Providers, p)
	}
	return v, nil
}

// renderDirectoryAdmin shows the page, with edit's additions.
func (h *handlers) renderDirectoryAdmin(c *fiber.Ctx, status int, edit func(*directoryAdminView)) error {
	v, err := h.directoryAdminData(c)
	if err != nil {
		return err
	}
	if edit != nil {
		edit(&v)
	}
	return h.render(c, status, "admin_directory", "Directory", v)
}

// directoryRefused shows the page again with err beside the form of
// section, or passes on an error that is not the admin's to fix.
func (h *handlers) directoryRefused(c *fiber.Ctx, err error, section string, values map[string]string) error {
	f, ferr := formError(err, values)
	if ferr != nil {
		return ferr
	}
	return h.renderDirectoryAdmin(c, classify(err).Status, func(v *directoryAdminView) { v.Form, v.Section = f, section })
}

func (h *handlers) directoryAdminPage(c *fiber.Ctx) error {
	return h.renderDirectoryAdmin(c, http.StatusOK, nil)
}

func (h *handlers) addMappingForm(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	key := c.Params("provider")
	svc, err := h.Directory.service(key)
	if err != nil {
		return err
	}
	in := directory.Mapping{Group: c.FormValue("group"), Org: c.FormValue("org"), Team: c.FormValue("team"), Role: c.FormValue("role")}
	if _, err := svc.AddMapping(c.UserContext(), u, in); err != nil {
		return h.directoryRefused(c, err, "mapping-"+key, map[string]string{"group": in.Group, "org": in.Org, "team": in.Team, "role": in.Role})
	}
	return h.done(c, "/admin/directory#mappings-"+key, "Group "+in.Group+" now maps to "+in.Org+".")
}

func (h *handlers) deleteMappingForm(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	key := c.Params("provider")
	svc, err := h.Directory.service(key)
	if err != nil {
		return err
	}
	if err := svc.DeleteMapping(c.UserContext(), u, c.Params("id")); err != nil {
		return err
	}
	return h.done(c, "/admin/directory#mappings-"+key, "Mapping deleted; memberships follow at each person's next sign-in or sync.")
}

func (h *handlers) checkDirectoryForm(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	svc, err := h.Directory.service(providerKey)
	if err != nil {
		return err
	}
	probe := c.FormValue("probe")
	r, err := svc.Check(c.UserContext(), u, probe)
	if err != nil {
		return h.directoryRefused(c, err, "check", map[string]string{"probe": probe})
	}
	report := checkOf(r)
	return h.renderDirectoryAdmin(c, http.StatusOK, func(v *directoryAdminView) { v.Check = &report })
}

func (h *handlers) linkAccountForm(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	svc, err := h.Directory.service(providerKey)
	if err != nil {
		return err
	}
	berthName, dirName := c.FormValue("username"), c.FormValue("directory_username")
	if err := svc.Link(c.UserContext(), u, berthName, dirName); err != nil {
		return h.directoryRefused(c, err, "link", map[string]string{"username": berthName, "directory_username": dirName})
	}
	return h.done(c, "/admin/directory#link", berthName+" is linked to the directory's "+dirName+".")
}
