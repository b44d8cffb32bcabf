package e2e

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/jobs"
)

// adminJob is a job as the admin API lists it.
type adminJob struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

// TestFailedJobsAdmin: jobs that failed for good on the running server's
// queue are listed for an administrator (page and API, filtered by kind),
// and retried from either: the job runs again and is done. A job that is
// not failed answers 409, an unknown one 404; anyone but an administrator
// is refused; each retry is in the security log. On both stores.
func TestFailedJobsAdmin(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testFailedJobsAdmin(t, b) })
	}
}

func testFailedJobsAdmin(t *testing.T, b backend) {
	cfg := config(t, b)
	cfg.Demo = false
	in := start(t, cfg)
	ctx := context.Background()
	for _, u := range []account.SignUp{
		{Username: "ops", Email: "ops@example.com", Password: "ops-password", Admin: true},
		{Username: "dora", Email: "dora@example.com", Password: "dora-password"},
	} {
		_, err := in.srv.Backend.Accounts.Register(ctx, u)
		must(t, err)
	}
	// A kind of job that fails until the test lets it succeed: its failure
	// is permanent, so one attempt makes it a dead letter.
	var healed, ran atomic.Int32
	q := in.srv.Backend.Jobs
	for _, kind := range []string{"e2e.flaky", "e2e.other"} {
		q.Handle(kind, func(context.Context, []byte) error {
			ran.Add(1)
			if healed.Load() == 0 {
				return jobs.Expected(jobs.Permanent(errors.New("the far side is down")))
			}
			return nil
		})
	}
	for _, j := range [][2]string{{"e2e.flaky", "flaky-1"}, {"e2e.flaky", "e2e:flaky/2"}, {"e2e.other", "other-1"}} {
		_, err := q.Enqueue(ctx, j[0], j[1], []byte("{}"))
		must(t, err)
	}
	list := func(query string) []adminJob {
		t.Helper()
		var out struct{ Jobs []adminJob }
		if s := in.call("GET", "/api/v1/admin/jobs"+query, "ops", "ops-password", nil, &out); s != http.StatusOK {
			t.Fatalf("listing failed jobs%s: %d", query, s)
		}
		return out.Jobs
	}
	waitUntil(t, "three failed jobs", func() bool { return len(list("")) == 3 })
	flaky := list("?status=failed&kind=e2e.flaky")
	if len(flaky) != 2 || flaky[0].Kind != "e2e.flaky" || flaky[0].Status != "failed" || flaky[0].Attempts != 1 ||
		flaky[0].LastError != "the far side is down" {
		t.Fatalf("failed e2e.flaky jobs: %+v; want two, failed after one attempt with their error", flaky)
	}

	// Anyone but an administrator is refused, and nothing changes.
	if s := in.call("GET", "/api/v1/admin/jobs", "dora", "dora-password", nil, nil); s != http.StatusForbidden {
		t.Errorf("a non-admin listing failed jobs: %d, want 403", s)
	}
	if s := in.call("POST", "/api/v1/admin/jobs/flaky-1/retry", "dora", "dora-password", nil, nil); s != http.StatusForbidden {
		t.Errorf("a non-admin retrying a job: %d, want 403", s)
	}
	if s := in.call("POST", "/api/v1/admin/jobs/flaky-1/retry", "", "", nil, nil); s != http.StatusUnauthorized {
		t.Errorf("an anonymous retry: %d, want 401", s)
	}
	dora := signInAPI(t, in, "dora", "dora-password")
	if resp, _ := send(t, "GET", in.URL+"/admin/jobs", "", nil, dora); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the failed jobs page for a non-admin: %d, want 404", resp.StatusCode)
	}
	if got := list(""); len(got) != 3 {
		t.Fatalf("refused retries changed the dead letters: %+v", got)
	}

	healed.Store(1)
	// Through the API.
	var retried adminJob
	if s := in.call("POST", "/api/v1/admin/jobs/flaky-1/retry", "ops", "ops-password", nil, &retried); s != http.StatusOK ||
		retried.ID != "flaky-1" || retried.Attempts != 0 {
		t.Fatalf("retrying flaky-1: %d %+v; want 200 with its attempts renewed", s, retried)
	}
	waitDone(t, in, "flaky-1")
	var e apiErr
	if s := in.call("POST", "/api/v1/admin/jobs/flaky-1/retry", "ops", "ops-password", nil, &e); s != http.StatusConflict || e.Error.Code != "not_failed" {
		t.Errorf("retrying a done job: %d %+v; want 409 not_failed", s, e.Error)
	}
	if s := in.call("POST", "/api/v1/admin/jobs/nosuch/retry", "ops", "ops-password", nil, &e); s != http.StatusNotFound {
		t.Errorf("retrying an unknown job: %d %+v; want 404", s, e.Error)
	}
	if s := in.call("GET", "/api/v1/admin/jobs?status=done", "ops", "ops-password", nil, &e); s != http.StatusBadRequest || e.Error.Field != "status" {
		t.Errorf("listing done jobs: %d %+v; want 400 naming status", s, e.Error)
	}

	// Through the page.
	ops := signInAPI(t, in, "ops", "ops-password")
	resp, body := send(t, "GET", in.URL+"/admin/jobs?kind=e2e.flaky", "", nil, ops)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "e2e:flaky/2") || strings.Contains(body, "flaky-1") ||
		strings.Contains(body, "other-1") || !strings.Contains(body, "the far side is down") {
		t.Fatalf("failed jobs page of e2e.flaky: %d; want e2e:flaky/2 with its error, and nothing else:\n%s", resp.StatusCode, body)
	}
	form := url.Values{"_csrf": {between(body, `name="_csrf" value="`, `"`)}, "kind": {"e2e.flaky"}}
	header := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	action := between(between(body, `id="failed-jobs"`, `</table>`), `<form method="post" action="`, `"`)
	if action != "/admin/jobs/e2e:flaky%2F2/retry" {
		t.Fatalf("the Retry form posts to %q, want the job's ID as one path segment", action)
	}
	if resp, _ := send(t, "POST", in.URL+action, url.Values{"kind": {"e2e.flaky"}}.Encode(), header, ops); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a retry form without its CSRF token: %d, want 403", resp.StatusCode)
	}
	resp, _ = send(t, "POST", in.URL+action, form.Encode(), header, ops)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/jobs?kind=e2e.flaky" {
		t.Fatalf("retrying e2e:flaky/2 from the page: %d to %q; want 303 back to the list", resp.StatusCode, resp.Header.Get("Location"))
	}
	waitDone(t, in, "e2e:flaky/2")
	if got := list(""); len(got) != 1 || got[0].ID != "other-1" {
		t.Errorf("failed jobs after both retries: %+v; want other-1 alone", got)
	}
	_, home := send(t, "GET", in.URL+"/", "", nil, dora)
	doraForm := url.Values{"_csrf": {between(home, `name="_csrf" value="`, `"`)}}
	if resp, _ := send(t, "POST", in.URL+"/admin/jobs/other-1/retry", doraForm.Encode(), header, dora); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the retry form for a non-admin: %d, want 404", resp.StatusCode)
	}
	if got := list(""); len(got) != 1 || got[0].ID != "other-1" || got[0].Attempts != 1 {
		t.Errorf("a non-admin's retry form changed the dead letters: %+v", got)
	}

	var log struct{ Events []securityEvent }
	in.call("GET", "/api/v1/admin/security-events?limit=100", "ops", "ops-password", nil, &log)
	retries := 0
	for _, ev := range log.Events {
		if ev.Action == "admin" && ev.Actor == "ops" && ev.Outcome == "success" {
			retries++
		}
	}
	if retries != 2 {
		t.Errorf("successful admin actions by ops in the security log: %d, want the 2 retries", retries)
	}
}

// waitDone waits until the job with id is done, as the queue's store says.
func waitDone(t *testing.T, in *instance, id string) {
	t.Helper()
	waitUntil(t, id+" done", func() bool {
		j, err := in.srv.Backend.Stores.Jobs.Job(context.Background(), id)
		return err == nil && j.Status == jobs.Done
	})
}

// waitUntil polls cond until it holds, failing the test after a generous
// bound (a hang guard, not a timing assertion).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}
