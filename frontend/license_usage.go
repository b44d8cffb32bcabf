package frontend

import (
	"context"
	"errors"
	"github.com/berth/berth/access"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/licensing"
)

// licenseUsageRoutes registers what a license's holders see of its use:
// seats, pulls and the tokens issued, and the admin's view of all of it.
func (h *handlers) licenseUsageRoutes(api routes) {
	api.Get("/licenses/:id/seats", access.OnLicense(access.Read, "id"), h.licenseSeatsAPI)
	api.Delete("/licenses/:id/seats/:holder", access.OnLicense(access.Manage, "id"), h.releaseSeatAPI)
	api.Get("/licenses/:id/pulls", access.OnLicense(access.Read, "id"), h.ofLicense(h.pullsAPI))
	api.Get("/licenses/:id/tokens", access.OnLicense(access.Read, "id"), h.ofLicense(h.tokensAPI))
	api.Get("/admin/pulls", access.Administer, h.adminPullsAPI)
	api.Get("/admin/tokens", access.Administer, h.adminTokensAPI)
}

// heldLicense is a license as one viewer may see it: whose it is and
// whether the viewer manages it (frees seats).
type heldLicense struct {
	licensing.License
	OwnerName string
	Manage    bool
}

// licenseAccess returns license id as u sees it: whose it is, and whether
// u manages it (their own; their organisations', for the organisation's
// owners and admins; any, for Berth's administrators). The routes that
// call it declare access.OnLicense, which decided that u may be here.
func (h *handlers) licenseAccess(ctx context.Context, u account.User, id string) (heldLicense, error) {
	l, err := h.Licenses.License(ctx, id)
	if err != nil {
		return heldLicense{}, err
	}
	if l.Owner == u.ID {
		return heldLicense{License: l, OwnerName: u.Username, Manage: true}, nil
	}
	orgs, err := h.Accounts.OrgsOf(ctx, u.ID)
	if err != nil {
		return heldLicense{}, err
	}
	for _, o := range orgs {
		if o.ID == l.Owner {
			role := o.Role(u.ID)
			return heldLicense{License: l, OwnerName: o.Name, Manage: role == account.RoleOwner || role == account.RoleAdmin || u.Admin}, nil
		}
	}
	name := l.Owner
	if owner, err := h.Accounts.User(ctx, l.Owner); err == nil {
		name = owner.Username
	}
	return heldLicense{License: l, OwnerName: name, Manage: u.Admin}, nil
}

// heldLicenses returns u's own licenses and their organisations', newest
// first within each owner.
func (h *handlers) heldLicenses(ctx context.Context, u account.User) ([]heldLicense, error) {
	own, err := h.Licenses.Licenses(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]heldLicense, 0, len(own))
	for _, l := range own {
		out = append(out, heldLicense{License: l, OwnerName: u.Username, Manage: true})
	}
	orgs, err := h.Accounts.OrgsOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		ls, err := h.Licenses.Licenses(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		role := o.Role(u.ID)
		for _, l := range ls {
			out = append(out, heldLicense{License: l, OwnerName: o.Name, Manage: role == account.RoleOwner || role == account.RoleAdmin})
		}
	}
	return out, nil
}

// usageQuery reads ?limit (1 to 200, default 50) and ?before (RFC 3339).
func usageQuery(c *fiber.Ctx, licenseID string) (licensing.UsageQuery, error) {
	q := licensing.UsageQuery{LicenseID: licenseID, Limit: 50}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return q, badRequest("limit", "limit must be a whole number from 1 to 200")
		}
		q.Limit = n
	}
	if v := c.Query("before"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return q, badRequest("before", "before must be an RFC 3339 time, such as 2026-11-27T10:00:00Z")
		}
		q.Before = t
	}
	return q, nil
}

// seatJSON is one seat taken on a license.
type seatJSON struct {
	Holder    string    `json:"holder"`
	ClaimedAt time.Time `json:"claimed_at"`
}

type pullJSON struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	License    string    `json:"license"`
	Repository string    `json:"repository"`
	Reference  string    `json:"reference"`
	Digest     string    `json:"digest"`
	Subject    string    `json:"subject"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
}

type tokenRecordJSON struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Subject    string    `json:"subject"`
	Credential string    `json:"credential"`
	Licenses   []string  `json:"licenses"`
	Asked      []string  `json:"scopes_asked"`
	Granted    []string  `json:"scopes_granted"`
	Denied     []string  `json:"denied"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
}

func pullsJSON(ps []licensing.Pull) []pullJSON {
	out := make([]pullJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, pullJSON{ID: p.ID, At: p.At, License: p.LicenseID, Repository: p.Repository, Reference: p.Reference,
			Digest: p.Digest, Subject: p.Subject, IP: p.IP, UserAgent: p.UserAgent})
	}
	return out
}

func tokenRecordsJSON(rs []licensing.TokenRecord) []tokenRecordJSON {
	out := make([]tokenRecordJSON, 0, len(rs))
	for _, r := range rs {
		cred := string(r.Kind)
		if cred == "" {
			cred = "anonymous"
		}
		out = append(out, tokenRecordJSON{ID: r.ID, At: r.At, Subject: r.Subject, Credential: cred, Licenses: nonNil(r.Licenses),
			Asked: nonNil(r.Asked), Granted: nonNil(r.Granted), Denied: nonNil(r.Denied), IP: r.IP, UserAgent: r.UserAgent})
	}
	return out
}

// page answers a list with the cursor of the next page when it is full.
func pageJSON[T any](c *fiber.Ctx, key string, items []T, q licensing.UsageQuery, last func() time.Time) error {
	body := fiber.Map{key: items}
	if len(items) == q.Limit {
		body["next_before"] = last().Format(time.RFC3339Nano)
	}
	return c.JSON(body)
}

func (h *handlers) licenseSeatsAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	l, err := h.licenseAccess(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	seats, err := h.Licenses.Seats(c.UserContext(), l.ID)
	if err != nil {
		return err
	}
	out := make([]seatJSON, 0, len(seats))
	for _, s := range seats {
		out = append(out, seatJSON{Holder: s.Holder, ClaimedAt: s.ClaimedAt})
	}
	return c.JSON(fiber.Map{"seats": l.Seats, "taken": out})
}

// releaseSeat frees a seat. The routes that call it declare
// access.OnLicense(access.Manage), which decided that the caller manages
// the license.
func (h *handlers) releaseSeat(ctx context.Context, id, holder string) error {
	err := h.Licenses.ReleaseSeat(ctx, id, holder)
	if errors.Is(err, licensing.ErrNotFound) {
		return describe(err, "holder", "no seat on this license is held by "+holder)
	}
	return err
}

func (h *handlers) releaseSeatAPI(c *fiber.Ctx) error {
	if err := h.releaseSeat(c.UserContext(), c.Params("id"), c.Params("holder")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// ofLicense serves list for the license in the path, for a caller who may
// see it.
func (h *handlers) ofLicense(list func(c *fiber.Ctx, licenseID string) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := h.requireUser(c)
		if err != nil {
			return err
		}
		l, err := h.licenseAccess(c.UserContext(), u, c.Params("id"))
		if err != nil {
			return err
		}
		return list(c, l.ID)
	}
}

func (h *handlers) adminPullsAPI(c *fiber.Ctx) error {
	if _, err := h.requireAdmin(c); err != nil {
		return err
	}
	return h.pullsAPI(c, "")
}

func (h *handlers) adminTokensAPI(c *fiber.Ctx) error {
	if _, err := h.requireAdmin(c); err != nil {
		return err
	}
	return h.tokensAPI(c, "")
}

func (h *handlers) pullsAPI(c *fiber.Ctx, licenseID string) error {
	q, err := usageQuery(c, licenseID)
	if err != nil {
		return err
	}
	ps, err := h.Licenses.Pulls(c.UserContext(), q)
	if err != nil {
		return err
	}
	return pageJSON(c, "pulls", pullsJSON(ps), q, func() time.Time { return ps[len(ps)-1].At })
}

func (h *handlers) tokensAPI(c *fiber.Ctx, licenseID string) error {
	q, err := usageQuery(c, licenseID)
	if err != nil {
		return err
	}
	rs, err := h.Licenses.TokenRecords(c.UserContext(), q)
	if err != nil {
		return err
	}
	return pageJSON(c, "tokens", tokenRecordsJSON(rs), q, func() time.Time { return rs[len(rs)-1].At })
}
