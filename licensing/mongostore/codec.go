package mongostore

import "time"

// encodeTime stores t as Unix nanoseconds, 0 for the zero time: BSON dates
// keep only milliseconds, and callers expect times to round-trip exactly.
func encodeTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// decodeTime reverses encodeTime, in UTC.
func decodeTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
