package frontend

import (
	"context"
	"github.com/berth/berth/access"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// orgAPIRoutes registers the organisation API. Members are named by
// username; a team's permission is set by full repository name in the
// body, since repository names contain slashes.
func (h *handlers) orgAPIRoutes(api routes) {
	api.Post("/orgs", access.Self(access.Write), h.createOrgAPI)
	api.Get("/orgs", access.Self(access.Read), h.listOrgsAPI)
	api.Get("/orgs/:name", access.Anyone, h.getOrgAPI)
	api.Delete("/orgs/:name", access.OnOrg(access.Manage, "name"), h.deleteOrgAPI)
	api.Post("/orgs/:name/members", access.OnOrg(access.Manage, "name"), h.addMemberAPI)
	api.Patch("/orgs/:name/members/:username", access.OnOrg(access.Manage, "name"), h.setRoleAPI)
	api.Delete("/orgs/:name/members/:username", access.OnOrg(access.Read, "name"), h.removeMemberAPI)
	api.Post("/orgs/:name/teams", access.OnOrg(access.Manage, "name"), h.createTeamAPI)
	api.Delete("/orgs/:name/teams/:team", access.OnOrg(access.Manage, "name"), h.deleteTeamAPI)
	api.Put("/orgs/:name/teams/:team/members/:username", access.OnOrg(access.Manage, "name"), h.teamMemberAPI(true))
	api.Delete("/orgs/:name/teams/:team/members/:username", access.OnOrg(access.Manage, "name"), h.teamMemberAPI(false))
	api.Post("/orgs/:name/teams/:team/permissions", access.OnOrg(access.Manage, "name"), h.setTeamPermissionAPI)
}

// orgJSON is what anyone may know of an organisation; Role is the
// caller's, omitted for outsiders.
type orgJSON struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	CreatedAt   time.Time `json:"created_at"`
	Role        string    `json:"role,omitempty"`
}

// orgDetailJSON is an organisation as its members see it.
type orgDetailJSON struct {
	orgJSON
	Members []orgMemberJSON `json:"members"`
	Teams   []orgTeamJSON   `json:"teams"`
}

type orgMemberJSON struct {
	Username string `json:"username"`
	Role     string `json:"role"`
}

type orgTeamJSON struct {
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	Members      []string          `json:"members"`      // usernames
	Repositories map[string]string `json:"repositories"` // full name → read, write or admin
}

// orgJSONOf renders a view: the members-only parts only for members.
func orgJSONOf(v orgView) any {
	summary := orgJSON{Name: v.Name, DisplayName: v.DisplayName, CreatedAt: v.CreatedAt, Role: string(v.Role)}
	if !v.IsMember() {
		return summary
	}
	out := orgDetailJSON{orgJSON: summary, Members: []orgMemberJSON{}, Teams: []orgTeamJSON{}}
	for _, m := range v.Members {
		out.Members = append(out.Members, orgMemberJSON{Username: m.Username, Role: string(m.Role)})
	}
	for _, t := range v.Teams {
		out.Teams = append(out.Teams, orgTeamJSONOf(t))
	}
	return out
}

func orgTeamJSONOf(t orgTeamView) orgTeamJSON {
	out := orgTeamJSON{Name: t.Name, Description: t.Description, Members: []string{}, Repositories: map[string]string{}}
	for _, m := range t.Members {
		out.Members = append(out.Members, m.Username)
	}
	for _, p := range t.Permissions {
		out.Repositories[p.Repository] = string(p.Permission)
	}
	return out
}

// orgAPIChange runs a change to the organisation named in the path, made
// by the caller, and answers 204 No Content.
func (h *handlers) orgAPIChange(c *fiber.Ctx, change orgChange) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	if err := change(c.UserContext(), u, c.Params("name")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// createOrgAPI creates an organisation owned by the caller.
func (h *handlers) createOrgAPI(c *fiber.Ctx) error {
	var in struct {
		Name        string `json:"name"`
		DisplayName string `json:"display_name"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	o, err := h.Accounts.CreateOrg(c.UserContext(), u, in.Name, in.DisplayName)
	if err != nil {
		return err
	}
	v, err := h.orgViewOf(c.UserContext(), o, u.ID)
	if err != nil {
		return err
	}
	c.Location("/api/v1/orgs/" + url.PathEscape(o.Name))
	return c.Status(http.StatusCreated).JSON(orgJSONOf(v))
}

// listOrgsAPI lists the caller's organisations with the caller's role.
func (h *handlers) listOrgsAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	orgs, err := h.Accounts.OrgsOf(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	out := make([]orgJSON, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, orgJSON{Name: o.Name, DisplayName: o.DisplayName, CreatedAt: o.CreatedAt, Role: string(o.Role(u.ID))})
	}
	return c.JSON(fiber.Map{"orgs": out})
}

// getOrgAPI shows an organisation to anyone, anonymous included; members
// also see members and teams.
func (h *handlers) getOrgAPI(c *fiber.Ctx) error {
	v, err := h.currentViewer(c)
	if err != nil {
		return err
	}
	o, err := h.Accounts.Org(c.UserContext(), c.Params("name"))
	if err != nil {
		return err
	}
	view, err := h.orgViewOf(c.UserContext(), o, v.User.ID)
	if err != nil {
		return err
	}
	return c.JSON(orgJSONOf(view))
}

func (h *handlers) deleteOrgAPI(c *fiber.Ctx) error {
	return h.orgAPIChange(c, h.Accounts.DeleteOrg)
}

// addMemberAPI adds a user; the role defaults to member.
func (h *handlers) addMemberAPI(c *fiber.Ctx) error {
	var in struct {
		Username string `json:"username"`
		Role     string `json:"role"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	if in.Role == "" {
		in.Role = string(account.RoleMember)
	}
	if err := h.Accounts.AddMember(c.UserContext(), u, c.Params("name"), in.Username, account.Role(in.Role)); err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(orgMemberJSON{Username: strings.ToLower(strings.TrimSpace(in.Username)), Role: in.Role})
}

func (h *handlers) setRoleAPI(c *fiber.Ctx) error {
	var in struct {
		Role string `json:"role"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	target, err := h.Accounts.UserByUsername(c.UserContext(), c.Params("username"))
	if err != nil {
		return err
	}
	if err := h.Accounts.SetRole(c.UserContext(), u, c.Params("name"), target.ID, account.Role(in.Role)); err != nil {
		return err
	}
	return c.JSON(orgMemberJSON{Username: target.Username, Role: in.Role})
}

// removeMemberAPI removes a member; naming oneself leaves. The route
// declares access.OnOrg(access.Read): outsiders are refused before the
// member named is looked up, so they cannot probe who belongs.
func (h *handlers) removeMemberAPI(c *fiber.Ctx) error {
	return h.orgAPIChange(c, func(ctx context.Context, u account.User, org string) error {
		target, err := h.Accounts.UserByUsername(ctx, c.Params("username"))
		if err != nil {
			return err
		}
		return h.Accounts.RemoveMember(ctx, u, org, target.ID)
	})
}

func (h *handlers) createTeamAPI(c *fiber.Ctx) error {
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	if err := h.Accounts.CreateTeam(c.UserContext(), u, c.Params("name"), in.Name, in.Description); err != nil {
		return err
	}
	t := orgTeamView{Name: strings.ToLower(strings.TrimSpace(in.Name)), Description: strings.TrimSpace(in.Description)}
	return c.Status(http.StatusCreated).JSON(orgTeamJSONOf(t))
}

func (h *handlers) deleteTeamAPI(c *fiber.Ctx) error {
	team := strings.ToLower(c.Params("team"))
	return h.orgAPIChange(c, func(ctx context.Context, u account.User, org string) error {
		return h.Accounts.DeleteTeam(ctx, u, org, team)
	})
}

// teamMemberAPI adds (PUT) or removes (DELETE) an organisation member to
// or from a team; both are idempotent.
func (h *handlers) teamMemberAPI(in bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		team := strings.ToLower(c.Params("team"))
		return h.orgAPIChange(c, func(ctx context.Context, u account.User, org string) error {
			target, err := h.Accounts.UserByUsername(ctx, c.Params("username"))
			if err != nil {
				return err
			}
			return h.Accounts.SetTeamMember(ctx, u, org, team, target.ID, in)
		})
	}
}

// setTeamPermissionAPI sets a team's permission on one of the
// organisation's repositories, named in full; "" takes it away.
func (h *handlers) setTeamPermissionAPI(c *fiber.Ctx) error {
	team := strings.ToLower(c.Params("team"))
	return h.orgAPIChange(c, func(ctx context.Context, u account.User, org string) error {
		var in struct {
			Repository string `json:"repository"`
			Permission string `json:"permission"`
		}
		if err := decode(c, &in); err != nil {
			return err
		}
		return h.Accounts.SetTeamPermission(ctx, u, org, team, strings.TrimSpace(in.Repository), account.Permission(in.Permission))
	})
}
