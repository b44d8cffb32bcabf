package account

import (
	"context"
	"errors"
	"fmt"
)

// ChangePassword replaces the user's password after checking the current
// one, and ends every other session: whoever else was signed in is out.
func (s *Service) ChangePassword(ctx context.Context, userID, current, next, keepSession string) error {
	u, err := s.st.Users.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if _, err := s.Authenticate(ctx, u.Username, current); errors.Is(err, ErrBadCredentials) {
		return &InvalidError{Field: "current_password", Message: "that is not your current password"}
	} else if err != nil {
		return err
	}
	if err := validPassword("new_password", next); err != nil {
		return err
	}
	if err := s.hashing(ctx, func() { u.PasswordHash = HashPassword(next, s.opts.Password) }); err != nil {
		return err
	}
	u.PasswordChangedAt = s.now().UTC()
	if err := s.st.Users.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("storing new password: %w", err)
	}
	if _, err := s.st.Sessions.DeleteUserSessions(ctx, userID, keepSession); err != nil {
		return fmt.Errorf("ending other sessions: %w", err)
	}
	return nil
}

// Profile is what a user may change about their account without a password.
type Profile struct {
	Email          *string
	DefaultPrivate *bool
}

// UpdateProfile applies the fields of p that are set.
func (s *Service) UpdateProfile(ctx context.Context, userID string, p Profile) (User, error) {
	u, err := s.st.Users.UserByID(ctx, userID)
	if err != nil {
		return User{}, err
	}
	if p.Email != nil {
		if u.Email, err = validEmail(*p.Email); err != nil {
			return User{}, err
		}
	}
	if p.DefaultPrivate != nil {
		u.DefaultPrivate = *p.DefaultPrivate
	}
	if err := s.st.Users.UpdateUser(ctx, u); err != nil {
		return User{}, fmt.Errorf("updating %s: %w", u.Username, err)
	}
	return u, nil
}

// SetDisabled disables or re-enables a user; only an admin may. A disabled
// user's sessions end at once and its credentials stop working; registry
// tokens already issued live out their few minutes.
func (s *Service) SetDisabled(ctx context.Context, admin User, userID string, disabled bool) (User, error) {
	if !admin.Admin {
		return User{}, ErrForbidden
	}
	if admin.ID == userID && disabled {
		return User{}, &InvalidError{Field: "disabled", Message: "you cannot disable your own account"}
	}
	return s.setDisabled(ctx, userID, disabled)
}

// setDisabled disables or re-enables a user, ending its sessions when
// disabling.
func (s *Service) setDisabled(ctx context.Context, userID string, disabled bool) (User, error) {
	u, err := s.st.Users.UserByID(ctx, userID)
	if err != nil {
		return User{}, err
	}
	u.Disabled = disabled
	if err := s.st.Users.UpdateUser(ctx, u); err != nil {
		return User{}, fmt.Errorf("updating %s: %w", u.Username, err)
	}
	if disabled {
		if _, err := s.st.Sessions.DeleteUserSessions(ctx, userID, ""); err != nil {
			return User{}, fmt.Errorf("ending sessions of %s: %w", u.Username, err)
		}
	}
	return u, nil
}

// Users lists accounts for an admin.
func (s *Service) Users(ctx context.Context, admin User, p Page) ([]User, error) {
	if !admin.Admin {
		return nil, ErrForbidden
	}
	return s.st.Users.ListUsers(ctx, p)
}

// Orgs lists organisations for an admin.
func (s *Service) Orgs(ctx context.Context, admin User, p Page) ([]Org, error) {
	if !admin.Admin {
		return nil, ErrForbidden
	}
	return s.st.Orgs.ListOrgs(ctx, p)
}

// SoleOwnerError says an account cannot be deleted while it is the only
// owner of organisations; Orgs names them.
type SoleOwnerError struct{ Orgs []string }

func (e *SoleOwnerError) Error() string {
	return fmt.Sprintf("you are the only owner of %v: add another owner or delete them first", e.Orgs)
}

// DeleteAccount deletes the user after checking the password. Nothing is
// left orphaned: the account must not be the sole owner of an organisation;
// its memberships, tokens and sessions go; OnDelete hooks remove or revoke
// what other domains hold for its namespace (repositories, licenses,
// publisher memberships); the namespace is released last.
func (s *Service) DeleteAccount(ctx context.Context, userID, password string) error {
	u, err := s.st.Users.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if _, err := s.Authenticate(ctx, u.Username, password); errors.Is(err, ErrBadCredentials) {
		return &InvalidError{Field: "password", Message: "that is not your password"}
	} else if err != nil {
		return err
	}
	orgs, err := s.st.Orgs.OrgsByMember(ctx, userID)
	if err != nil {
		return fmt.Errorf("listing organisations: %w", err)
	}
	var sole []string
	for _, o := range orgs {
		if o.Role(userID) == RoleOwner && o.Owners() == 1 {
			sole = append(sole, o.Name)
		}
	}
	if len(sole) > 0 {
		return &SoleOwnerError{Orgs: sole}
	}
	for _, o := range orgs {
		if err := s.updateOrg(ctx, o.Name, func(o *Org) error { o.removeUser(userID); return nil }); err != nil {
			return fmt.Errorf("leaving %s: %w", o.Name, err)
		}
	}
	for _, hook := range s.opts.OnDelete {
		if err := hook(ctx, u.Username, u.ID); err != nil {
			return fmt.Errorf("deleting what %s owns: %w", u.Username, err)
		}
	}
	if err := s.st.Tokens.DeleteUserTokens(ctx, userID); err != nil {
		return fmt.Errorf("deleting tokens: %w", err)
	}
	if _, err := s.st.Sessions.DeleteUserSessions(ctx, userID, ""); err != nil {
		return fmt.Errorf("deleting sessions: %w", err)
	}
	if err := s.st.Users.DeleteUser(ctx, userID); err != nil {
		return fmt.Errorf("deleting user: %w", err)
	}
	return s.st.Namespaces.ReleaseNamespace(ctx, u.Username)
}
