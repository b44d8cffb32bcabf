package frontend

import (
	"fmt"
	"strings"
	"time"
)

// humanDuration says a duration in words ("5 minutes", "1 hour 30
// minutes", "2 days"), to the two largest units, for pages: Go's own
// form ("5m0s") is not for people. Every page that shows a duration uses
// it (template func humanDuration).
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < time.Second {
		return "less than a second"
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 {
			parts = append(parts, plural(int64(n), u.name))
			d -= n * u.size
		}
		if len(parts) == 2 || len(parts) == 1 && d == 0 {
			break
		}
	}
	return strings.Join(parts, " ")
}

// plural is n and the noun, with an s unless n is one: "1 day", "3 days".
func plural(n int64, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
