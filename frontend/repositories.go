package frontend

import (
	"context"
	"errors"
	"fmt"
	"github.com/berth/berth/access"
	"strings"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
)

// repositoryRoutes registers the repositories pages on app and their JSON API on api.
// A repository is addressed as namespace and one name segment below it.
func (h *handlers) repositoryRoutes(app, api routes) {
	app.Get("/repositories/new", access.Self(access.Read), h.newRepositoryPage)
	app.Post("/repositories", access.InNamespace(access.Write, "namespace"), h.createRepositoryForm)
	app.Get("/r/:ns", access.InNamespace(access.Read, "ns"), h.namespacePage)
	app.Get("/r/:ns/:name", access.OnRepository(access.Read), h.repositoryPage)
	app.Post("/r/:ns/:name/settings", access.OnRepository(access.Manage), h.repositorySettingsForm)
	app.Post("/r/:ns/:name/delete", access.OnRepository(access.Manage), h.deleteRepositoryForm)

	api.Post("/repositories", access.InNamespace(access.Write, "namespace"), h.createRepositoryAPI)
	api.Get("/repositories/:ns", access.InNamespace(access.Read, "ns"), h.listRepositoriesAPI)
	api.Get("/repositories/:ns/:name", access.OnRepository(access.Read), h.getRepositoryAPI)
	api.Patch("/repositories/:ns/:name", access.OnRepository(access.Manage), h.updateRepositoryAPI)
	api.Delete("/repositories/:ns/:name", access.OnRepository(access.Manage), h.deleteRepositoryAPI)
	api.Get("/repositories/:ns/:name/tags", access.OnRepository(access.Read), h.repositoryTagsAPI)
}

// errNoRepository answers alike for a repository that does not exist and
// for a private one the viewer may not see, so that neither is revealed.
var errNoRepository = describe(catalog.ErrNotFound, "", "repository not found")

// namespaceOwner returns who owns namespace ns, or a not-found error that
// names it.
func (h *handlers) namespaceOwner(ctx context.Context, ns string) (account.Namespace, error) {
	owner, err := h.Accounts.Namespace(ctx, ns)
	if errors.Is(err, account.ErrNotFound) {
		return owner, describe(err, "", "no user or organisation is called "+ns)
	}
	return owner, err
}

// repoAccess is one repository and what the viewer may do with it.
type repoAccess struct {
	Repo catalog.Repository
	Perm account.Permission
}

// CanSee reports whether the viewer may see (and pull) the repository.
func (a repoAccess) CanSee() bool { return !a.Repo.Private || a.Perm != "" }

// CanAdmin reports whether the viewer may change or delete the repository.
func (a repoAccess) CanAdmin() bool { return a.Perm == account.PermAdmin }

// Short is the repository's name below its namespace.
func (a repoAccess) Short() string { return shortName(a.Repo) }

// repoPermission is the one rule for what v may do with repo ("ns/name"):
// the account's permission from ownership, roles and teams; none for an
// anonymous viewer or a personal access token limited to other
// resources; at most read through a read-only token. No permission is
// not an error.
func (h *handlers) repoPermission(ctx context.Context, v viewer, repo string) (account.Permission, error) {
	if !tokenCovers(v.Token, repo) {
		return "", nil
	}
	return h.accountPermission(ctx, v, repo)
}

// accountPermission is repoPermission before a token's resource limits.
func (h *handlers) accountPermission(ctx context.Context, v viewer, repo string) (account.Permission, error) {
	if !v.SignedIn() {
		return "", nil
	}
	p, err := h.Accounts.RepositoryPermission(ctx, v.User.ID, repo)
	if err != nil || p == "" {
		return "", err
	}
	if v.Token != nil && v.Token.Access == account.TokenRead {
		return account.PermRead, nil
	}
	return p, nil
}

// tokenCovers reports whether a personal access token's resources include
// repo; the token server applies the same limits. A nil token is a
// password or session, which is not limited.
func tokenCovers(t *account.AccessToken, repo string) bool {
	return t == nil || t.Covers(repo)
}

// repository loads ns/name for v. It answers errNoRepository when there
// is none or v may not see it: the tag pages, which anyone may ask for,
// rely on that. Routes that change a repository declare
// access.OnRepository(access.Manage), which decided that v administers it.
func (h *handlers) repository(ctx context.Context, v viewer, ns, name string) (repoAccess, error) {
	full := strings.ToLower(ns + "/" + name)
	r, err := h.Repositories.Get(ctx, full)
	if errors.Is(err, catalog.ErrNotFound) {
		return repoAccess{}, errNoRepository
	} else if err != nil {
		return repoAccess{}, err
	}
	p, err := h.repoPermission(ctx, v, r.Name)
	if err != nil {
		return repoAccess{}, err
	}
	a := repoAccess{Repo: r, Perm: p}
	if !a.CanSee() {
		return repoAccess{}, errNoRepository
	}
	return a, nil
}

// canCreateIn reports whether v's account may create repositories in
// namespace ns (its owner, or an organisation's owners and admins), for
// the pages to offer the namespaces where creating would be allowed;
// access decides when a repository is created. The probe name ends in "/"
// so that no team's grant on a real repository can match it.
func (h *handlers) canCreateIn(ctx context.Context, v viewer, ns string) (bool, error) {
	if ns == "" {
		return false, nil
	}
	p, err := h.accountPermission(ctx, v, strings.ToLower(ns)+"/")
	return p == account.PermAdmin, err
}

// creatableNamespaces lists, in the header's order, the accounts v acts
// for in which v may create repositories.
func (h *handlers) creatableNamespaces(ctx context.Context, v viewer) ([]string, error) {
	orgs, err := h.Accounts.OrgsOf(ctx, v.User.ID)
	if err != nil {
		return nil, err
	}
	names := []string{v.User.Username}
	for _, o := range orgs {
		names = append(names, o.Name)
	}
	var out []string
	for _, n := range names {
		ok, err := h.canCreateIn(ctx, v, n)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// defaultPrivate is the visibility a new repository in ns gets unless
// chosen: the user's setting in their own namespace, public elsewhere.
func (h *handlers) defaultPrivate(ctx context.Context, v viewer, ns string) (bool, error) {
	if !strings.EqualFold(ns, v.User.Username) {
		return false, nil
	}
	u, err := h.Accounts.User(ctx, v.User.ID)
	if err != nil {
		return false, err
	}
	return u.DefaultPrivate, nil
}

// createRepository creates a repository for v; a nil private takes the
// namespace's default visibility. The routes that call it declare
// access.InNamespace(access.Write, "namespace"), which decided that v may
// create in the namespace, within the limits of the token used.
func (h *handlers) createRepository(ctx context.Context, v viewer, in catalog.NewRepository, private *bool) (catalog.Repository, error) {
	in.Namespace = strings.ToLower(strings.TrimSpace(in.Namespace))
	if in.Namespace == "" {
		return catalog.Repository{}, &catalog.InvalidError{Field: "namespace", Message: "choose the namespace the repository belongs to"}
	}
	if strings.Contains(in.Name, "/") {
		// Pages and API address ns/name only, for now.
		return catalog.Repository{}, &catalog.InvalidError{Field: "name", Message: "use one name below the namespace, without '/'"}
	}
	if private != nil {
		in.Private = *private
	} else {
		var err error
		if in.Private, err = h.defaultPrivate(ctx, v, in.Namespace); err != nil {
			return catalog.Repository{}, err
		}
	}
	return h.Repositories.Create(ctx, in)
}

// deleteRepository deletes a repository's images, then its record, so
// that a failure leaves the record to try again from. Without a registry
// client only the record goes, and that is logged.
func (h *handlers) deleteRepository(ctx context.Context, r catalog.Repository) error {
	if h.Registry == nil {
		h.Logger.Warn("no registry client: deleting the repository record only", "repository", r.Name)
	} else if err := h.Registry.DeleteRepository(ctx, r.Name); err != nil {
		return fmt.Errorf("deleting the images of %s: %w", r.Name, err)
	}
	if err := h.Repositories.Delete(ctx, r.Name); err != nil {
		return err
	}
	return h.Accounts.ForgetRepository(ctx, r.Name)
}

// visibleRepositories lists those repositories of namespace ns that v
// may see. Callers check first that the namespace exists where that matters.
func (h *handlers) visibleRepositories(ctx context.Context, v viewer, ns string) ([]repoAccess, error) {
	repos, err := h.Repositories.List(ctx, ns, v.SignedIn())
	if err != nil {
		return nil, err
	}
	// An administrator of the namespace administers all of it: one
	// question instead of one per repository.
	nsPerm, err := h.repoPermission(ctx, v, strings.ToLower(ns)+"/")
	if err != nil {
		return nil, err
	}
	out := make([]repoAccess, 0, len(repos))
	for _, r := range repos {
		p := nsPerm
		if p != account.PermAdmin {
			if p, err = h.repoPermission(ctx, v, r.Name); err != nil {
				return nil, err
			}
		}
		if a := (repoAccess{Repo: r, Perm: p}); a.CanSee() {
			out = append(out, a)
		}
	}
	return out, nil
}

// shortName is a repository's name below its namespace.
func shortName(r catalog.Repository) string {
	return strings.TrimPrefix(r.Name, r.Namespace+"/")
}
