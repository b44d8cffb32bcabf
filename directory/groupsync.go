package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/berth/berth/account"
	"github.com/berth/berth/audit"
)

// membership is what the mappings say one organisation should hold of a
// person: a role ("" for none) and, per mapped team, in or out.
type membership struct {
	role  account.Role
	teams map[string]bool
}

// roleRank orders roles, so that the strongest mapping wins.
var roleRank = map[account.Role]int{"": 0, account.RoleMember: 1, account.RoleAdmin: 2, account.RoleOwner: 3}

// plan is, for every organisation some mapping names, the membership the
// person's groups (compared case-insensitively, as LDAP does) give them.
// Organisations no mapping names are not the directory's business.
func plan(mappings []Mapping, groups []string) map[string]*membership {
	in := map[string]bool{}
	for _, g := range groups {
		in[strings.ToLower(g)] = true
	}
	out := map[string]*membership{}
	for _, m := range mappings {
		p := out[m.Org]
		if p == nil {
			p = &membership{teams: map[string]bool{}}
			out[m.Org] = p
		}
		member := in[strings.ToLower(m.Group)]
		if member && roleRank[account.Role(m.Role)] > roleRank[p.role] {
			p.role = account.Role(m.Role)
		}
		if m.Team != "" {
			p.teams[m.Team] = p.teams[m.Team] || member
		}
	}
	return out
}

// apply makes the person's memberships of mapped organisations and teams
// exactly what their groups say, recording every change in the audit log.
// A mapping the organisation cannot honour (a deleted team, the last
// owner) is recorded as a failure and does not stop the others or the
// sign-in; a storage failure does.
func (s *Service) apply(ctx context.Context, u account.User, groups []string) error {
	mappings, err := s.store.Mappings(ctx, s.dir.Provider())
	if err != nil {
		return err
	}
	want := plan(mappings, groups)
	orgs := make([]string, 0, len(want))
	for org := range want {
		orgs = append(orgs, org)
	}
	slices.Sort(orgs)
	var errs []error
	for _, org := range orgs {
		p := want[org]
		o, changes, err := s.accounts.SyncMembership(ctx, org, u.ID, p.role, p.teams)
		for _, c := range changes {
			errs = append(errs, s.record(ctx, changeEvent(u, o, c)))
		}
		var missing *account.MissingTeamsError
		switch {
		case err == nil:
		case errors.As(err, &missing), errors.Is(err, account.ErrNotFound), errors.Is(err, account.ErrLastOwner):
			errs = append(errs, s.record(ctx, audit.Event{Action: audit.MemberAdded, ActorName: "directory sync",
				Outcome: audit.Failure, Target: "org:" + org, Orgs: []string{o.ID},
				Detail: fmt.Sprintf("could not sync %s: %v", u.Username, err)}))
		default:
			errs = append(errs, fmt.Errorf("syncing %s in %s: %w", u.Username, org, err))
		}
	}
	return errors.Join(errs...)
}

// changeEvent is the audit event of one membership change.
func changeEvent(u account.User, o account.Org, c account.MembershipChange) audit.Event {
	e := audit.Event{ActorName: "directory sync", Outcome: audit.Success, Target: "org:" + o.Name, Orgs: []string{o.ID}}
	switch c.Kind {
	case account.Joined:
		e.Action, e.Detail = audit.MemberAdded, fmt.Sprintf("%s joined as %s (directory group)", u.Username, c.To)
	case account.Left:
		e.Action, e.Detail = audit.MemberRemoved, fmt.Sprintf("%s left (no directory group maps them)", u.Username)
	case account.RoleSet:
		e.Action, e.Detail = audit.RoleChanged, fmt.Sprintf("%s: %s → %s (directory group)", u.Username, c.From, c.To)
	case account.TeamJoined:
		e.Action, e.Target = audit.MemberAdded, "team:"+o.Name+"/"+c.Team
		e.Detail = fmt.Sprintf("%s joined team %s (directory group)", u.Username, c.Team)
	case account.TeamLeft:
		e.Action, e.Target = audit.MemberRemoved, "team:"+o.Name+"/"+c.Team
		e.Detail = fmt.Sprintf("%s left team %s (directory group)", u.Username, c.Team)
	}
	return e
}
