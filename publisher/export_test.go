package publisher

import "time"

// SetClock lets tests move a Service's idea of now.
func SetClock(s *Service, now func() time.Time) { s.now = now }
