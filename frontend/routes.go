package frontend

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/audit"
)

// Route is one registered route and the permission it declares.
type Route struct {
	Method     string
	Path       string
	Permission access.Permission
	// Page is set for server-rendered pages, which take the browser
	// session only; API routes also take header credentials.
	Page bool
	// Audit, when set, records every request in the security audit log.
	Audit audit.Action
}

// routes registers routes on a fiber router, each with the permission it
// needs, and keeps the table of them. There is no way to register a
// handler through it without a permission; a route registered on fiber
// directly is missing from the table, which a test catches.
type routes struct {
	h      *handlers
	r      fiber.Router
	prefix string
	page   bool
}

// Get registers a GET route.
func (rt routes) Get(path string, perm access.Permission, hs ...fiber.Handler) {
	rt.add(fiber.MethodGet, path, perm, hs)
}

// Post registers a POST route.
func (rt routes) Post(path string, perm access.Permission, hs ...fiber.Handler) {
	rt.add(fiber.MethodPost, path, perm, hs)
}

// Put registers a PUT route.
func (rt routes) Put(path string, perm access.Permission, hs ...fiber.Handler) {
	rt.add(fiber.MethodPut, path, perm, hs)
}

// Patch registers a PATCH route.
func (rt routes) Patch(path string, perm access.Permission, hs ...fiber.Handler) {
	rt.add(fiber.MethodPatch, path, perm, hs)
}

// Delete registers a DELETE route.
func (rt routes) Delete(path string, perm access.Permission, hs ...fiber.Handler) {
	rt.add(fiber.MethodDelete, path, perm, hs)
}

func (rt routes) add(method, path string, perm access.Permission, hs []fiber.Handler) {
	if !perm.Declared() {
		panic("frontend: route " + method + " " + rt.prefix + path + " declares no permission")
	}
	action := audited[method+" "+rt.prefix+path]
	rt.h.table = append(rt.h.table, Route{Method: method, Path: rt.prefix + path, Permission: perm, Page: rt.page, Audit: action})
	rt.r.Add(method, path, append([]fiber.Handler{rt.h.authorize(perm, rt.page, action)}, hs...)...)
}

// authorize is the middleware every declared route starts with: it
// resolves the caller's credential into a principal, names the resource
// the route is about, and asks access for the decision.
func (h *handlers) authorize(perm access.Permission, page bool, action audit.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if perm.Resource == access.Internal {
			err := c.Next()
			if action != "" {
				h.recordSecurity(c, action, perm, access.Principal{}, err)
			}
			return err
		}
		p, err := h.principal(c, page)
		if err != nil {
			h.recordGuess(c, err)
			return err
		}
		dec, err := h.Access.Decide(c.UserContext(), p, perm, resourceName(c, perm))
		if err != nil {
			return err
		}
		if dec.Allowed() {
			err = c.Next()
		} else if page && dec.Outcome == access.Unauthenticated {
			return signInRedirect(c)
		} else {
			err = dec.Err()
		}
		if action != "" && p.Kind != access.Anonymous {
			h.recordSecurity(c, action, perm, p, err)
		}
		return err
	}
}

// resourceName is the resource a route names: "ns/name" for a
// repository, else the permission's parameter, read from the path, the
// form, or the JSON body.
func resourceName(c *fiber.Ctx, perm access.Permission) string {
	if perm.Resource == access.Repository || perm.Resource == access.Image || perm.Resource == access.Builds {
		return strings.ToLower(c.Params("ns") + "/" + c.Params("name"))
	}
	if perm.Param == "" {
		return ""
	}
	if name := paramValue(c, perm.Param); name != "" || perm.Resource != access.Namespace {
		return name
	}
	// A namespace left out is the account the caller acts for, as the
	// handler will take it.
	if v := viewerOf(c); v.SignedIn() {
		return actingNamespace(v)
	}
	return ""
}

// paramValue reads a route parameter, or failing that the form or JSON
// body field of the same name.
func paramValue(c *fiber.Ctx, param string) string {
	if v := c.Params(param); v != "" {
		return v
	}
	if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		var body map[string]json.RawMessage
		var s string
		if json.Unmarshal(c.Body(), &body) == nil && json.Unmarshal(body[param], &s) == nil {
			return strings.TrimSpace(s)
		}
		return ""
	}
	return strings.TrimSpace(c.FormValue(param))
}
