package account

import (
	"context"
	"time"
)

// Role is a member's standing in an organisation.
type Role string

// Roles: owners can do everything, including deleting the organisation;
// admins manage members, teams and repositories; members get what their
// teams are given.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// Permission is what a team may do with one repository.
type Permission string

// Repository permissions: read pulls, write also pushes, admin also
// manages the repository's settings.
const (
	PermRead  Permission = "read"
	PermWrite Permission = "write"
	PermAdmin Permission = "admin"
)

// Member is a user in an organisation.
type Member struct {
	UserID string
	Role   Role
}

// Team groups members and gives them permissions on repositories, named
// in full ("acme/db").
type Team struct {
	Name         string
	Description  string
	Members      []string // user IDs
	Repositories map[string]Permission
}

// Org is an organisation: a namespace several people share. The whole
// organisation, members and teams included, is one record, so that every
// change is one write and "at least one owner" holds at every moment.
// Version increases with every update; UpdateOrg refuses a stale one.
type Org struct {
	ID          string
	Name        string
	DisplayName string
	Members     []Member
	Teams       []Team
	CreatedAt   time.Time
	Version     int64
}

// Role returns the role of userID in the organisation, or "" for outsiders.
func (o Org) Role(userID string) Role {
	for _, m := range o.Members {
		if m.UserID == userID {
			return m.Role
		}
	}
	return ""
}

// Owners returns how many owners the organisation has.
func (o Org) Owners() int {
	n := 0
	for _, m := range o.Members {
		if m.Role == RoleOwner {
			n++
		}
	}
	return n
}

// OrgStore persists organisations.
type OrgStore interface {
	// CreateOrg inserts o with Version 1.
	CreateOrg(ctx context.Context, o Org) error
	// OrgByName returns the organisation, or ErrNotFound.
	OrgByName(ctx context.Context, name string) (Org, error)
	// OrgsByMember returns the organisations userID belongs to, by name.
	OrgsByMember(ctx context.Context, userID string) ([]Org, error)
	// UpdateOrg replaces the organisation with o.ID if its stored Version
	// equals o.Version, storing Version+1 and returning the stored record;
	// otherwise ErrStale (or ErrNotFound when it is gone).
	UpdateOrg(ctx context.Context, o Org) (Org, error)
	// ListOrgs returns organisations ordered by name.
	ListOrgs(ctx context.Context, p Page) ([]Org, error)
	// DeleteOrg removes the organisation, or returns ErrNotFound.
	DeleteOrg(ctx context.Context, id string) error
}
