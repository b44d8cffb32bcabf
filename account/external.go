package account

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/berth/berth/internal/secret"
)

// The methods in this file serve accounts that another system vouches for
// (the company directory): they act as Berth itself, with no actor, so
// their callers must have decided already that the change is due.

// CreateExternalUser creates an account for a person a directory signed
// in, claiming the username as a namespace like Register. The account has
// no usable password: its hash is of 256 random bits nobody ever sees, so
// the local password sign-in refuses it like any wrong password. An email
// that does not validate is dropped rather than refusing the person.
func (s *Service) CreateExternalUser(ctx context.Context, username, email string) (User, error) {
	name, err := validName("username", username)
	if err != nil {
		return User{}, err
	}
	email, err = validEmail(email)
	if err != nil {
		email = ""
	}
	u := User{ID: secret.ID(), Username: name, Email: email, CreatedAt: s.now().UTC()}
	unusable := secret.Token("")
	if err := s.hashing(ctx, func() { u.PasswordHash = HashPassword(unusable, s.opts.Password) }); err != nil {
		return User{}, err
	}
	return s.createUser(ctx, u)
}

// SetExternalDisabled disables or re-enables a user because its directory
// account was disabled, deleted or restored. Disabling ends its sessions;
// its credentials stop working at their next check.
func (s *Service) SetExternalDisabled(ctx context.Context, userID string, disabled bool) (User, error) {
	return s.setDisabled(ctx, userID, disabled)
}

// Attempt reserves one password check of username against the guessing
// limits that Authenticate applies, for a password checked elsewhere (a
// directory bind). Call done(true) after a success to give the attempt back.
func (s *Service) Attempt(ctx context.Context, username string) (done func(ok bool), err error) {
	return s.guard.attempt(ctx, username)
}

// MembershipChange is one change SyncMembership made, for the audit log.
type MembershipChange struct {
	Kind MembershipChangeKind
	Team string // for team changes
	From Role   // for RoleSet and Left
	To   Role   // for Joined and RoleSet
}

// MembershipChangeKind names a change of membership.
type MembershipChangeKind string

// The kinds of MembershipChange.
const (
	Joined     MembershipChangeKind = "joined"
	Left       MembershipChangeKind = "left"
	RoleSet    MembershipChangeKind = "role"
	TeamJoined MembershipChangeKind = "team-joined"
	TeamLeft   MembershipChangeKind = "team-left"
)

// MissingTeamsError says that SyncMembership was asked to manage teams the
// organisation does not have; every other change was made.
type MissingTeamsError struct {
	Org   string
	Teams []string
}

func (e *MissingTeamsError) Error() string {
	return "organisation " + e.Org + " has no team called " + strings.Join(e.Teams, ", ")
}

// SyncMembership makes userID's membership of org exactly role (none when
// role is "", which also takes the user out of every team) and, for each
// team named in teams, in (true) or out (false) of it; teams not named are
// left alone. It is one write, retried when the organisation changed in
// between, and returns the organisation and what changed: nothing when it
// already matched. It refuses with ErrLastOwner to remove or demote the
// last owner.
func (s *Service) SyncMembership(ctx context.Context, org, userID string, role Role, teams map[string]bool) (Org, []MembershipChange, error) {
	if role != "" && role != RoleOwner && role != RoleAdmin && role != RoleMember {
		return Org{}, nil, &InvalidError{Field: "role", Message: "role must be owner, admin or member"}
	}
	var (
		changes []MembershipChange
		missing []string
		stored  Org
	)
	err := s.updateOrg(ctx, strings.ToLower(org), func(o *Org) error {
		changes, missing = o.syncMember(userID, role, teams)
		stored = *o
		if len(changes) == 0 {
			return errUnchanged // nothing to write
		}
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return Org{}, nil, err
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return stored, changes, &MissingTeamsError{Org: stored.Name, Teams: missing}
	}
	return stored, changes, nil
}

// errUnchanged stops updateOrg from writing an organisation that already
// matched.
var errUnchanged = errors.New("unchanged")

// syncMember applies SyncMembership's change to o.
func (o *Org) syncMember(userID string, role Role, teams map[string]bool) (changes []MembershipChange, missing []string) {
	current := o.Role(userID)
	switch {
	case role == "" && current == "":
		return nil, nil
	case role == "":
		for _, t := range o.Teams {
			if slices.Contains(t.Members, userID) {
				changes = append(changes, MembershipChange{Kind: TeamLeft, Team: t.Name})
			}
		}
		o.removeUser(userID)
		return append(changes, MembershipChange{Kind: Left, From: current}), nil
	case current == "":
		o.Members = append(o.Members, Member{UserID: userID, Role: role})
		changes = append(changes, MembershipChange{Kind: Joined, To: role})
	case current != role:
		for i := range o.Members {
			if o.Members[i].UserID == userID {
				o.Members[i].Role = role
			}
		}
		changes = append(changes, MembershipChange{Kind: RoleSet, From: current, To: role})
	}
	for name, in := range teams {
		t, err := o.team(name)
		if err != nil {
			missing = append(missing, name)
			continue
		}
		has := slices.Contains(t.Members, userID)
		switch {
		case in && !has:
			t.Members = append(t.Members, userID)
			changes = append(changes, MembershipChange{Kind: TeamJoined, Team: name})
		case !in && has:
			t.Members = slices.DeleteFunc(t.Members, func(id string) bool { return id == userID })
			changes = append(changes, MembershipChange{Kind: TeamLeft, Team: name})
		}
	}
	slices.SortStableFunc(changes, func(a, b MembershipChange) int { return strings.Compare(a.Team, b.Team) })
	return changes, missing
}
