package account

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/berth/berth/internal/secret"
)

// repoNamePattern is a repository name below a namespace: distribution's
// path-component grammar, one or more components.
var repoNamePattern = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)

// teamPattern is a team's name.
var teamPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,38}$`)

// CreateOrg creates an organisation owned by creator and claims its namespace.
func (s *Service) CreateOrg(ctx context.Context, creator User, name, displayName string) (Org, error) {
	name, err := validName("name", name)
	if err != nil {
		return Org{}, err
	}
	o := Org{
		ID: secret.ID(), Name: name, DisplayName: strings.TrimSpace(displayName),
		Members: []Member{{UserID: creator.ID, Role: RoleOwner}}, CreatedAt: s.now().UTC(), Version: 1,
	}
	if len(o.DisplayName) > 100 {
		return Org{}, &InvalidError{Field: "display_name", Message: "use at most 100 characters"}
	}
	if err := plainText("display_name", o.DisplayName, true); err != nil {
		return Org{}, err
	}
	if err := s.claim(ctx, Namespace{Name: name, Kind: NamespaceOrg, OwnerID: o.ID}); err != nil {
		return Org{}, err
	}
	if err := s.st.Orgs.CreateOrg(ctx, o); err != nil {
		_ = s.st.Namespaces.ReleaseNamespace(context.WithoutCancel(ctx), name)
		return Org{}, fmt.Errorf("creating organisation %s: %w", name, err)
	}
	return o, nil
}

// Org returns an organisation by name.
func (s *Service) Org(ctx context.Context, name string) (Org, error) {
	return s.st.Orgs.OrgByName(ctx, strings.ToLower(name))
}

// OrgsOf returns the organisations a user belongs to.
func (s *Service) OrgsOf(ctx context.Context, userID string) ([]Org, error) {
	return s.st.Orgs.OrgsByMember(ctx, userID)
}

// updateOrg reads the organisation, applies change and writes it back,
// retrying a few times when someone else changed it in between.
func (s *Service) updateOrg(ctx context.Context, name string, change func(*Org) error) error {
	for attempt := 0; ; attempt++ {
		o, err := s.st.Orgs.OrgByName(ctx, name)
		if err != nil {
			return err
		}
		if err := change(&o); err != nil {
			return err
		}
		if o.Owners() == 0 {
			return ErrLastOwner
		}
		_, err = s.st.Orgs.UpdateOrg(ctx, o)
		if !errors.Is(err, ErrStale) || attempt == 4 {
			return err
		}
	}
}

// manage runs change on the organisation if actor is one of its owners or
// admins (owners only when ownersOnly).
func (s *Service) manage(ctx context.Context, actor User, org string, ownersOnly bool, change func(*Org) error) error {
	return s.updateOrg(ctx, strings.ToLower(org), func(o *Org) error {
		role := o.Role(actor.ID)
		if role != RoleOwner && (ownersOnly || role != RoleAdmin) {
			return ErrForbidden
		}
		return change(o)
	})
}

// AddMember adds a user by username with a role; only owners make owners.
func (s *Service) AddMember(ctx context.Context, actor User, org, username string, role Role) error {
	if role != RoleOwner && role != RoleAdmin && role != RoleMember {
		return &InvalidError{Field: "role", Message: "role must be owner, admin or member"}
	}
	u, err := s.st.Users.UserByUsername(ctx, username)
	if errors.Is(err, ErrNotFound) {
		return &InvalidError{Field: "username", Message: "no user is called " + username}
	} else if err != nil {
		return err
	}
	return s.manage(ctx, actor, org, role == RoleOwner, func(o *Org) error {
		if o.Role(u.ID) != "" {
			return &InvalidError{Field: "username", Message: u.Username + " is already a member"}
		}
		o.Members = append(o.Members, Member{UserID: u.ID, Role: role})
		return nil
	})
}

// SetRole changes a member's role; owners only.
func (s *Service) SetRole(ctx context.Context, actor User, org, userID string, role Role) error {
	if role != RoleOwner && role != RoleAdmin && role != RoleMember {
		return &InvalidError{Field: "role", Message: "role must be owner, admin or member"}
	}
	return s.manage(ctx, actor, org, true, func(o *Org) error {
		for i := range o.Members {
			if o.Members[i].UserID == userID {
				o.Members[i].Role = role
				return nil
			}
		}
		return ErrNotFound
	})
}

// RemoveMember takes a user out of the organisation and its teams. Owners
// remove anyone, admins remove non-owners, and anyone may leave; the last
// owner stays.
func (s *Service) RemoveMember(ctx context.Context, actor User, org, userID string) error {
	return s.updateOrg(ctx, strings.ToLower(org), func(o *Org) error {
		actorRole, targetRole := o.Role(actor.ID), o.Role(userID)
		switch {
		case targetRole == "":
			return ErrNotFound
		case actor.ID == userID, actorRole == RoleOwner, actorRole == RoleAdmin && targetRole != RoleOwner:
		default:
			return ErrForbidden
		}
		o.removeUser(userID)
		return nil
	})
}

// CanLeave reports whether userID may leave the organisation: a member
// who is not its only owner (RemoveMember refuses the last owner with
// ErrLastOwner).
func (o Org) CanLeave(userID string) bool {
	role := o.Role(userID)
	if role == "" {
		return false
	}
	if role != RoleOwner {
		return true
	}
	for _, m := range o.Members {
		if m.Role == RoleOwner && m.UserID != userID {
			return true
		}
	}
	return false
}

func (o *Org) removeUser(userID string) {
	o.Members = slices.DeleteFunc(o.Members, func(m Member) bool { return m.UserID == userID })
	for i := range o.Teams {
		o.Teams[i].Members = slices.DeleteFunc(o.Teams[i].Members, func(id string) bool { return id == userID })
	}
}

func (o *Org) team(name string) (*Team, error) {
	for i := range o.Teams {
		if o.Teams[i].Name == name {
			return &o.Teams[i], nil
		}
	}
	return nil, ErrNotFound
}

// CreateTeam adds an empty team.
func (s *Service) CreateTeam(ctx context.Context, actor User, org, name, description string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	if !teamPattern.MatchString(name) {
		return &InvalidError{Field: "name", Message: "use 1 to 39 lower-case letters, digits, '-' or '_'"}
	}
	description = strings.TrimSpace(description)
	if err := plainText("description", description, true); err != nil {
		return err
	}
	return s.manage(ctx, actor, org, false, func(o *Org) error {
		if _, err := o.team(name); err == nil {
			return &InvalidError{Field: "name", Message: "there is already a team called " + name}
		}
		o.Teams = append(o.Teams, Team{Name: name, Description: description, Repositories: map[string]Permission{}})
		return nil
	})
}

// DeleteTeam removes a team.
func (s *Service) DeleteTeam(ctx context.Context, actor User, org, team string) error {
	return s.manage(ctx, actor, org, false, func(o *Org) error {
		if _, err := o.team(team); err != nil {
			return err
		}
		o.Teams = slices.DeleteFunc(o.Teams, func(t Team) bool { return t.Name == team })
		return nil
	})
}

// SetTeamMember adds (in) or removes (!in) an organisation member to a team.
func (s *Service) SetTeamMember(ctx context.Context, actor User, org, team, userID string, in bool) error {
	return s.manage(ctx, actor, org, false, func(o *Org) error {
		t, err := o.team(team)
		if err != nil {
			return err
		}
		if in && o.Role(userID) == "" {
			return &InvalidError{Field: "username", Message: "only members of the organisation can join its teams"}
		}
		t.Members = slices.DeleteFunc(t.Members, func(id string) bool { return id == userID })
		if in {
			t.Members = append(t.Members, userID)
		}
		return nil
	})
}

// SetTeamPermission gives a team a permission on one of the organisation's
// repositories ("" removes it).
func (s *Service) SetTeamPermission(ctx context.Context, actor User, org, team, repo string, p Permission) error {
	if p != "" && p != PermRead && p != PermWrite && p != PermAdmin {
		return &InvalidError{Field: "permission", Message: "permission must be read, write or admin"}
	}
	return s.manage(ctx, actor, org, false, func(o *Org) error {
		t, err := o.team(team)
		if err != nil {
			return err
		}
		repo = strings.ToLower(repo)
		if ns, rest, _ := strings.Cut(repo, "/"); ns != o.Name || !repoNamePattern.MatchString(rest) {
			return &InvalidError{Field: "repository", Message: "name one of " + o.Name + "'s repositories, such as " + o.Name + "/app"}
		}
		if t.Repositories == nil {
			t.Repositories = map[string]Permission{}
		}
		if p == "" {
			delete(t.Repositories, repo)
		} else {
			t.Repositories[repo] = p
		}
		return nil
	})
}

// DeleteOrg deletes an organisation; owners only. OnDelete hooks remove
// what its namespace held, then the namespace is released.
func (s *Service) DeleteOrg(ctx context.Context, actor User, org string) error {
	o, err := s.st.Orgs.OrgByName(ctx, strings.ToLower(org))
	if err != nil {
		return err
	}
	if o.Role(actor.ID) != RoleOwner {
		return ErrForbidden
	}
	for _, hook := range s.opts.OnDelete {
		if err := hook(ctx, o.Name, o.ID); err != nil {
			return fmt.Errorf("deleting what %s owns: %w", o.Name, err)
		}
	}
	if err := s.st.Orgs.DeleteOrg(ctx, o.ID); err != nil {
		return err
	}
	return s.st.Namespaces.ReleaseNamespace(ctx, o.Name)
}

// RepositoryPermission is what userID may do with a repository given its
// namespace: the namespace's owner and an organisation's owners and admins
// have admin; otherwise the best permission of the member's teams. An
// empty permission means none. Visibility (public pulls) is not decided
// here: the catalog knows it.
func (s *Service) RepositoryPermission(ctx context.Context, userID, repo string) (Permission, error) {
	if userID == "" {
		return "", nil // anonymous, or a license key: no account, no ownership
	}
	ns, _, _ := strings.Cut(strings.ToLower(repo), "/")
	n, err := s.st.Namespaces.Namespace(ctx, ns)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if n.Kind == NamespaceUser {
		if n.OwnerID == userID {
			return PermAdmin, nil
		}
		return "", nil
	}
	o, err := s.st.Orgs.OrgByName(ctx, ns)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	switch o.Role(userID) {
	case RoleOwner, RoleAdmin:
		return PermAdmin, nil
	case "":
		return "", nil
	}
	best := Permission("")
	rank := map[Permission]int{"": 0, PermRead: 1, PermWrite: 2, PermAdmin: 3}
	for _, t := range o.Teams {
		if slices.Contains(t.Members, userID) && rank[t.Repositories[strings.ToLower(repo)]] > rank[best] {
			best = t.Repositories[strings.ToLower(repo)]
		}
	}
	return best, nil
}

// ForgetRepository removes a deleted repository from every team of the
// organisation owning its namespace, so that a new repository of the same
// name does not inherit old grants.
func (s *Service) ForgetRepository(ctx context.Context, repo string) error {
	repo = strings.ToLower(repo)
	ns, _, _ := strings.Cut(repo, "/")
	err := s.updateOrg(ctx, ns, func(o *Org) error {
		for i := range o.Teams {
			delete(o.Teams[i].Repositories, repo)
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil // a user's namespace has no teams
	}
	return err
}
