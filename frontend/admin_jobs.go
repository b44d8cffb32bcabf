package frontend

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/jobs"
)

// DeadLetters is what the admin pages need of the job queue: the jobs
// that failed for good, and a way to run one again.
type DeadLetters interface {
	Failed(ctx context.Context, kind string, limit, offset int) ([]jobs.Job, error)
	Retry(ctx context.Context, id string) (jobs.Job, error)
}

// adminJobRoutes registers the dead letters page and its JSON API.
func (h *handlers) adminJobRoutes(app, api routes) {
	app.Get("/admin/jobs", access.AdminPage, h.adminJobsPage)
	app.Post("/admin/jobs/:id/retry", access.AdminPage, h.retryJobForm)
	api.Get("/admin/jobs", access.Administer, h.adminJobsAPI)
	api.Post("/admin/jobs/:id/retry", access.Administer, h.retryJobAPI)
}

// jobJSON is a job as an administrator sees it; its payload stays inside.
type jobJSON struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	RunAt     time.Time `json:"run_at"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func jobOf(j jobs.Job) jobJSON {
	return jobJSON{ID: j.ID, Kind: j.Kind, Status: string(j.Status), Attempts: j.Attempts, LastError: j.LastError,
		RunAt: j.RunAt, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}
}

// failedJobs lists one page of dead letters of kind ("" for all).
func (h *handlers) failedJobs(ctx context.Context, kind string, limit, offset int) ([]jobs.Job, error) {
	if h.Jobs == nil {
		return nil, nil
	}
	return h.Jobs.Failed(ctx, kind, limit, offset)
}

// retryJob runs the failed job named in the path again.
func (h *handlers) retryJob(c *fiber.Ctx) (jobs.Job, error) {
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil {
		return jobs.Job{}, badRequest("id", "id: not a valid path segment")
	}
	if h.Jobs == nil {
		return jobs.Job{}, describe(jobs.ErrNotFound, "", "no job "+id)
	}
	j, err := h.Jobs.Retry(c.UserContext(), id)
	if err != nil {
		return jobs.Job{}, describe(err, "", "job "+id+": "+rootMessage(err))
	}
	return j, nil
}

func (h *handlers) adminJobsAPI(c *fiber.Ctx) error {
	if _, err := h.requireAdmin(c); err != nil {
		return err
	}
	if s := c.Query("status", string(jobs.Failed)); s != string(jobs.Failed) {
		return badRequest("status", "status: only failed jobs are listed (status=failed)")
	}
	p, err := adminListPage(c)
	if err != nil {
		return err
	}
	js, err := h.failedJobs(c.UserContext(), c.Query("kind"), p.Limit, p.Offset)
	if err != nil {
		return err
	}
	out := make([]jobJSON, 0, len(js))
	for _, j := range js {
		out = append(out, jobOf(j))
	}
	return c.JSON(fiber.Map{"jobs": out})
}

func (h *handlers) retryJobAPI(c *fiber.Ctx) error {
	if _, err := h.requireAdmin(c); err != nil {
		return err
	}
	j, err := h.retryJob(c)
	if err != nil {
		return err
	}
	return c.JSON(jobOf(j))
}

// adminJobsView is the dead letters page: one page of failed jobs.
type adminJobsView struct {
	Jobs []failedJobRow
	Kind string // the kind shown, "" for all
	Page int    // from 1
	More bool
}

// failedJobRow is a failed job on the page, with the address of its Retry
// form: a job ID may hold ":" or "/" (webhook-delivery:<id>), so it is
// escaped as one path segment here, not in the template.
type failedJobRow struct {
	jobs.Job
	RetryURL string
}

// PrevURL and NextURL link the neighbouring pages, keeping the kind.
func (v adminJobsView) PrevURL() string { return adminJobsURL(v.Kind, v.Page-1) }
func (v adminJobsView) NextURL() string { return adminJobsURL(v.Kind, v.Page+1) }

// adminJobsURL is the dead letters page of kind at page.
func adminJobsURL(kind string, page int) string {
	q := url.Values{}
	if kind != "" {
		q.Set("kind", kind)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/admin/jobs"
	}
	return "/admin/jobs?" + q.Encode()
}

func (h *handlers) adminJobsPage(c *fiber.Ctx) error {
	if _, err := adminViewer(c); err != nil {
		return err
	}
	v := adminJobsView{Kind: c.Query("kind"), Page: adminPageNumber(c, "page")}
	js, err := h.failedJobs(c.UserContext(), v.Kind, adminPageSize+1, (v.Page-1)*adminPageSize)
	if err != nil {
		return err
	}
	for _, j := range js[:min(len(js), adminPageSize)] {
		v.Jobs = append(v.Jobs, failedJobRow{Job: j, RetryURL: "/admin/jobs/" + url.PathEscape(j.ID) + "/retry"})
	}
	v.More = len(js) > adminPageSize
	return h.render(c, http.StatusOK, "admin_jobs", "Failed jobs", v)
}

// retryJobForm retries a job and goes back to the list it was on; a job
// no longer failed (retried meanwhile) says so there.
func (h *handlers) retryJobForm(c *fiber.Ctx) error {
	if _, err := adminViewer(c); err != nil {
		return err
	}
	back := adminJobsURL(c.FormValue("kind"), adminPageNumber(c, "page"))
	j, err := h.retryJob(c)
	if ae, ok := clientError(err); ok && ae.Status == http.StatusConflict {
		return h.done(c, back, ae.Message)
	} else if err != nil {
		return err
	}
	return h.done(c, back, "Job "+j.ID+" is due again")
}
