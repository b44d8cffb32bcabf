package directory

import (
	"context"
	"errors"

	"github.com/berth/berth/account"
	"github.com/berth/berth/audit"
)

// LinkIdentity links u's own account to an identity the provider has just
// vouched for (an OIDC callback that the account holder, signed in,
// started from their settings page): the explicit link a person makes
// themselves. It is never made from a matching email or name, since Berth
// does not verify emails and names may belong to different people.
// Either side already linked for this provider is ErrLinked; a disabled
// account is ErrBadCredentials. The person's groups apply at once.
func (s *Service) LinkIdentity(ctx context.Context, u account.User, id Identity) error {
	if id.Provider != s.dir.Provider() || id.ID == "" {
		return ErrBadCredentials
	}
	u, err := s.accounts.User(ctx, u.ID)
	if errors.Is(err, account.ErrNotFound) || (err == nil && u.Disabled) {
		return ErrBadCredentials
	} else if err != nil {
		return err
	}
	now := s.opts.Now().UTC()
	if err := s.store.CreateLink(ctx, Link{Provider: id.Provider, ExternalID: id.ID, UserID: u.ID, DN: id.DN,
		Username: id.Username, Groups: id.Groups, CreatedAt: now, SyncedAt: now}); err != nil {
		return err
	}
	if err := s.record(ctx, audit.Event{Action: audit.AccountLinked, ActorID: u.ID, ActorName: u.Username,
		Credential: audit.CredentialSession, Outcome: audit.Success, Target: "user:" + u.Username,
		Detail: "linked by its holder to " + id.Provider + " identity " + id.Username}); err != nil {
		return err
	}
	return s.apply(ctx, u, id.Groups)
}

// Linked reports whether the account is linked to this provider, for the
// settings page's "Link" action.
func (s *Service) Linked(ctx context.Context, userID string) (bool, error) {
	_, err := s.store.LinkByUser(ctx, s.dir.Provider(), userID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
