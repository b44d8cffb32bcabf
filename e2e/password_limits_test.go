package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth/berth/account"
)

// from returns a client whose connections leave from the loopback address
// ip, so that one test can be several clients (the whole of 127.0.0.0/8 is
// this machine). It does not follow redirects.
func from(in *instance, ip string) (*http.Client, string) {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	u, _ := url.Parse(in.URL)
	return &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, "http://127.0.0.1:" + u.Port()
}

// basic sends a request with HTTP basic credentials and returns the status
// and the Retry-After header.
func basic(t *testing.T, c *http.Client, method, url, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.Do(req)
	must(t, err)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestPasswordGuessingAllowance pins the allowance: ten wrong passwords
// for one account from one address are checked (401), and from the
// eleventh on every answer is 429 with Retry-After, the right password
// included; /token answers the same in the registry's format. What is not
// a password guess is never held back: a valid license key, anonymous
// pages, another account.
func TestPasswordGuessingAllowance(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	b := in.srv.Backend
	u, err := b.Accounts.Register(ctx, account.SignUp{Username: "bob", Email: "bob@example.com", Password: "bob-password"})
	must(t, err)
	_, err = b.Accounts.Register(ctx, account.SignUp{Username: "carol", Email: "carol@example.com", Password: "carol-password"})
	must(t, err)
	product, free, _ := pickFreeTier(t, in)
	issued, err := b.Licenses.CheckoutFree(ctx, u.ID, product.Slug, free.ID)
	must(t, err)
	c, base := from(in, "127.0.0.11")

	for i := range 30 {
		if s, _ := basic(t, c, "GET", base+"/api/v1/licenses", "bob", "bob-password"); s != http.StatusOK {
			t.Fatalf("right password %d: %d; successes are never counted", i, s)
		}
	}
	for i := 1; i <= 15; i++ {
		s, retry := basic(t, c, "GET", base+"/api/v1/licenses", "bob", "guess-"+strconv.Itoa(i))
		switch {
		case i <= 10 && s != http.StatusUnauthorized:
			t.Errorf("wrong password %d: %d, want 401 (the allowance is 10)", i, s)
		case i > 10 && (s != http.StatusTooManyRequests || retry == ""):
			t.Errorf("wrong password %d: %d with Retry-After %q, want 429 with Retry-After", i, s, retry)
		}
	}
	if s, _ := basic(t, c, "GET", base+"/api/v1/licenses", "bob", "bob-password"); s != http.StatusTooManyRequests {
		t.Errorf("the right password while limited: %d, want 429", s)
	}
	req, _ := http.NewRequest("GET", base+"/token", nil)
	req.SetBasicAuth("bob", "bob-password")
	var reg struct {
		Errors []struct{ Code, Message string }
	}
	resp, err := c.Do(req)
	must(t, err)
	must(t, json.NewDecoder(resp.Body).Decode(&reg))
	resp.Body.Close()
	if s := resp.StatusCode; s != http.StatusTooManyRequests || len(reg.Errors) != 1 || reg.Errors[0].Code != "TOO_MANY_REQUESTS" {
		t.Errorf("/token for bob while limited: %d %+v, want 429 TOO_MANY_REQUESTS", s, reg)
	}
	if s, _ := basic(t, c, "GET", base+"/token?service="+url.QueryEscape(in.Registry), "ci", issued.Key); s != http.StatusOK {
		t.Errorf("a valid license key from the same address: %d, want 200", s)
	}
	for _, page := range []string{"/", "/explore", "/api/v1/products"} {
		if s, _ := basic(t, c, "GET", base+page, "", ""); s != http.StatusOK {
			t.Errorf("anonymous %s from the same address: %d, want 200", page, s)
		}
	}
	if s, _ := basic(t, c, "GET", base+"/api/v1/licenses", "carol", "carol-password"); s != http.StatusOK {
		t.Errorf("another account from the same address: %d, want 200", s)
	}
}

// TestUnauthenticatedAnswersDoNotCount: 401s for missing credentials, and
// failed checks of unguessable keys, spend no allowance: the address still
// signs in, and its pages load.
func TestUnauthenticatedAnswersDoNotCount(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	_, err := in.srv.Backend.Accounts.Register(context.Background(), account.SignUp{Username: "dan", Email: "dan@example.com", Password: "dan-password"})
	must(t, err)
	c, base := from(in, "127.0.0.12")
	for i := range 50 {
		if s, _ := basic(t, c, "GET", base+"/api/v1/licenses", "", ""); s != http.StatusUnauthorized {
			t.Fatalf("anonymous request %d: %d, want 401", i, s)
		}
		if s, _ := basic(t, c, "GET", base+"/token", "x", "berth_pat_notatoken"+strconv.Itoa(i)); s != http.StatusUnauthorized {
			t.Fatalf("unknown token %d: %d, want 401", i, s)
		}
	}
	if s, _ := basic(t, c, "GET", base+"/api/v1/licenses", "dan", "dan-password"); s != http.StatusOK {
		t.Errorf("the right password after 100 unauthenticated answers: %d, want 200", s)
	}
	if s, _ := basic(t, c, "GET", base+"/", "", ""); s != http.StatusOK {
		t.Errorf("the home page: %d, want 200", s)
	}
}

// TestGuessesFromManyAddresses: guesses spread over many addresses and
// over /token, Basic on the API and the sign-in API are bounded per
// account (100 an hour), while the account's holder, at an address they
// signed in from before, is not locked out by them.
func TestGuessesFromManyAddresses(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	_, err := in.srv.Backend.Accounts.Register(context.Background(), account.SignUp{Username: "vic", Email: "vic@example.com", Password: "vic-password"})
	must(t, err)
	victim, base := from(in, "127.0.0.20")
	if s, _ := basic(t, victim, "GET", base+"/api/v1/user", "vic", "vic-password"); s != http.StatusOK {
		t.Fatalf("the victim signing in: %d", s)
	}
	guess := 0
	for a := 30; a < 40; a++ {
		c, _ := from(in, "127.0.0."+strconv.Itoa(a))
		for range 10 {
			guess++
			path := []string{"/token", "/api/v1/licenses"}[guess%2]
			if s, _ := basic(t, c, "GET", base+path, "vic", "guess-"+strconv.Itoa(guess)); s != http.StatusUnauthorized {
				t.Fatalf("guess %d from 127.0.0.%d to %s: %d, want 401 (under every limit)", guess, a, path, s)
			}
		}
	}
	fresh, _ := from(in, "127.0.0.41")
	for _, path := range []string{"/token", "/api/v1/licenses"} {
		if s, _ := basic(t, fresh, "GET", base+path, "vic", "vic-password"); s != http.StatusTooManyRequests {
			t.Errorf("guess 101 at %s from a fresh address (the right password): %d, want 429", path, s)
		}
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/session", strings.NewReader(`{"username":"vic","password":"vic-password"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := fresh.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("web sign-in from a fresh address past the account limit: %d, want 429", resp.StatusCode)
	}
	req, _ = http.NewRequest("POST", base+"/api/v1/session", strings.NewReader(`{"username":"vic","password":"vic-password"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err = victim.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("the victim signing in from their own address: %d, want 201", resp.StatusCode)
	}
}

// TestParallelGuessesHoldTheAllowance: sixty wrong passwords sent at once
// from one address are checked exactly ten times; every other answer is
// 429, never 500.
func TestParallelGuessesHoldTheAllowance(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	_, err := in.srv.Backend.Accounts.Register(context.Background(), account.SignUp{Username: "erin", Email: "erin@example.com", Password: "erin-password"})
	must(t, err)
	c, base := from(in, "127.0.0.13")
	const attempts = 60
	statuses := make(chan int, attempts)
	var wg sync.WaitGroup
	for range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _ := basic(t, c, "GET", base+"/token", "erin", "wrong-guess")
			statuses <- s
		}()
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	if counts[http.StatusUnauthorized] != 10 || counts[http.StatusTooManyRequests] != attempts-10 {
		t.Errorf("answers to %d parallel wrong passwords: %v; want exactly 10 × 401 and %d × 429", attempts, counts, attempts-10)
	}
}
