package licensing

import "time"

// SetClock lets tests move a KeyRing's idea of now.
func SetClock(r *KeyRing, now func() time.Time) { r.now = now }
