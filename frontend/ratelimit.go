package frontend

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// window counts events per key in fixed one-minute windows. Counts live in
// this process: with several instances a client gets max per instance,
// which still bounds guessing.
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

// roll starts a new window when the current one is over; callers hold mu.
func (w *window) roll() {
	if now := w.now(); now.Sub(w.start) >= w.period {
		w.start, w.counts = now, map[string]int{}
	}
}

// exceeded reports whether key has used up its allowance, and when the
// window resets.
func (w *window) exceeded(key string) (bool, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	return w.counts[key] >= w.max, w.period - w.now().Sub(w.start)
}

func (w *window) add(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	w.counts[key]++
}

// failureLimiter allows each client address max failed requests (answers of
// 4xx or 5xx) a minute, then refuses it with 429 until the minute is over:
// it slows credential guessing and never a working client.
func failureLimiter(max int) fiber.Handler {
	return limit(newWindow(max), true)
}

// signupLimiter allows each client address max requests a minute.
func signupLimiter(max int) fiber.Handler {
	return limit(newWindow(max), false)
}

func limit(w *window, failuresOnly bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := c.IP()
		if over, reset := w.exceeded(key); over {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(reset.Seconds())+1))
			return &apiError{Status: http.StatusTooManyRequests, Code: "too_many_requests",
				Message: "too many attempts from your address; wait a minute and try again"}
		}
		err := c.Next()
		if !failuresOnly || (err != nil && classify(err).Status >= 400) || c.Response().StatusCode() >= 400 {
			w.add(key)
		}
		return err
	}
}
