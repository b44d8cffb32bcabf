package frontend

import (
	"context"
	"errors"
	"github.com/berth/berth/access"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// orgRoutes registers the organisation pages on app and their JSON API on
// api. Page forms name members by user ID in their paths, the API by
// username.
func (h *handlers) orgRoutes(app, api routes) {
	app.Get("/orgs/new", access.Self(access.Read), h.newOrgPage) // before /orgs/:name
	app.Post("/orgs", access.Self(access.Write), h.createOrgForm)
	app.Get("/orgs/:name", access.Anyone, h.orgPage)
	app.Post("/orgs/:name/delete", access.OnOrg(access.Manage, "name"), h.deleteOrgForm)
	app.Post("/orgs/:name/members", access.OnOrg(access.Manage, "name"), h.addMemberForm)
	app.Post("/orgs/:name/members/:userID/role", access.OnOrg(access.Manage, "name"), h.setRoleForm)
	app.Post("/orgs/:name/members/:userID/remove", access.OnOrg(access.Read, "name"), h.removeMemberForm)
	app.Post("/orgs/:name/teams", access.OnOrg(access.Manage, "name"), h.createTeamForm)
	app.Post("/orgs/:name/teams/:team/delete", access.OnOrg(access.Manage, "name"), h.deleteTeamForm)
	app.Post("/orgs/:name/teams/:team/members", access.OnOrg(access.Manage, "name"), h.addTeamMemberForm)
	app.Post("/orgs/:name/teams/:team/members/:userID/remove", access.OnOrg(access.Manage, "name"), h.removeTeamMemberForm)
	app.Post("/orgs/:name/teams/:team/permissions", access.OnOrg(access.Manage, "name"), h.setTeamPermissionForm)
	h.orgAPIRoutes(api)
}

func (h *handlers) newOrgPage(c *fiber.Ctx) error {
	if _, ok, err := h.requirePageUser(c); !ok {
		return err
	}
	return h.render(c, http.StatusOK, "org_new", "New organisation", form{})
}

func (h *handlers) createOrgForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	name, display := c.FormValue("name"), c.FormValue("display_name")
	o, err := h.Accounts.CreateOrg(c.UserContext(), u, name, display)
	if err != nil {
		return h.refused(c, err, "org_new", "New organisation", map[string]string{"name": name, "display_name": display}, "")
	}
	return h.done(c, orgURL(o.Name), "Organisation "+o.Name+" created")
}

// orgPage shows an organisation: its public face to everyone, members and
// teams to its members, and the management forms to owners and admins.
func (h *handlers) orgPage(c *fiber.Ctx) error {
	v, err := h.orgPageView(c, c.Params("name"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "org", v.Title(), v)
}

// orgURL is the organisation page.
func orgURL(org string) string { return "/orgs/" + url.PathEscape(org) }

// orgChange is one change to an organisation made by actor.
type orgChange func(ctx context.Context, actor account.User, org string) error

// orgAction runs a change posted from the organisation page. An anonymous
// visitor is sent to sign in and back to the page; on success the page is
// shown with done as its flash; an error the visitor can fix shows the
// page again with it.
func (h *handlers) orgAction(c *fiber.Ctx, done string, change orgChange) error {
	org := strings.ToLower(c.Params("name"))
	u, ok, err := orgActor(c, org)
	if !ok {
		return err
	}
	if err := change(c.UserContext(), u, org); err != nil {
		return h.orgRefused(c, org, err)
	}
	return h.done(c, orgURL(org), done)
}

// orgActor returns the signed-in user posting a form about org. An
// anonymous visitor is sent to sign in and then to the organisation's
// page, not back to the address the form posted to.
func orgActor(c *fiber.Ctx, org string) (account.User, bool, error) {
	if v := viewerOf(c); v.SignedIn() {
		return v.User, true, nil
	}
	return account.User{}, false, c.Redirect("/signin?next="+url.QueryEscape("/orgs/"+org), http.StatusSeeOther)
}

// orgRefused shows the organisation page again with what was wrong, or
// passes on an error that is not the visitor's to fix (403, 404, 5xx).
func (h *handlers) orgRefused(c *fiber.Ctx, org string, err error) error {
	f, ferr := formError(err, nil)
	if ferr != nil {
		return ferr
	}
	v, verr := h.orgPageView(c, org)
	if verr != nil {
		return verr
	}
	v.Form = f
	v.Section = strings.ReplaceAll(strings.TrimPrefix(c.Path(), "/orgs/"+c.Params("name")+"/"), "/", "-")
	return h.render(c, classify(err).Status, "org", v.Title(), v)
}

func (h *handlers) deleteOrgForm(c *fiber.Ctx) error {
	org := strings.ToLower(c.Params("name"))
	u, ok, err := orgActor(c, org)
	if !ok {
		return err
	}
	if err := h.Accounts.DeleteOrg(c.UserContext(), u, org); err != nil {
		return h.orgRefused(c, org, err)
	}
	return h.done(c, "/", "Organisation "+org+" deleted")
}

func (h *handlers) addMemberForm(c *fiber.Ctx) error {
	username, role := c.FormValue("username"), account.Role(c.FormValue("role"))
	return h.orgAction(c, username+" added as "+string(role), func(ctx context.Context, u account.User, org string) error {
		return h.Accounts.AddMember(ctx, u, org, username, role)
	})
}

func (h *handlers) setRoleForm(c *fiber.Ctx) error {
	role := account.Role(c.FormValue("role"))
	return h.orgAction(c, "Role changed to "+string(role), func(ctx context.Context, u account.User, org string) error {
		return h.Accounts.SetRole(ctx, u, org, c.Params("userID"), role)
	})
}

func (h *handlers) removeMemberForm(c *fiber.Ctx) error {
	target := c.Params("userID")
	done := "Member removed"
	if target == viewerOf(c).User.ID {
		done = "You left the organisation"
	}
	return h.orgAction(c, done, func(ctx context.Context, u account.User, org string) error {
		return h.Accounts.RemoveMember(ctx, u, org, target)
	})
}

func (h *handlers) createTeamForm(c *fiber.Ctx) error {
	name, description := c.FormValue("name"), c.FormValue("description")
	return h.orgAction(c, "Team "+name+" created", func(ctx context.Context, u account.User, org string) error {
		return h.Accounts.CreateTeam(ctx, u, org, name, description)
	})
}

func (h *handlers) deleteTeamForm(c *fiber.Ctx) error {
	team := strings.ToLower(c.Params("team"))
	return h.orgAction(c, "Team "+team+" deleted", func(ctx context.Context, u account.User, org string) error {
		return h.Accounts.DeleteTeam(ctx, u, org, team)
	})
}

func (h *handlers) addTeamMemberForm(c *fiber.Ctx) error {
	team, username := strings.ToLower(c.Params("team")), c.FormValue("username")
	return h.orgAction(c, username+" added to "+team, func(ctx context.Context, u account.User, org string) error {
		id, err := h.orgUserID(ctx, username)
		if err != nil {
			return err
		}
		return h.Accounts.SetTeamMember(ctx, u, org, team, id, true)
	})
}

func (h *handlers) removeTeamMemberForm(c *fiber.Ctx) error {
	team := strings.ToLower(c.Params("team"))
	return h.orgAction(c, "Removed from "+team, func(ctx context.Context, u account.User, org string) error {
		return h.Accounts.SetTeamMember(ctx, u, org, team, c.Params("userID"), false)
	})
}

// setTeamPermissionForm gives a team a permission on a repository; an empty
// permission takes it away. A repository named without its namespace
// ("app") is taken to be the organisation's.
func (h *handlers) setTeamPermissionForm(c *fiber.Ctx) error {
	team, perm := strings.ToLower(c.Params("team")), account.Permission(c.FormValue("permission"))
	repo := strings.TrimSpace(c.FormValue("repository"))
	done := "Permissions of " + team + " updated"
	return h.orgAction(c, done, func(ctx context.Context, u account.User, org string) error {
		if repo != "" && !strings.Contains(repo, "/") {
			repo = org + "/" + repo
		}
		return h.Accounts.SetTeamPermission(ctx, u, org, team, repo, perm)
	})
}

// orgUserID resolves a username typed into a form or named in a path; an
// unknown one is the caller's to fix.
func (h *handlers) orgUserID(ctx context.Context, username string) (string, error) {
	u, err := h.Accounts.UserByUsername(ctx, strings.TrimSpace(username))
	if errors.Is(err, account.ErrNotFound) {
		return "", &account.InvalidError{Field: "username", Message: "no user is called " + username}
	}
	return u.ID, err
}
