package frontend

import (
	"cmp"
	"context"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/builds"
)

// BuildService is what the build pages need of builds.Service: the
// configuration, the history, one build and its log.
type BuildService interface {
	SetConfig(ctx context.Context, repo string, c builds.Config) (builds.Settings, error)
	Settings(ctx context.Context, repo string) (builds.Settings, error)
	RotateHookSecret(ctx context.Context, repo string) (builds.Settings, error)
	Trigger(ctx context.Context, repo, ref string) ([]builds.Record, error)
	Cancel(ctx context.Context, repo, id string) (builds.Record, error)
	Build(ctx context.Context, repo, id string) (builds.Record, error)
	Builds(ctx context.Context, repo string, limit int) ([]builds.Record, error)
	Log(ctx context.Context, repo, id string, offset int64) ([]byte, error)
	Latest(ctx context.Context, repo string) (builds.Record, error)
	TagBuild(ctx context.Context, repo, tag string) (builds.Record, error)
	HookURL(repo string, forge builds.Forge) string
}

// historyLimit is how many builds the Builds tab lists.
const historyLimit = 50

// buildPageRoutes registers the Builds tab of a user's or organisation's
// repository, its forms, one build's page with its live log, and the
// build-status badge. The JSON API twins live with the builds API.
func (h *handlers) buildPageRoutes(app routes) {
	app.Get("/r/:ns/:name/builds", access.OnBuilds(access.Read), h.buildsPage)
	// Registered before /builds/:id, which would take its name as an ID.
	app.Get("/r/:ns/:name/builds/badge.svg", access.OnBuilds(access.Read), h.buildBadge)
	app.Post("/r/:ns/:name/builds/config", access.OnBuilds(access.Manage), h.buildConfigForm)
	app.Post("/r/:ns/:name/builds/hook-secret", access.OnBuilds(access.Manage), h.rotateHookSecretForm)
	app.Post("/r/:ns/:name/builds/trigger", access.OnBuilds(access.Write), h.triggerBuildForm)
	app.Get("/r/:ns/:name/builds/:id", access.OnBuilds(access.Read), h.buildPage)
	app.Get("/r/:ns/:name/builds/:id/events", access.OnBuilds(access.Read), h.buildEvents)
	app.Post("/r/:ns/:name/builds/:id/cancel", access.OnBuilds(access.Write), h.cancelBuildForm)
}

// errNoBuilds answers when this Berth runs without automated builds.
var errNoBuilds error = &requestError{problem: unconnected, msg: "automated builds are not configured on this Berth"}

// buildsRepo returns the repository a build route names, as the viewer
// may see it.
func (h *handlers) buildsRepo(c *fiber.Ctx) (repoAccess, error) {
	if h.Builds == nil {
		return repoAccess{}, errNoBuilds
	}
	return h.repository(c.UserContext(), viewerOf(c), c.Params("ns"), c.Params("name"))
}

// buildsPage is what the Builds tab shows.
type buildsPage struct {
	repoAccess
	Tab        string
	Configured bool
	Config     configView // the form, for those who manage the repository
	Hooks      []forgeHook
	HookSecret string
	Trigger    form
	History    []buildRow
	BadgeURL   string
}

// forgeHook is the URL one forge posts its pushes to.
type forgeHook struct {
	Forge, Name, URL string
}

// forgeNames are the forges' names as their users know them.
var forgeNames = map[builds.Forge]string{builds.GitHub: "GitHub", builds.GitLab: "GitLab", builds.Bitbucket: "Bitbucket", builds.Gitea: "Gitea"}

func (h *handlers) buildsPage(c *fiber.Ctx) error {
	a, err := h.buildsRepo(c)
	if err != nil {
		return err
	}
	return h.renderBuilds(c, http.StatusOK, a, nil, form{})
}

// renderBuilds shows the Builds tab; cfg is a refused configuration form
// to show again (nil: the stored configuration), trigger the trigger
// form's state.
func (h *handlers) renderBuilds(c *fiber.Ctx, status int, a repoAccess, cfg *configView, trigger form) error {
	ctx := c.UserContext()
	repo := a.Repo.Name
	p := buildsPage{repoAccess: a, Tab: "builds", Trigger: trigger, BadgeURL: h.PublicURL + "/r/" + repo + "/builds/badge.svg"}
	settings, err := h.Builds.Settings(ctx, repo)
	switch {
	case isNotFound(err):
	case err != nil:
		return err
	default:
		p.Configured = true
	}
	if a.CanAdmin() {
		if cfg != nil {
			p.Config = *cfg
		} else {
			p.Config = configViewOf(settings)
		}
		p.Config.DeployKey = settings.DeployKeyPublic
		p.Config.HasToken = settings.Config.Source.Token != ""
		if p.Configured {
			p.HookSecret = settings.HookSecret.Reveal()
			for _, f := range builds.Forges {
				p.Hooks = append(p.Hooks, forgeHook{Forge: string(f), Name: cmp.Or(forgeNames[f], string(f)), URL: h.Builds.HookURL(repo, f)})
			}
		}
	}
	history, err := h.Builds.Builds(ctx, repo, historyLimit)
	if err != nil {
		return err
	}
	for _, r := range history {
		p.History = append(p.History, buildRowOf(r, settings.Config.Source.URL))
	}
	return h.render(c, status, "builds", a.Repo.Name+" builds", p)
}

func (h *handlers) buildConfigForm(c *fiber.Ctx) error {
	a, err := h.buildsRepo(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v := readConfigForm(c)
	if v.Edited {
		// "Add rule" and "Remove rule" draw the form again, unsaved.
		return h.renderBuilds(c, http.StatusOK, a, &v, form{})
	}
	if _, err := h.Builds.SetConfig(ctx, a.Repo.Name, v.config(c.FormValue("source.credentials.token"))); err != nil {
		f, ferr := formError(err, nil)
		if ferr != nil {
			return ferr
		}
		v.Form = configErrors(f)
		return h.renderBuilds(c, classify(err).Status, a, &v, form{})
	}
	return h.done(c, "/r/"+a.Repo.Name+"/builds", "Build configuration saved")
}

func (h *handlers) rotateHookSecretForm(c *fiber.Ctx) error {
	a, err := h.buildsRepo(c)
	if err != nil {
		return err
	}
	if _, err := h.Builds.RotateHookSecret(c.UserContext(), a.Repo.Name); err != nil {
		return err
	}
	return h.done(c, "/r/"+a.Repo.Name+"/builds#hooks", "New hook secret made: paste it into your forge's webhook settings")
}

func (h *handlers) triggerBuildForm(c *fiber.Ctx) error {
	a, err := h.buildsRepo(c)
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(c.FormValue("ref"))
	if ref == "" {
		err = badInput("ref", "name a branch or tag to build, such as main")
	} else {
		var started []builds.Record
		if started, err = h.Builds.Trigger(c.UserContext(), a.Repo.Name, ref); err == nil {
			if len(started) == 1 {
				return h.done(c, "/r/"+a.Repo.Name+"/builds/"+started[0].ID, "Build queued for "+ref)
			}
			return h.done(c, "/r/"+a.Repo.Name+"/builds", plural(int64(len(started)), "build")+" queued for "+ref)
		}
	}
	f, ferr := formError(err, map[string]string{"ref": ref})
	if ferr != nil {
		return ferr
	}
	f.IDPrefix = "trigger-"
	return h.renderBuilds(c, classify(err).Status, a, nil, f)
}

func (h *handlers) cancelBuildForm(c *fiber.Ctx) error {
	a, err := h.buildsRepo(c)
	if err != nil {
		return err
	}
	r, err := h.Builds.Cancel(c.UserContext(), a.Repo.Name, c.Params("id"))
	if err != nil {
		return err
	}
	return h.done(c, "/r/"+a.Repo.Name+"/builds/"+r.ID, "Build "+string(r.Status))
}

// buildView is what one build's page shows.
type buildView struct {
	repoAccess
	Tab    string
	Build  buildRow
	Log    string
	Offset int64 // the log's length, where the live stream starts
}

func (h *handlers) buildPage(c *fiber.Ctx) error {
	a, err := h.buildsRepo(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	r, err := h.Builds.Build(ctx, a.Repo.Name, c.Params("id"))
	if err != nil {
		return err
	}
	log, err := h.Builds.Log(ctx, a.Repo.Name, r.ID, 0)
	if err != nil {
		return err
	}
	var source string
	if s, err := h.Builds.Settings(ctx, a.Repo.Name); err == nil {
		source = s.Config.Source.URL
	}
	v := buildView{repoAccess: a, Tab: "builds", Build: buildRowOf(r, source), Log: string(log), Offset: int64(len(log))}
	return h.render(c, http.StatusOK, "build", a.Repo.Name+" build "+shortID(r.ID), v)
}
