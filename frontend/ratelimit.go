package frontend

import (
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// window counts requests per key in fixed one-minute windows. Counts live in
// this process: with several instances a client gets max per instance.
type window struct {
	max    int
	period time.Duration
	now    func() time.Time

	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

func newWindow(max int) *window {
	return &window{max: max, period: time.Minute, now: time.Now, counts: map[string]int{}}
}

// take reserves one request for key. It fails, saying when the window
// resets, when key has used up its allowance.
func (w *window) take(key string) (bool, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if now := w.now(); now.Sub(w.start) >= w.period {
		w.start, w.counts = now, map[string]int{}
	}
	if w.counts[key] >= w.max {
		return false, w.period - w.now().Sub(w.start)
	}
	w.counts[key]++
	return true, 0
}

// signupLimiter allows each client max sign-ups a minute. Password
// guessing is limited by the account domain, where every password check
// goes (account.Service.Authenticate).
func signupLimiter(max int, client func(*fiber.Ctx) string) fiber.Handler {
	w := newWindow(max)
	return func(c *fiber.Ctx) error {
		if ok, reset := w.take(client(c)); !ok {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(reset.Seconds())+1))
			return throttled("too many sign-ups from your address; wait a minute and try again")
		}
		return c.Next()
	}
}
