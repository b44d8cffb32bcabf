package registry

import (
	"context"
	"encoding/json"
	"expvar"
	"time"
)

// PendingNotifications returns how many events the registries of this
// process still hold for the notification endpoint at url: queued, or
// being delivered. distribution keeps its endpoints' counts in expvar
// ("registry" → "notifications" → "endpoints"); an endpoint's count drops
// once the event is delivered.
func PendingNotifications(url string) int {
	reg, ok := expvar.Get("registry").(*expvar.Map)
	if !ok {
		return 0
	}
	notifications, ok := reg.Get("notifications").(*expvar.Map)
	if !ok {
		return 0
	}
	endpoints, ok := notifications.Get("endpoints").(expvar.Func)
	if !ok {
		return 0
	}
	var list []struct {
		URL     string `json:"url"`
		Metrics struct{ Pending int }
	}
	if err := json.Unmarshal([]byte(endpoints.String()), &list); err != nil {
		return 0
	}
	n := 0
	for _, e := range list {
		if e.URL == url {
			n += e.Metrics.Pending
		}
	}
	return n
}

// DrainNotifications waits until the registries of this process hold no
// event for the endpoint at url, or ctx ends. A stopping Berth calls it
// after its registry stops taking requests and before its web side stops:
// distribution delivers from memory, and an event still queued when the
// web side is gone would be retried for ever.
func DrainNotifications(ctx context.Context, url string) error {
	for PendingNotifications(url) > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}
