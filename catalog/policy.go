package catalog

import (
	"context"
	"errors"
	"fmt"
)

// Permissions answers what an account's ownership, roles and teams give a
// user on a repository: "read", "write", "admin" or "".
type Permissions interface {
	RepositoryPermission(ctx context.Context, userID, repo string) (string, error)
}

// RepositoryAccess is a user's relation to one user's or organisation's
// repository: its visibility, whether it exists yet, and what the user's
// accounts give them on it.
type RepositoryAccess struct {
	Exists bool
	Public bool
	Perm   string
}

// Access returns a user's relation to repo (userID empty: anonymous). A
// repository that does not exist yet still has a permission: its
// namespace's owner creates it by pushing. Who may then do what is for the
// access package to decide.
func (s *Repositories) Access(ctx context.Context, perms Permissions, userID, repo string) (RepositoryAccess, error) {
	var out RepositoryAccess
	r, err := s.store.RepositoryByName(ctx, repo)
	switch {
	case err == nil:
		out.Exists, out.Public = true, !r.Private
	case !errors.Is(err, ErrNotFound):
		return out, fmt.Errorf("reading repository %s: %w", repo, err)
	}
	if userID == "" {
		return out, nil
	}
	if out.Perm, err = perms.RepositoryPermission(ctx, userID, repo); err != nil {
		return out, fmt.Errorf("reading permissions on %s: %w", repo, err)
	}
	return out, nil
}
