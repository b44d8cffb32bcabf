package frontend

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
)

// repositoryJSON is a repository as the API shows it. Permission is the
// caller's: "", "read", "write" or "admin".
type repositoryJSON struct {
	Namespace   string    `json:"namespace"`
	Name        string    `json:"name"`
	FullName    string    `json:"full_name"`
	Summary     string    `json:"summary"`
	Description *string   `json:"description,omitempty"`
	Private     bool      `json:"private"`
	Permission  string    `json:"permission"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// repositoryOf renders a repository; full includes the description, which
// listings leave out.
func repositoryOf(a repoAccess, full bool) repositoryJSON {
	r := a.Repo
	out := repositoryJSON{Namespace: r.Namespace, Name: shortName(r), FullName: r.Name, Summary: r.Summary,
		Private: r.Private, Permission: string(a.Perm), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if full {
		out.Description = &r.Description
	}
	return out
}

// apiViewer is the caller of an API endpoint: anyone for reading, a user
// with a credential that may write for writing.
func (h *handlers) apiViewer(c *fiber.Ctx, write bool) (viewer, error) {
	if !write {
		return h.currentViewer(c)
	}
	if _, err := h.requireUser(c); err != nil {
		return viewer{}, err
	}
	return viewerOf(c), nil
}

// apiRepository loads the repository named in the path for the caller, as
// h.repository does; write asks for a signed-in caller. The route's
// declared permission decided what the caller may do with it.
func (h *handlers) apiRepository(c *fiber.Ctx, write bool) (repoAccess, error) {
	v, err := h.apiViewer(c, write)
	if err != nil {
		return repoAccess{}, err
	}
	return h.repository(c.UserContext(), v, c.Params("ns"), c.Params("name"))
}

// createRepositoryAPI creates a repository. Without a namespace it goes
// to the account the session acts for (for basic credentials, the user);
// without private it takes the namespace's default visibility.
func (h *handlers) createRepositoryAPI(c *fiber.Ctx) error {
	v, err := h.apiViewer(c, true)
	if err != nil {
		return err
	}
	var in struct {
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		Summary     string `json:"summary"`
		Description string `json:"description"`
		Private     *bool  `json:"private"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Namespace == "" {
		in.Namespace = actingNamespace(v)
	}
	r, err := h.createRepository(c.UserContext(), v,
		catalog.NewRepository{Namespace: in.Namespace, Name: in.Name, Summary: in.Summary, Description: in.Description}, in.Private)
	if err != nil {
		return err
	}
	c.Location("/api/v1/repositories/" + r.Name)
	return c.Status(http.StatusCreated).JSON(repositoryOf(repoAccess{Repo: r, Perm: account.PermAdmin}, true))
}

// actingNamespace is the account v acts for: the session's context, or
// the user without one.
func actingNamespace(v viewer) string {
	if v.Session.Context != "" {
		return v.Session.Context
	}
	return v.User.Username
}

// listRepositoriesAPI lists the repositories of a namespace the caller
// may see; a namespace nobody owns is not found.
func (h *handlers) listRepositoriesAPI(c *fiber.Ctx) error {
	v, err := h.apiViewer(c, false)
	if err != nil {
		return err
	}
	ns := strings.ToLower(c.Params("ns"))
	if _, err := h.namespaceOwner(c.UserContext(), ns); err != nil {
		return err
	}
	repos, err := h.visibleRepositories(c.UserContext(), v, ns)
	if err != nil {
		return err
	}
	out := make([]repositoryJSON, 0, len(repos))
	for _, a := range repos {
		out = append(out, repositoryOf(a, false))
	}
	return c.JSON(fiber.Map{"repositories": out})
}

func (h *handlers) getRepositoryAPI(c *fiber.Ctx) error {
	a, err := h.apiRepository(c, false)
	if err != nil {
		return err
	}
	return c.JSON(repositoryOf(a, true))
}

// updateRepositoryAPI changes the fields present in the body.
func (h *handlers) updateRepositoryAPI(c *fiber.Ctx) error {
	a, err := h.apiRepository(c, true)
	if err != nil {
		return err
	}
	var in struct {
		Summary     *string `json:"summary"`
		Description *string `json:"description"`
		Private     *bool   `json:"private"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := h.Repositories.Update(c.UserContext(), a.Repo.Name,
		catalog.RepositoryChange{Summary: in.Summary, Description: in.Description, Private: in.Private})
	if err != nil {
		return err
	}
	return c.JSON(repositoryOf(repoAccess{Repo: r, Perm: a.Perm}, true))
}

func (h *handlers) deleteRepositoryAPI(c *fiber.Ctx) error {
	a, err := h.apiRepository(c, true)
	if err != nil {
		return err
	}
	if err := h.deleteRepository(c.UserContext(), a.Repo); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (h *handlers) repositoryTagsAPI(c *fiber.Ctx) error {
	a, err := h.apiRepository(c, false)
	if err != nil {
		return err
	}
	tags, err := h.repositoryTags(c.UserContext(), a.Repo.Name)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tags": nonNil(tags)})
}
