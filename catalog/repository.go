package catalog

import (
	"context"
	"errors"
	"time"
)

// Repository is a user's or organisation's own repository (Docker Hub's
// kind), as opposed to a product's repositories, which products list.
// Name is the full name, "namespace/name".
type Repository struct {
	ID          string
	Name        string
	Namespace   string
	Summary     string
	Description string // Markdown
	Private     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Pulls counts the image pulls of the repository (RecordPull), Stars
	// its stars, and PushedAt is its last push (PutTag), zero before the
	// first: the figures the Community section and tab show. Writes of
	// the repository's own fields keep them.
	Pulls    int64
	Stars    int64
	PushedAt time.Time
}

// ErrRepositoryExists means a repository with that name already exists.
var ErrRepositoryExists = errors.New("a repository with that name already exists")

// RepositoryStore persists user and organisation repositories.
// Implementations live in sqlitestore and mongostore and pass the shared
// suite in storetest.
type RepositoryStore interface {
	// CreateRepository inserts r, or returns ErrRepositoryExists.
	CreateRepository(ctx context.Context, r Repository) error
	// RepositoryByName returns the repository, or ErrNotFound.
	RepositoryByName(ctx context.Context, name string) (Repository, error)
	// RepositoriesByNamespace returns a namespace's repositories by name;
	// private ones only when includePrivate is set.
	RepositoriesByNamespace(ctx context.Context, namespace string, includePrivate bool) ([]Repository, error)
	// UpdateRepository replaces the summary, description, visibility and
	// UpdatedAt of the repository named r.Name, or returns ErrNotFound.
	UpdateRepository(ctx context.Context, r Repository) error
	// DeleteRepository removes it, or returns ErrNotFound.
	DeleteRepository(ctx context.Context, name string) error
	// DeleteNamespaceRepositories removes every repository of a namespace
	// and returns how many it removed.
	DeleteNamespaceRepositories(ctx context.Context, namespace string) (int, error)
}

func isExists(err error) bool { return errors.Is(err, ErrRepositoryExists) }
