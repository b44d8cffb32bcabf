package account

import (
	"context"
	"errors"
	"fmt"
)

// Sweep deletes the sessions Session would refuse as expired or idle and
// the tokens AuthenticateToken would refuse as expired, and returns how
// many of each it removed. The server calls it periodically: FerretDB has
// no TTL indexes, and nothing else removes what is never presented again.
// A failure on one kind does not stop the sweep of the other.
func (s *Service) Sweep(ctx context.Context) (sessions, tokens int, err error) {
	now := s.now()
	// Expired: now is after ExpiresAt. Idle: now - LastSeenAt exceeds
	// SessionIdle. Both are "strictly before a cut-off". SessionMaximum is
	// already in each ExpiresAt.
	sessions, serr := s.st.Sessions.DeleteExpiredSessions(ctx, now, now.Add(-s.opts.SessionIdle))
	if serr != nil {
		serr = fmt.Errorf("sweeping sessions: %w", serr)
	}
	// A token is refused from its ExpiresAt on; one that expires at exactly
	// now goes at the next sweep.
	tokens, terr := s.st.Tokens.DeleteExpiredTokens(ctx, now)
	if terr != nil {
		terr = fmt.Errorf("sweeping tokens: %w", terr)
	}
	return sessions, tokens, errors.Join(serr, terr)
}
