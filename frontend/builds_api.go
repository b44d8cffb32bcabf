package frontend

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/builds"
)

// buildRoutes registers a repository's automated builds API: its build
// configuration, triggering and cancelling builds, their history and logs,
// and the forge push webhook.
func (h *handlers) buildRoutes(api routes) {
	const base = "/repositories/:ns/:name/builds"
	on := h.buildsOn
	api.Get(base+"/config", access.OnBuilds(access.Manage), on, h.buildConfigAPI)
	api.Put(base+"/config", access.OnBuilds(access.Manage), on, h.putBuildConfigAPI)
	api.Post(base+"/config/hook-secret", access.OnBuilds(access.Manage), on, h.rotateHookSecretAPI)
	api.Post(base+"/hook/:forge", access.OwnAuth, on, h.buildHookAPI)
	api.Post(base, access.OnBuilds(access.Write), on, h.triggerBuildAPI)
	api.Get(base, access.OnBuilds(access.Read), on, h.buildsAPI)
	api.Get(base+"/:id", access.OnBuilds(access.Read), on, h.buildAPI)
	api.Get(base+"/:id/log", access.OnBuilds(access.Read), on, h.buildLogAPI)
	api.Post(base+"/:id/cancel", access.OnBuilds(access.Write), on, h.cancelBuildAPI)
}

// buildsOn answers 404 when this instance has no builds service (admin
// commands, tests of other areas).
func (h *handlers) buildsOn(c *fiber.Ctx) error {
	if h.Builds == nil {
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "automated builds are not available here"}
	}
	return c.Next()
}

// buildRepo is the repository the route names, "ns/name".
func buildRepo(c *fiber.Ctx) string {
	return strings.ToLower(c.Params("ns") + "/" + c.Params("name"))
}

// ruleJSON is a build rule on the API.
type ruleJSON struct {
	Type       string            `json:"type"`
	Source     string            `json:"source"`
	Dockerfile string            `json:"dockerfile"`
	Context    string            `json:"context"`
	Tag        string            `json:"tag"`
	BuildArgs  map[string]string `json:"build_args,omitempty"`
	Autobuild  bool              `json:"autobuild"`
}

// buildConfigIn is the body of PUT .../builds/config. Credentials left
// out keep the stored ones.
type buildConfigIn struct {
	Source struct {
		URL         string `json:"url"`
		HostKey     string `json:"host_key"`
		Credentials struct {
			Token string `json:"token"`
		} `json:"credentials"`
	} `json:"source"`
	Rules []ruleJSON `json:"rules"`
	Links []string   `json:"links"`
}

// buildConfigOut is a repository's build settings on the API, for its
// managers: the hook secret is shown; the token and the deploy key's
// private half never are.
type buildConfigOut struct {
	Repository string `json:"repository"`
	Source     struct {
		URL         string `json:"url"`
		HostKey     string `json:"host_key,omitempty"`
		Credentials struct {
			TokenSet  bool   `json:"token_set"`
			DeployKey string `json:"deploy_key,omitempty"`
		} `json:"credentials"`
	} `json:"source"`
	Rules []ruleJSON `json:"rules"`
	Links []string   `json:"links"`
	Hook  struct {
		URLs   map[string]string `json:"urls"`
		Secret string            `json:"secret"`
	} `json:"hook"`
	DeployKey string    `json:"deploy_key,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (h *handlers) buildConfigOf(st builds.Settings) buildConfigOut {
	var out buildConfigOut
	out.Repository, out.UpdatedAt, out.DeployKey = st.Repository, st.UpdatedAt, st.DeployKeyPublic
	out.Source.URL, out.Source.HostKey = st.Config.Source.URL, st.Config.Source.HostKey
	out.Source.Credentials.TokenSet = st.Config.Source.Token != ""
	out.Source.Credentials.DeployKey = st.DeployKeyPublic
	out.Rules = make([]ruleJSON, len(st.Config.Rules))
	for i, r := range st.Config.Rules {
		out.Rules[i] = ruleJSON{Type: string(r.Type), Source: r.Source, Dockerfile: r.Dockerfile, Context: r.Context,
			Tag: r.Tag, BuildArgs: r.BuildArgs, Autobuild: r.Autobuild}
	}
	out.Links = append([]string{}, st.Config.Links...)
	out.Hook.URLs = map[string]string{}
	for _, f := range builds.Forges {
		out.Hook.URLs[string(f)] = h.Builds.HookURL(st.Repository, f)
	}
	out.Hook.Secret = st.HookSecret.Reveal()
	return out
}

func (in buildConfigIn) config() builds.Config {
	c := builds.Config{Source: builds.Source{URL: strings.TrimSpace(in.Source.URL), HostKey: strings.TrimSpace(in.Source.HostKey),
		Token: builds.Secret(in.Source.Credentials.Token)}, Links: in.Links}
	for _, r := range in.Rules {
		c.Rules = append(c.Rules, builds.Rule{Type: builds.RuleType(r.Type), Source: r.Source, Dockerfile: r.Dockerfile,
			Context: r.Context, Tag: r.Tag, BuildArgs: r.BuildArgs, Autobuild: r.Autobuild})
	}
	return c
}

func (h *handlers) sendBuildConfig(c *fiber.Ctx, st builds.Settings, err error) error {
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(h.buildConfigOf(st))
}

func (h *handlers) buildConfigAPI(c *fiber.Ctx) error {
	st, err := h.Builds.Settings(c.UserContext(), buildRepo(c))
	return h.sendBuildConfig(c, st, err)
}

func (h *handlers) putBuildConfigAPI(c *fiber.Ctx) error {
	var in buildConfigIn
	if _, err := h.userInput(c, &in); err != nil {
		return err
	}
	st, err := h.Builds.SetConfig(c.UserContext(), buildRepo(c), in.config())
	return h.sendBuildConfig(c, st, err)
}

func (h *handlers) rotateHookSecretAPI(c *fiber.Ctx) error {
	st, err := h.Builds.RotateHookSecret(c.UserContext(), buildRepo(c))
	return h.sendBuildConfig(c, st, err)
}

// buildJSON is one build on the API.
type buildJSON struct {
	ID              string     `json:"id"`
	Repository      string     `json:"repository"`
	Status          string     `json:"status"`
	Trigger         string     `json:"trigger"`
	Rule            int        `json:"rule"`
	Ref             refJSON    `json:"ref"`
	Commit          string     `json:"commit"`
	Tags            []string   `json:"tags"`
	Digest          string     `json:"digest,omitempty"`
	Error           string     `json:"error,omitempty"`
	Cause           []string   `json:"cause,omitempty"` // a link build's upstream repositories
	CancelRequested bool       `json:"cancel_requested,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	StartedAt       *time.Time `json:"started_at,omitempty"`
	FinishedAt      *time.Time `json:"finished_at,omitempty"`
}

type refJSON struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

func buildOf(r builds.Record) buildJSON {
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return buildJSON{ID: r.ID, Repository: r.Repository, Status: string(r.Status), Trigger: string(r.Trigger), Rule: r.Rule,
		Ref: refJSON{Type: string(r.Ref.Type), Name: r.Ref.Name}, Commit: r.Commit, Tags: append([]string{}, r.Tags...),
		Digest: r.Digest, Error: r.Error, Cause: r.Cause, CancelRequested: r.CancelRequested, CreatedAt: r.CreatedAt,
		StartedAt: at(r.StartedAt), FinishedAt: at(r.FinishedAt)}
}

// sendStarted answers 202 with the builds started: "id" is the first (a
// ref matching one rule starts one build), "builds" all of them.
func sendStarted(c *fiber.Ctx, list []builds.Record) error {
	out := fiber.Map{"builds": buildsOf(list)}
	if len(list) > 0 {
		out["id"] = list[0].ID
	}
	ids := make([]string, len(list))
	for i, r := range list {
		ids[i] = r.ID
	}
	out["ids"] = ids
	return c.Status(http.StatusAccepted).JSON(out)
}

func buildsOf(list []builds.Record) []buildJSON {
	out := make([]buildJSON, len(list))
	for i, r := range list {
		out[i] = buildOf(r)
	}
	return out
}

func (h *handlers) triggerBuildAPI(c *fiber.Ctx) error {
	var in struct {
		Ref string `json:"ref"`
	}
	if _, err := h.userInput(c, &in); err != nil {
		return err
	}
	list, err := h.Builds.Trigger(c.UserContext(), buildRepo(c), strings.TrimSpace(in.Ref))
	if err != nil {
		return err
	}
	return sendStarted(c, list)
}

func (h *handlers) buildHookAPI(c *fiber.Ctx) error {
	hdr := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) { hdr.Add(string(k), string(v)) })
	list, err := h.Builds.Hook(c.UserContext(), buildRepo(c), builds.Forge(c.Params("forge")), hdr, c.Body())
	if err != nil {
		return err
	}
	return sendStarted(c, list)
}

func (h *handlers) buildsAPI(c *fiber.Ctx) error {
	limit, _ := strconv.Atoi(c.Query("limit"))
	list, err := h.Builds.Builds(c.UserContext(), buildRepo(c), limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"builds": buildsOf(list)})
}

func (h *handlers) buildAPI(c *fiber.Ctx) error {
	r, err := h.Builds.Build(c.UserContext(), buildRepo(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(buildOf(r))
}

func (h *handlers) buildLogAPI(c *fiber.Ctx) error {
	offset, err := strconv.ParseInt(c.Query("offset", "0"), 10, 64)
	if err != nil || offset < 0 {
		return badRequest("offset", "offset is a byte count, 0 or more")
	}
	log, err := h.Builds.Log(c.UserContext(), buildRepo(c), c.Params("id"), offset)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(log)
}

func (h *handlers) cancelBuildAPI(c *fiber.Ctx) error {
	if _, err := h.requireUser(c); err != nil {
		return err
	}
	r, err := h.Builds.Cancel(c.UserContext(), buildRepo(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusAccepted).JSON(buildOf(r))
}
