package server

import (
	"context"
	"time"
)

// reloadKeys reloads the token keys every keyReload until ctx ends, so that
// a rotation done elsewhere (the CLI, another instance) is picked up.
func (s *Server) reloadKeys(ctx context.Context) {
	tick := time.NewTicker(keyReload)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := s.Backend.Keys.Load(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("reloading token keys failed; signing with the keys loaded before", "err", err)
		}
	}
}
