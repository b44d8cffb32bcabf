package jobs

import "time"

// SetClock makes q read the time from now, so that tests step through
// backoffs and leases without waiting.
func SetClock(q *Queue, now func() time.Time) { q.now = now }
