package frontend

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
)

// newRepoPage is what the repository creation page shows.
type newRepoPage struct {
	Form       form
	Namespaces []string // where the viewer may create repositories
}

// repoPage is what a repository's page shows.
type repoPage struct {
	repoAccess
	Tags     []string
	PullTag  string // the tag the pull command names
	TagsNote string // why the tags are not listed, when they cannot be
	Settings form   // the settings form's values and last refusal
	Delete   form   // the delete form's last refusal
}

// CanPush reports whether the viewer may push to the repository.
func (a repoAccess) CanPush() bool { return a.Perm == account.PermWrite || a.Perm == account.PermAdmin }

// namespacePage is what a namespace's repository list shows.
type namespacePage struct {
	account.Namespace
	Repos     []repoAccess
	CanCreate bool
}

// visibility names a visibility as the forms do.
func visibility(private bool) string {
	if private {
		return "private"
	}
	return "public"
}

// visibilityOf reads a form's visibility; nil when it names none.
func visibilityOf(v string) *bool {
	private := v == "private"
	if !private && v != "public" {
		return nil
	}
	return &private
}

func (h *handlers) newRepositoryPage(c *fiber.Ctx) error {
	if _, ok, err := h.requirePageUser(c); !ok {
		return err
	}
	v := viewerOf(c)
	ns := strings.ToLower(c.Query("namespace"))
	if ns == "" {
		ns = actingNamespace(v)
	}
	private, err := h.defaultPrivate(c.UserContext(), v, ns)
	if err != nil {
		return err
	}
	return h.renderNewRepository(c, http.StatusOK, form{Values: map[string]string{"namespace": ns, "visibility": visibility(private)}})
}

func (h *handlers) renderNewRepository(c *fiber.Ctx, status int, f form) error {
	spaces, err := h.creatableNamespaces(c.UserContext(), viewerOf(c))
	if err != nil {
		return err
	}
	return h.render(c, status, "repo_new", "New repository", newRepoPage{Form: f, Namespaces: spaces})
}

func (h *handlers) createRepositoryForm(c *fiber.Ctx) error {
	if _, ok, err := h.requirePageUser(c); !ok {
		return err
	}
	values := map[string]string{}
	for _, k := range []string{"namespace", "name", "summary", "description", "visibility"} {
		values[k] = c.FormValue(k)
	}
	in := catalog.NewRepository{Namespace: values["namespace"], Name: values["name"], Summary: values["summary"], Description: values["description"]}
	r, err := h.createRepository(c.UserContext(), viewerOf(c), in, visibilityOf(values["visibility"]))
	if err != nil {
		f, ferr := formError(err, values)
		if ferr != nil {
			return ferr
		}
		return h.renderNewRepository(c, classify(err).Status, f)
	}
	return h.done(c, "/r/"+r.Name, "Created "+r.Name)
}

func (h *handlers) namespacePage(c *fiber.Ctx) error {
	v := viewerOf(c)
	ns := strings.ToLower(c.Params("ns"))
	owner, err := h.namespaceOwner(c.UserContext(), ns)
	if err != nil {
		return err
	}
	repos, err := h.visibleRepositories(c.UserContext(), v, ns)
	if err != nil {
		return err
	}
	canCreate, err := h.canCreateIn(c.UserContext(), v, ns)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "repo_list", ns+" repositories", namespacePage{Namespace: owner, Repos: repos, CanCreate: canCreate})
}

func (h *handlers) repositoryPage(c *fiber.Ctx) error {
	a, err := h.repository(c.UserContext(), viewerOf(c), c.Params("ns"), c.Params("name"))
	if err != nil {
		return err
	}
	return h.renderRepository(c, http.StatusOK, a, form{}, form{})
}

// renderRepository shows a repository's page with its forms in the
// given state; the settings form starts from the repository's values.
func (h *handlers) renderRepository(c *fiber.Ctx, status int, a repoAccess, settings, del form) error {
	p := repoPage{repoAccess: a, PullTag: "latest", Settings: settings, Delete: del}
	if p.Settings.Values == nil {
		p.Settings.Values = map[string]string{"summary": a.Repo.Summary, "description": a.Repo.Description, "visibility": visibility(a.Repo.Private)}
	}
	tags, err := h.repositoryTags(c.UserContext(), a.Repo.Name)
	switch {
	case errors.Is(err, errNoRegistry):
		p.TagsNote = "Tags cannot be listed: this Berth runs without its registry."
	case err != nil:
		// The page is still worth showing without its tags.
		h.Logger.Warn("listing tags", "repository", a.Repo.Name, "err", err)
		p.TagsNote = "Tags could not be listed just now; try again in a moment."
	case len(tags) > 0:
		p.Tags, p.PullTag = tags, tags[0]
	}
	return h.render(c, status, "repo", a.Repo.Name, p)
}

func (h *handlers) repositorySettingsForm(c *fiber.Ctx) error {
	if _, ok, err := h.requirePageUser(c); !ok {
		return err
	}
	a, err := h.repository(c.UserContext(), viewerOf(c), c.Params("ns"), c.Params("name"))
	if err != nil {
		return err
	}
	values := map[string]string{"summary": c.FormValue("summary"), "description": c.FormValue("description"), "visibility": c.FormValue("visibility")}
	summary, description := values["summary"], values["description"]
	change := catalog.RepositoryChange{Summary: &summary, Description: &description, Private: visibilityOf(values["visibility"])}
	if _, err := h.Repositories.Update(c.UserContext(), a.Repo.Name, change); err != nil {
		f, ferr := formError(err, values)
		if ferr != nil {
			return ferr
		}
		return h.renderRepository(c, classify(err).Status, a, f, form{})
	}
	return h.done(c, "/r/"+a.Repo.Name, "Settings saved")
}

// deleteRepositoryForm deletes a repository once its full name has been
// typed, so that nothing is deleted by a stray click, script or not.
func (h *handlers) deleteRepositoryForm(c *fiber.Ctx) error {
	if _, ok, err := h.requirePageUser(c); !ok {
		return err
	}
	a, err := h.repository(c.UserContext(), viewerOf(c), c.Params("ns"), c.Params("name"))
	if err != nil {
		return err
	}
	if strings.TrimSpace(c.FormValue("confirm")) != a.Repo.Name {
		err := badInput("confirm", "type "+a.Repo.Name+" to confirm the deletion")
		f, ferr := formError(err, nil)
		if ferr != nil {
			return ferr
		}
		return h.renderRepository(c, classify(err).Status, a, form{}, f)
	}
	if err := h.deleteRepository(c.UserContext(), a.Repo); err != nil {
		return err
	}
	return h.done(c, "/r/"+a.Repo.Namespace, "Deleted "+a.Repo.Name)
}
