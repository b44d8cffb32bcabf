package frontend

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// adminUserJSON is a user as an admin sees it.
type adminUserJSON struct {
	userJSON
	Admin    bool `json:"admin"`
	Disabled bool `json:"disabled"`
}

func adminUserOf(u account.User) adminUserJSON {
	return adminUserJSON{userJSON: userOf(u), Admin: u.Admin, Disabled: u.Disabled}
}

// adminOrgJSON is an organisation as an admin sees it.
type adminOrgJSON struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	CreatedAt   time.Time `json:"created_at"`
	Members     int       `json:"members"`
	Teams       int       `json:"teams"`
}

func adminOrgOf(o account.Org) adminOrgJSON {
	return adminOrgJSON{Name: o.Name, DisplayName: o.DisplayName, CreatedAt: o.CreatedAt, Members: len(o.Members), Teams: len(o.Teams)}
}

// requireAdmin returns the calling admin. The routes that call it declare
// access.Administer, which decided that the caller is one.
func (h *handlers) requireAdmin(c *fiber.Ctx) (account.User, error) {
	return h.requireUser(c)
}

// adminListPage reads ?limit (1 to 100, default 50) and ?offset.
func adminListPage(c *fiber.Ctx) (account.Page, error) {
	p := account.Page{Limit: adminPageSize}
	for name, dst := range map[string]*int{"limit": &p.Limit, "offset": &p.Offset} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (name == "limit" && (n == 0 || n > 100)) {
				return p, badRequest(name, name+" must be a whole number (limit 1 to 100)")
			}
			*dst = n
		}
	}
	return p, nil
}

// adminList answers one page, as ?limit and ?offset ask, of what list
// returns to the calling admin, rendered by render under key.
func adminList[T, J any](h *handlers, c *fiber.Ctx, key string, list func(context.Context, account.User, account.Page) ([]T, error), render func(T) J) error {
	admin, err := h.requireAdmin(c)
	if err != nil {
		return err
	}
	p, err := adminListPage(c)
	if err != nil {
		return err
	}
	items, err := list(c.UserContext(), admin, p)
	if err != nil {
		return err
	}
	out := make([]J, 0, len(items))
	for _, item := range items {
		out = append(out, render(item))
	}
	return c.JSON(fiber.Map{key: out})
}

func (h *handlers) adminUsersAPI(c *fiber.Ctx) error {
	return adminList(h, c, "users", h.Accounts.Users, adminUserOf)
}

// adminUpdateUserAPI disables or re-enables a user. Disabling ends their
// sessions and stops their password and access tokens at once; registry
// tokens already issued live out their lifetime.
func (h *handlers) adminUpdateUserAPI(c *fiber.Ctx) error {
	admin, err := h.requireAdmin(c)
	if err != nil {
		return err
	}
	var in struct {
		Disabled *bool `json:"disabled"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Disabled == nil {
		return badInput("disabled", "disabled: send true or false")
	}
	u, err := h.Accounts.UserByUsername(c.UserContext(), c.Params("username"))
	if err != nil {
		return err
	}
	if u, err = h.Accounts.SetDisabled(c.UserContext(), admin, u.ID, *in.Disabled); err != nil {
		return err
	}
	return c.JSON(adminUserOf(u))
}

func (h *handlers) adminOrgsAPI(c *fiber.Ctx) error {
	return adminList(h, c, "orgs", h.Accounts.Orgs, adminOrgOf)
}
