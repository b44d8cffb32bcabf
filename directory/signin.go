package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth/berth/account"
	"github.com/berth/berth/audit"
)

// Authenticate is the one password check for the web sign-in, Basic on
// the API and the token server once the directory is configured. A local
// account not linked to the directory checks its local password (unless
// local passwords are off and it is not an admin's). Anyone else is asked
// of the directory: the first success creates their account, every
// success re-applies their group mappings. Directory attempts count
// against the account domain's guessing limits.
func (s *Service) Authenticate(ctx context.Context, username, password string) (account.User, error) {
	u, _, err := s.authenticate(ctx, username, password)
	return u, err
}

// authenticate is Authenticate, and says whether the directory decided.
func (s *Service) authenticate(ctx context.Context, username, password string) (account.User, bool, error) {
	if password == "" || username == "" {
		return account.User{}, false, ErrBadCredentials
	}
	local, err := s.localAccount(ctx, username)
	if err != nil {
		return account.User{}, false, err
	}
	if local {
		u, err := s.accounts.Authenticate(ctx, BerthName(username), password)
		if err == nil {
			if s.opts.DisableLocal && !u.Admin {
				return account.User{}, false, ErrLocalDisabled
			}
			return u, false, nil
		}
		if !errors.Is(err, account.ErrBadCredentials) {
			return account.User{}, false, err
		}
		// The local password was wrong: if it is the directory's, the
		// person exists in both and only an admin may link them.
		if _, dirErr := s.dir.Authenticate(ctx, username, password); dirErr == nil {
			return account.User{}, false, &ClashError{Username: BerthName(username)}
		}
		return account.User{}, false, err
	}
	done, err := s.accounts.Attempt(ctx, username)
	if err != nil {
		return account.User{}, true, err
	}
	u, err := s.signIn(ctx, username, password)
	done(err == nil)
	return u, true, err
}

// localAccount reports whether username names an account with no link to
// this directory.
func (s *Service) localAccount(ctx context.Context, username string) (bool, error) {
	u, err := s.accounts.UserByUsername(ctx, BerthName(username))
	if errors.Is(err, account.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("looking up %s: %w", BerthName(username), err)
	}
	_, err = s.store.LinkByUser(ctx, s.dir.Provider(), u.ID)
	if errors.Is(err, ErrNotFound) {
		return true, nil
	}
	return false, err
}

// signIn asks the directory, then finds or creates the linked account and
// applies the person's groups.
func (s *Service) signIn(ctx context.Context, username, password string) (account.User, error) {
	id, err := s.dir.Authenticate(ctx, username, password)
	if err != nil {
		return account.User{}, err
	}
	u, _, err := s.resolve(ctx, id)
	if err != nil {
		return account.User{}, err
	}
	if err := s.apply(ctx, u, id.Groups); err != nil {
		return account.User{}, err
	}
	return u, nil
}

// resolve returns the account linked to id, creating it on a first sign-in,
// and brings the link up to date. An account a directory sync disabled is
// enabled again, since the directory just vouched for the person; one an
// admin disabled stays disabled.
func (s *Service) resolve(ctx context.Context, id Identity) (account.User, Link, error) {
	l, err := s.store.LinkByExternalID(ctx, id.Provider, id.ID)
	if errors.Is(err, ErrNotFound) {
		return s.create(ctx, id)
	} else if err != nil {
		return account.User{}, Link{}, err
	}
	u, err := s.accounts.User(ctx, l.UserID)
	if err != nil {
		return account.User{}, Link{}, fmt.Errorf("reading the account linked to %s: %w", id.DN, err)
	}
	if l.Disabled {
		if u, err = s.setDisabled(ctx, u, &l, false, "the directory signed the person in again"); err != nil {
			return account.User{}, Link{}, err
		}
	}
	if u.Disabled {
		return account.User{}, Link{}, ErrBadCredentials
	}
	l.DN, l.Username, l.Groups, l.SyncedAt = id.DN, id.Username, id.Groups, s.opts.Now().UTC()
	if err := s.store.UpdateLink(ctx, l); err != nil {
		return account.User{}, Link{}, err
	}
	return u, l, nil
}

// create makes the account of a first directory sign-in and links it. A
// Berth account already holding the name is never taken over.
func (s *Service) create(ctx context.Context, id Identity) (account.User, Link, error) {
	name := BerthName(id.Username)
	u, err := s.accounts.CreateExternalUser(ctx, name, id.Email)
	if errors.Is(err, account.ErrUsernameTaken) {
		// A concurrent first sign-in of the same person may have won.
		if l, lerr := s.store.LinkByExternalID(ctx, id.Provider, id.ID); lerr == nil {
			u, err := s.accounts.User(ctx, l.UserID)
			return u, l, err
		}
		return account.User{}, Link{}, &ClashError{Username: name}
	} else if err != nil {
		return account.User{}, Link{}, fmt.Errorf("creating the account of %s: %w", id.DN, err)
	}
	now := s.opts.Now().UTC()
	l := Link{Provider: id.Provider, ExternalID: id.ID, UserID: u.ID, DN: id.DN, Username: id.Username,
		Groups: id.Groups, CreatedAt: now, SyncedAt: now}
	if err := s.store.CreateLink(ctx, l); err != nil {
		return account.User{}, Link{}, fmt.Errorf("linking %s to %s: %w", u.Username, id.DN, err)
	}
	err = s.record(ctx, audit.Event{Action: audit.AccountLinked, ActorID: u.ID, ActorName: u.Username,
		Outcome: audit.Success, Target: "user:" + u.Username, Detail: "created at first " + id.Provider + " sign-in as " + id.DN})
	return u, l, err
}

// setDisabled disables or re-enables the account and its link, and
// records why.
func (s *Service) setDisabled(ctx context.Context, u account.User, l *Link, disabled bool, why string) (account.User, error) {
	u, err := s.accounts.SetExternalDisabled(ctx, u.ID, disabled)
	if err != nil {
		return account.User{}, err
	}
	l.Disabled, l.SyncedAt = disabled, s.opts.Now().UTC()
	if err := s.store.UpdateLink(ctx, *l); err != nil {
		return account.User{}, err
	}
	action := audit.AccountEnabled
	if disabled {
		action = audit.AccountDisabled
	}
	return u, s.record(ctx, audit.Event{Action: action, Outcome: audit.Success, Target: "user:" + u.Username, Detail: why})
}

// Link links an existing Berth account to the directory person whose
// directory username is directoryUsername: what an admin does when a first
// sign-in was refused with a ClashError. Only admins may.
func (s *Service) Link(ctx context.Context, admin account.User, berthUsername, directoryUsername string) error {
	if !admin.Admin {
		return account.ErrForbidden
	}
	u, err := s.accounts.UserByUsername(ctx, berthUsername)
	if err != nil {
		return err
	}
	id, err := s.dir.Find(ctx, directoryUsername)
	if err != nil {
		return err
	}
	now := s.opts.Now().UTC()
	if err := s.store.CreateLink(ctx, Link{Provider: id.Provider, ExternalID: id.ID, UserID: u.ID, DN: id.DN,
		Username: id.Username, Groups: id.Groups, CreatedAt: now, SyncedAt: now}); err != nil {
		return err
	}
	return s.record(ctx, audit.Event{Action: audit.AccountLinked, ActorID: admin.ID, ActorName: admin.Username,
		Credential: audit.CredentialAdmin, Outcome: audit.Success, Target: "user:" + u.Username, Detail: "linked to " + id.DN})
}

// SignInIdentity signs in a person a provider has already vouched for (an
// OIDC callback that OIDC.Finish accepted): it finds or creates the linked
// account, with the same no-takeover rule as a directory password, and
// applies the person's groups.
func (s *Service) SignInIdentity(ctx context.Context, id Identity) (account.User, error) {
	if id.Provider != s.dir.Provider() || id.ID == "" {
		return account.User{}, ErrBadCredentials
	}
	u, _, err := s.resolve(ctx, id)
	if err != nil {
		return account.User{}, err
	}
	if err := s.apply(ctx, u, id.Groups); err != nil {
		return account.User{}, err
	}
	return u, nil
}
