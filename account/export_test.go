package account

import "time"

// SetClock lets tests move a Service's idea of now.
func SetClock(s *Service, now func() time.Time) { s.now = now }

// Hashes returns how many password hashes s has computed.
func Hashes(s *Service) int64 { return s.hashes.Load() }
