package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/audit"
)

// audited lists the routes whose every request the security audit log
// records, with the action each is: sign-ins, credentials created and
// revoked, signing keys, role and membership changes, publisher reviews
// and admin actions. A route's permission is declared where it is
// registered; what is recorded is declared here, in one table.
var audited = map[string]audit.Action{
	"POST /signin":         audit.SignIn,
	"POST /api/v1/session": audit.SignIn,

	"POST /settings/tokens":                     audit.CredentialCreated,
	"POST /api/v1/user/tokens":                  audit.CredentialCreated,
	"POST /publishers/:slug/push-tokens":        audit.CredentialCreated,
	"POST /api/v1/publishers/:slug/push-tokens": audit.CredentialCreated,
	"POST /licenses/:id/key":                    audit.CredentialCreated,
	"POST /api/v1/licenses/:id/key":             audit.CredentialCreated,
	"POST /publishers/:slug/webhooks":           audit.CredentialCreated,
	"POST /api/v1/publishers/:slug/webhooks":    audit.CredentialCreated,
	"POST /settings/password":                   audit.PasswordChanged,
	"POST /api/v1/user/password":                audit.PasswordChanged,

	"POST /settings/tokens/:id/revoke":             audit.CredentialRevoked,
	"DELETE /api/v1/user/tokens/:id":               audit.CredentialRevoked,
	"POST /settings/sessions/end-others":           audit.CredentialRevoked,
	"POST /settings/sessions/:id/end":              audit.CredentialRevoked,
	"DELETE /api/v1/user/sessions":                 audit.CredentialRevoked,
	"DELETE /api/v1/user/sessions/:id":             audit.CredentialRevoked,
	"POST /settings/clients/:id/revoke":            audit.CredentialRevoked,
	"DELETE /api/v1/user/registry-clients/:id":     audit.CredentialRevoked,
	"POST /publishers/:slug/webhooks/:id/delete":   audit.CredentialRevoked,
	"DELETE /api/v1/publishers/:slug/webhooks/:id": audit.CredentialRevoked,

	"POST /publishers/:slug/keys":              audit.SigningKeyRegistered,
	"POST /api/v1/publishers/:slug/keys":       audit.SigningKeyRegistered,
	"POST /publishers/:slug/keys/:id/revoke":   audit.SigningKeyRevoked,
	"DELETE /api/v1/publishers/:slug/keys/:id": audit.SigningKeyRevoked,

	"POST /orgs/:name/members":                                audit.MemberAdded,
	"POST /api/v1/orgs/:name/members":                         audit.MemberAdded,
	"POST /orgs/:name/members/:userID/role":                   audit.RoleChanged,
	"PATCH /api/v1/orgs/:name/members/:username":              audit.RoleChanged,
	"POST /orgs/:name/members/:userID/remove":                 audit.MemberRemoved,
	"DELETE /api/v1/orgs/:name/members/:username":             audit.MemberRemoved,
	"POST /orgs/:name/teams/:team/members":                    audit.MemberAdded,
	"PUT /api/v1/orgs/:name/teams/:team/members/:username":    audit.MemberAdded,
	"POST /orgs/:name/teams/:team/members/:userID/remove":     audit.MemberRemoved,
	"DELETE /api/v1/orgs/:name/teams/:team/members/:username": audit.MemberRemoved,
	"POST /orgs/:name/teams/:team/permissions":                audit.RoleChanged,
	"POST /api/v1/orgs/:name/teams/:team/permissions":         audit.RoleChanged,

	"POST /admin/publishers/:slug/review":        audit.PublisherReviewed,
	"POST /api/v1/admin/publishers/:slug/review": audit.PublisherReviewed,

	"POST /admin/users/:username/disable":       audit.AdminAction,
	"POST /admin/users/:username/enable":        audit.AdminAction,
	"PATCH /api/v1/admin/users/:username":       audit.AdminAction,
	"PUT /api/v1/admin/products/:product/badge": audit.AdminAction,
	"POST /admin/jobs/:id/retry":                audit.AdminAction,
	"POST /api/v1/admin/jobs/:id/retry":         audit.AdminAction,
}

// securityRoutes registers the security audit log: all of it for
// Berth's administrators, an organisation's events for its owners.
func (h *handlers) securityRoutes(app, api routes) {
	api.Get("/admin/security-events", access.Administer, h.securityEventsAPI(false))
	api.Get("/orgs/:name/security-events", access.OnOrg(access.Own, "name"), h.securityEventsAPI(true))
	app.Get("/admin/security", access.AdminPage, h.securityPage(false))
	app.Get("/orgs/:name/security", access.OnOrg(access.Own, "name"), h.securityPage(true))
}

// recordSecurity writes one audit event for a request that ran through
// an audited route: who (the principal, or the username typed at a
// sign-in), with which credential, from where, on what, and how it ended.
func (h *handlers) recordSecurity(c *fiber.Ctx, action audit.Action, perm access.Permission, p access.Principal, err error) {
	if h.Security == nil {
		return
	}
	e := audit.Event{Action: action, ActorID: p.UserID, ActorName: p.Name, Credential: string(p.Kind), Address: h.clientIP(c),
		Outcome: outcomeOf(c, err), Detail: c.Method() + " " + c.Path()}
	ctx := context.WithoutCancel(c.UserContext())
	if perm.Resource == access.Internal { // a sign-in: the form or body names the account
		e.ActorName, e.Credential = submittedUsername(c), string(access.Password)
		if v := viewerOf(c); v.SignedIn() {
			e.ActorID = v.User.ID
		}
		if e.Outcome == audit.Failure {
			e.Action = audit.SignInFailed
		}
	}
	name := resourceName(c, perm)
	e.Target, e.Orgs = h.securityTarget(ctx, perm, name)
	if rerr := h.Security.Record(ctx, e); rerr != nil {
		h.Logger.Error("recording a security event failed", "action", action, "err", rerr)
	}
}

// recordGuess records a failed password check of the API's basic
// credentials: a sign-in that failed.
func (h *handlers) recordGuess(c *fiber.Ctx, err error) {
	username, password, berr := basicCredentials(c)
	if h.Security == nil || berr != nil || strings.HasPrefix(password, "berth_") || classify(err).Status != http.StatusUnauthorized {
		return
	}
	e := audit.Event{Action: audit.SignInFailed, ActorName: username, Credential: string(access.Password), Address: h.clientIP(c),
		Outcome: audit.Failure, Detail: c.Method() + " " + c.Path()}
	if rerr := h.Security.Record(context.WithoutCancel(c.UserContext()), e); rerr != nil {
		h.Logger.Error("recording a security event failed", "action", e.Action, "err", rerr)
	}
}

// outcomeOf classifies how a request ended: refused by access (denied), an
// error or a 4xx answer (failure), or done.
func outcomeOf(c *fiber.Ctx, err error) audit.Outcome {
	var refused *access.RefusedError
	switch {
	case errors.As(err, &refused):
		return audit.Denied
	case err != nil, c.Response().StatusCode() >= 400:
		return audit.Failure
	}
	return audit.Success
}

// submittedUsername is the username a sign-in form or JSON body gave.
func submittedUsername(c *fiber.Ctx) string {
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		var in struct {
			Username string `json:"username"`
		}
		_ = json.Unmarshal(c.Body(), &in)
		return in.Username
	}
	return c.FormValue("username")
}

// securityTarget names what a route acted on, and the organisations
// whose owners see the event.
func (h *handlers) securityTarget(ctx context.Context, perm access.Permission, name string) (string, []string) {
	if name == "" {
		return "", nil
	}
	target := string(perm.Resource) + ":" + name
	switch perm.Resource {
	case access.Org, access.Purchase, access.Acting:
		if o, err := h.Accounts.Org(ctx, name); err == nil {
			return "org:" + name, []string{o.ID}
		}
	case access.Publisher:
		if p, err := h.Publishers.PublisherBySlug(ctx, name); err == nil && p.Org != "" {
			return target, []string{p.Org}
		}
	}
	return target, nil
}

// securityQuery reads a page of the log from the query string.
func (h *handlers) securityQuery(c *fiber.Ctx, org bool) (audit.Query, error) {
	q := audit.Query{ActorID: c.Query("actor"), Action: audit.Action(c.Query("action")), BeforeID: c.Query("before_id")}
	if org {
		o, err := h.Accounts.Org(c.UserContext(), c.Params("name"))
		if err != nil {
			return q, err
		}
		q.OrgID = o.ID
	}
	if v := c.Query("before"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return q, &audit.InvalidError{Field: "before", Message: "give an RFC 3339 time, as next_before in the previous page"}
		}
		q.Before = t
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return q, &audit.InvalidError{Field: "limit", Message: "a number from 1 to 200"}
		}
		q.Limit = n
	}
	return q, nil
}

// securityEvents reads the page of the log the request asks for.
func (h *handlers) securityEvents(c *fiber.Ctx, org bool) (audit.Query, []audit.Event, error) {
	q, err := h.securityQuery(c, org)
	if err != nil {
		return q, nil, err
	}
	events, err := h.Security.List(c.UserContext(), q)
	return q, events, err
}

type securityEventJSON struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Action     string    `json:"action"`
	ActorID    string    `json:"actor_id,omitempty"`
	ActorName  string    `json:"actor,omitempty"`
	Credential string    `json:"credential,omitempty"`
	Address    string    `json:"address,omitempty"`
	Outcome    string    `json:"outcome"`
	Target     string    `json:"target,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

func (h *handlers) securityEventsAPI(org bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		q, events, err := h.securityEvents(c, org)
		if err != nil {
			return err
		}
		out := make([]securityEventJSON, 0, len(events))
		for _, e := range events {
			out = append(out, securityEventJSON{ID: e.ID, At: e.At, Action: string(e.Action), ActorID: e.ActorID, ActorName: e.ActorName,
				Credential: e.Credential, Address: e.Address, Outcome: string(e.Outcome), Target: e.Target, Detail: e.Detail})
		}
		body := fiber.Map{"events": out}
		if next, more := q.Next(events); more {
			body["next_before"], body["next_before_id"] = next.Before.Format(time.RFC3339Nano), next.BeforeID
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(body)
	}
}

// securityView is a page of the security log.
type securityView struct {
	Org     string
	Events  []audit.Event
	Actions []audit.Action
	Action  string
	NextURL string
}

func (h *handlers) securityPage(org bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		q, events, err := h.securityEvents(c, org)
		if err != nil {
			return err
		}
		v := securityView{Events: events, Actions: audit.Actions, Action: string(q.Action)}
		if org {
			v.Org = c.Params("name")
		}
		if next, more := q.Next(events); more {
			v.NextURL = c.Path() + "?" + url.Values{"action": {string(q.Action)}, "before": {next.Before.Format(time.RFC3339Nano)},
				"before_id": {next.BeforeID}}.Encode()
		}
		return h.render(c, http.StatusOK, "security", "Security log", v)
	}
}
