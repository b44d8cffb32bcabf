package frontend

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// window counts attempts per key in fixed one-minute windows. Counts live in
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

// take reserves one attempt for key. It fails, saying when the window
// resets, when key has used up its allowance. Reserving before the attempt
// runs means parallel attempts cannot all slip past the check.
func (w *window) take(key string) (bool, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	if w.counts[key] >= w.max {
		return false, w.period - w.now().Sub(w.start)
	}
	w.counts[key]++
	return true, 0
}

// allows reports whether key has allowance left, without taking any.
func (w *window) allows(key string) (bool, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	if w.counts[key] >= w.max {
		return false, w.period - w.now().Sub(w.start)
	}
	return true, 0
}

// add counts one failed attempt for key.
func (w *window) add(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	w.counts[key]++
}

// refund gives back an attempt that turned out not to count.
func (w *window) refund(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.counts[key] > 0 {
		w.counts[key]--
	}
}

// failureLimiter allows each client max failed authentications (answers of
// 401) a minute, then refuses it with 429 until the minute is over: it
// slows credential guessing and never a working client.
func failureLimiter(max int, client func(*fiber.Ctx) string) fiber.Handler {
	return limit(newWindow(max), true, client)
}

// signupLimiter allows each client max requests a minute.
func signupLimiter(max int, client func(*fiber.Ctx) string) fiber.Handler {
	return limit(newWindow(max), false, client)
}

// limit enforces w per client. With failuresOnly, a request carrying a
// password reserves an attempt before it runs, so that a burst of parallel
// guesses cannot all pass before any is counted; every other request (no
// credential, or one of Berth's 256-bit keys and tokens, which cannot be
// guessed) only checks the allowance, so that many parallel pulls from one
// address are never refused, and counts against it when it fails.
func limit(w *window, failuresOnly bool, client func(*fiber.Ctx) string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := client(c)
		reserve := !failuresOnly || guessable(c)
		var ok bool
		var reset time.Duration
		if reserve {
			ok, reset = w.take(key)
		} else {
			ok, reset = w.allows(key)
		}
		if !ok {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(reset.Seconds())+1))
			return &apiError{Status: http.StatusTooManyRequests, Code: "too_many_requests",
				Message: "too many attempts from your address; wait a minute and try again"}
		}
		err := c.Next()
		switch {
		case !failuresOnly:
		case reserve && !failed(c, err):
			w.refund(key)
		case !reserve && failed(c, err):
			w.add(key)
		}
		return err
	}
}

// guessable reports whether a request carries a password: the credential
// that can be guessed, and whose checks are dear.
func guessable(c *fiber.Ctx) bool {
	if _, pass, err := basicCredentials(c); err == nil && pass != "" {
		return !strings.HasPrefix(pass, "berth_")
	}
	if c.Method() != fiber.MethodPost && c.Method() != fiber.MethodDelete {
		return false
	}
	switch c.Path() {
	case "/token":
		p := string(c.Request().PostArgs().Peek("password"))
		return p != "" && !strings.HasPrefix(p, "berth_")
	case "/signin", "/api/v1/session", "/settings/password", "/settings/delete", "/api/v1/user/password", "/api/v1/user":
		return true
	}
	return false
}

// failed reports whether a request ended in a refused credential.
func failed(c *fiber.Ctx, err error) bool {
	if err == nil {
		return c.Response().StatusCode() == http.StatusUnauthorized
	}
	return classify(err).Status == http.StatusUnauthorized
}
