package directory

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/berth/berth/account"
	"github.com/berth/berth/audit"
	"github.com/berth/berth/internal/secret"
)

// AddMapping validates and stores a mapping from a directory group to an
// organisation (and team) with a role; only admins may. The organisation
// and team must exist, so that a typo is caught when the mapping is made,
// not at someone's sign-in. It takes effect at each person's next sign-in
// or sync.
func (s *Service) AddMapping(ctx context.Context, admin account.User, m Mapping) (Mapping, error) {
	if !admin.Admin {
		return Mapping{}, account.ErrForbidden
	}
	m.ID, m.Provider = secret.ID(), s.dir.Provider()
	m.Group, m.Org, m.Team = strings.TrimSpace(m.Group), strings.ToLower(strings.TrimSpace(m.Org)), strings.ToLower(strings.TrimSpace(m.Team))
	var errs []error
	if m.Group == "" || len(m.Group) > 256 {
		errs = append(errs, &InvalidError{Field: "group", Message: "name the directory group, such as developers"})
	}
	if _, ok := roleRank[account.Role(m.Role)]; !ok || m.Role == "" {
		errs = append(errs, &InvalidError{Field: "role", Message: "role must be owner, admin or member"})
	}
	o, err := s.accounts.Org(ctx, m.Org)
	switch {
	case errors.Is(err, account.ErrNotFound):
		errs = append(errs, &InvalidError{Field: "org", Message: "no organisation is called " + m.Org})
	case err != nil:
		return Mapping{}, err
	case m.Team != "" && !slices.ContainsFunc(o.Teams, func(t account.Team) bool { return t.Name == m.Team }):
		errs = append(errs, &InvalidError{Field: "team", Message: m.Org + " has no team called " + m.Team})
	}
	if err := errors.Join(errs...); err != nil {
		return Mapping{}, err
	}
	if err := s.store.PutMapping(ctx, m); err != nil {
		return Mapping{}, err
	}
	return m, s.record(ctx, audit.Event{Action: audit.AdminAction, ActorID: admin.ID, ActorName: admin.Username,
		Credential: audit.CredentialAdmin, Outcome: audit.Success, Target: "org:" + o.Name, Orgs: []string{o.ID},
		Detail: "directory group " + m.Group + " maps to " + m.Org + "/" + m.Team + " as " + m.Role})
}

// Mappings lists the directory's mappings; only admins may.
func (s *Service) Mappings(ctx context.Context, admin account.User) ([]Mapping, error) {
	if !admin.Admin {
		return nil, account.ErrForbidden
	}
	return s.store.Mappings(ctx, s.dir.Provider())
}

// DeleteMapping removes a mapping; only admins may. Memberships it gave
// go at each person's next sign-in or sync while another mapping still
// names the organisation; once none does, the organisation is no longer
// the directory's to manage and its members stay as they are.
func (s *Service) DeleteMapping(ctx context.Context, admin account.User, id string) error {
	if !admin.Admin {
		return account.ErrForbidden
	}
	if err := s.store.DeleteMapping(ctx, id); err != nil {
		return err
	}
	return s.record(ctx, audit.Event{Action: audit.AdminAction, ActorID: admin.ID, ActorName: admin.Username,
		Credential: audit.CredentialAdmin, Outcome: audit.Success, Target: "mapping:" + id, Detail: "directory mapping deleted"})
}
