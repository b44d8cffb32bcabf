package frontend

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// orgView is an organisation as one viewer may see it: Members and Teams
// are empty unless the viewer belongs to it.
type orgView struct {
	Name         string
	DisplayName  string
	CreatedAt    time.Time
	Role         account.Role // the viewer's; "" for outsiders and anonymous visitors
	Members      []orgMemberView
	Teams        []orgTeamView
	Repositories []repoAccess // only on pages
	Form         form         // a refused change, on pages
	// Section names the form Form came from: the path its action posts to
	// below the organisation ("teams-dev-members").
	Section string
}

// FormFor is the refused form whose action posts to the path below the
// organisation section names ("members", "teams-dev-permissions"), its
// field-error ids prefixed with it, or an empty form: each form of the
// page ties only its own fields to its own errors.
func (v orgView) FormFor(section string) form {
	if v.Section != section {
		return form{}
	}
	f := v.Form
	f.IDPrefix = section + "-"
	return f
}

// orgMemberView is a member, named.
type orgMemberView struct {
	UserID    string
	Username  string
	Role      account.Role
	Self      bool // the viewer
	CanRemove bool // the viewer may remove them (or leave, when Self)
}

// orgTeamView is a team with its members named and its permissions sorted
// by repository.
type orgTeamView struct {
	Name        string
	Description string
	Members     []orgMemberView
	Permissions []orgPermissionView
}

// orgPermissionView is one repository a team may use.
type orgPermissionView struct {
	Repository string
	Permission account.Permission
}

// Title is the organisation's display name, or its name.
func (v orgView) Title() string {
	if v.DisplayName != "" {
		return v.DisplayName
	}
	return v.Name
}

// IsMember reports whether the viewer belongs to the organisation.
func (v orgView) IsMember() bool { return v.Role != "" }

// CanManage reports whether the viewer manages members and teams.
func (v orgView) CanManage() bool { return v.Role == account.RoleOwner || v.Role == account.RoleAdmin }

// IsOwner reports whether the viewer owns the organisation.
func (v orgView) IsOwner() bool { return v.Role == account.RoleOwner }

// orgViewOf builds what viewerID may see of o, naming members by username.
func (h *handlers) orgViewOf(ctx context.Context, o account.Org, viewerID string) (orgView, error) {
	v := orgView{Name: o.Name, DisplayName: o.DisplayName, CreatedAt: o.CreatedAt}
	if viewerID != "" {
		v.Role = o.Role(viewerID)
	}
	if !v.IsMember() {
		return v, nil
	}
	names, err := h.orgMemberNames(ctx, o)
	if err != nil {
		return orgView{}, err
	}
	for _, m := range o.Members {
		self := m.UserID == viewerID
		canRemove := self && o.CanLeave(m.UserID) || !self && (v.Role == account.RoleOwner || v.Role == account.RoleAdmin && m.Role != account.RoleOwner)
		v.Members = append(v.Members, orgMemberView{UserID: m.UserID, Username: names[m.UserID], Role: m.Role, Self: self, CanRemove: canRemove})
	}
	for _, t := range o.Teams {
		tv := orgTeamView{Name: t.Name, Description: t.Description}
		for _, id := range t.Members {
			tv.Members = append(tv.Members, orgMemberView{UserID: id, Username: names[id], Self: id == viewerID})
		}
		for repo, p := range t.Repositories {
			tv.Permissions = append(tv.Permissions, orgPermissionView{Repository: repo, Permission: p})
		}
		slices.SortFunc(tv.Permissions, func(a, b orgPermissionView) int { return cmp.Compare(a.Repository, b.Repository) })
		v.Teams = append(v.Teams, tv)
	}
	return v, nil
}

// orgMemberNames maps the organisation's member IDs to usernames. An
// account gone without leaving (which deleting one prevents) shows as such.
func (h *handlers) orgMemberNames(ctx context.Context, o account.Org) (map[string]string, error) {
	names := make(map[string]string, len(o.Members))
	for _, m := range o.Members {
		u, err := h.Accounts.User(ctx, m.UserID)
		switch {
		case errors.Is(err, account.ErrNotFound):
			names[m.UserID] = "(deleted account)"
		case err != nil:
			return nil, err
		default:
			names[m.UserID] = u.Username
		}
	}
	return names, nil
}

// orgPageView is the organisation page's data: the view and the
// repositories the viewer may see, public ones for everyone and private
// ones for owners and admins and for members whose teams were given
// access to them.
func (h *handlers) orgPageView(c *fiber.Ctx, name string) (orgView, error) {
	ctx := c.UserContext()
	o, err := h.Accounts.Org(ctx, name)
	if err != nil {
		return orgView{}, err
	}
	v, err := h.orgViewOf(ctx, o, viewerOf(c).User.ID)
	if err != nil {
		return orgView{}, err
	}
	v.Repositories, err = h.visibleRepositories(ctx, viewerOf(c), o.Name)
	return v, err
}
