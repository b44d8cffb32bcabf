package server

import (
	"context"
	"github.com/berth/berth/audit"
	"time"
)

// sweepEvery is how often expired sessions and access tokens are deleted.
const sweepEvery = 15 * time.Minute

// usageRetention is how long token audit records and pulls are kept: as
// long as security audit events.
const usageRetention = audit.Retention

// sweep deletes expired sessions and access tokens, prunes old usage
// records and expires unreviewed publisher applications at start and then
// every sweepEvery until ctx ends (see account.Service.Sweep).
func (s *Server) sweep(ctx context.Context) {
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for first := true; ; first = false {
		if !first {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
		sessions, tokens, err := s.Backend.Accounts.Sweep(ctx)
		if ctx.Err() != nil {
			return // stopping; an error now is the cancellation
		}
		if err != nil {
			s.log.Warn("sweeping expired sessions and tokens failed", "err", err)
		}
		s.log.Debug("swept expired sessions and tokens", "sessions", sessions, "tokens", tokens)
		pruned, err := s.Backend.Licenses.PruneUsage(ctx, usageRetention)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Warn("pruning old token records and pulls failed", "err", err)
		}
		s.log.Debug("pruned old token records and pulls", "records", pruned)
		swept, err := s.Backend.Security.Sweep(ctx, time.Now().Add(-audit.Retention))
		if err != nil && ctx.Err() == nil {
			s.log.Warn("sweeping old security audit events failed", "err", err)
		}
		s.log.Debug("swept old security audit events", "events", swept)
		expired, err := s.Backend.Publishers.ExpireApplications(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Warn("expiring old publisher applications failed", "err", err)
		}
		s.log.Debug("expired old publisher applications", "applications", expired)
	}
}
