package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth/berth/account"
)

// SyncReport says what a periodic sync found.
type SyncReport struct {
	Checked  int // linked accounts looked up
	Disabled int // accounts disabled because the directory no longer has the person
	Enabled  int // accounts enabled again because the person is back
	Failed   int // accounts that could not be synced (their errors are returned)
}

// syncPage is how many links a sync reads at once.
const syncPage = 100

// Sync re-reads every linked person from the directory and applies their
// groups, so that someone removed from a group loses the team without
// signing in again. A person the directory no longer has, or has
// disabled, has their account disabled (so their next token is refused)
// and loses every mapped membership. If the directory cannot be reached,
// Sync stops at once and disables nobody. The server runs it periodically
// on the job queue.
func (s *Service) Sync(ctx context.Context) (SyncReport, error) {
	var (
		r     SyncReport
		errs  []error
		after string
	)
	for {
		links, err := s.store.Links(ctx, s.dir.Provider(), after, syncPage)
		if err != nil {
			return r, errors.Join(append(errs, err)...)
		}
		for _, l := range links {
			r.Checked++
			if err := s.syncOne(ctx, l, &r); errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
				return r, errors.Join(append(errs, err)...)
			} else if err != nil {
				r.Failed++
				errs = append(errs, err)
			}
		}
		if len(links) < syncPage {
			return r, errors.Join(errs...)
		}
		after = links[len(links)-1].UserID
	}
}

// syncOne brings one linked account in line with the directory.
func (s *Service) syncOne(ctx context.Context, l Link, r *SyncReport) error {
	u, err := s.accounts.User(ctx, l.UserID)
	if errors.Is(err, account.ErrNotFound) {
		return s.store.DeleteLink(ctx, l.Provider, l.UserID) // the account was deleted in Berth
	} else if err != nil {
		return err
	}
	id, err := s.dir.Lookup(ctx, l.ExternalID)
	if errors.Is(err, ErrGone) {
		if !l.Disabled {
			r.Disabled++
			if u, err = s.setDisabled(ctx, u, &l, true, "the directory no longer has "+l.DN+", or disabled it"); err != nil {
				return err
			}
		}
		return s.apply(ctx, u, nil)
	} else if err != nil {
		return fmt.Errorf("looking up %s: %w", l.DN, err)
	}
	if l.Disabled {
		r.Enabled++
		if u, err = s.setDisabled(ctx, u, &l, false, "the directory has "+id.DN+" again"); err != nil {
			return err
		}
	}
	l.DN, l.Username, l.Groups, l.SyncedAt = id.DN, id.Username, id.Groups, s.opts.Now().UTC()
	if err := s.store.UpdateLink(ctx, l); err != nil {
		return err
	}
	return s.apply(ctx, u, id.Groups)
}
