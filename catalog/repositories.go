package catalog

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/berth/berth/internal/fielderr"
	"github.com/berth/berth/internal/secret"
)

// InvalidError reports input that fails validation; Field names the offending field.
type InvalidError = fielderr.Error

// repoName is the part of a repository name below its namespace:
// distribution's path-component grammar.
var repoName = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)

// Repositories is the behaviour of users' and organisations' own
// repositories. Who may do what is decided by the caller, which knows the
// accounts; this service keeps names and fields valid.
type Repositories struct {
	store RepositoryStore
	now   func() time.Time
}

// NewRepositories returns the service over store.
func NewRepositories(store RepositoryStore) *Repositories {
	return &Repositories{store: store, now: time.Now}
}

// NewRepository is what creating a repository takes.
type NewRepository struct {
	Namespace   string
	Name        string // below the namespace
	Summary     string
	Description string
	Private     bool
}

// RepositoryChange holds the fields to change; nil leaves one alone.
type RepositoryChange struct {
	Summary     *string
	Description *string
	Private     *bool
}

// Create validates and stores a new repository.
func (s *Repositories) Create(ctx context.Context, in NewRepository) (Repository, error) {
	name := strings.ToLower(strings.TrimSpace(in.Name))
	in.Namespace = strings.ToLower(in.Namespace)
	if !repoName.MatchString(name) || len(in.Namespace)+1+len(name) > 255 {
		return Repository{}, &InvalidError{Field: "name", Message: "use lower-case letters, digits and single '.', '_' or '-' between them (like my-app)"}
	}
	now := s.now().UTC()
	r := Repository{ID: secret.ID(), Name: in.Namespace + "/" + name, Namespace: in.Namespace, Private: in.Private, CreatedAt: now, UpdatedAt: now}
	if err := applyText(&r, &in.Summary, &in.Description); err != nil {
		return Repository{}, err
	}
	if err := s.store.CreateRepository(ctx, r); err != nil {
		return Repository{}, fmt.Errorf("creating %s: %w", r.Name, err)
	}
	return r, nil
}

func applyText(r *Repository, summary, description *string) error {
	if summary != nil {
		r.Summary = strings.TrimSpace(*summary)
		if len(r.Summary) > 100 {
			return &InvalidError{Field: "summary", Message: "keep the short description to 100 characters"}
		}
	}
	if description != nil {
		if len(*description) > 25000 {
			return &InvalidError{Field: "description", Message: "keep the full description to 25,000 characters"}
		}
		r.Description = *description
	}
	return nil
}

// Get returns a repository by full name.
func (s *Repositories) Get(ctx context.Context, name string) (Repository, error) {
	return s.store.RepositoryByName(ctx, strings.ToLower(name))
}

// List returns a namespace's repositories, private ones only when asked.
func (s *Repositories) List(ctx context.Context, namespace string, includePrivate bool) ([]Repository, error) {
	return s.store.RepositoriesByNamespace(ctx, strings.ToLower(namespace), includePrivate)
}

// Update applies a change.
func (s *Repositories) Update(ctx context.Context, name string, c RepositoryChange) (Repository, error) {
	r, err := s.Get(ctx, name)
	if err != nil {
		return Repository{}, err
	}
	if err := applyText(&r, c.Summary, c.Description); err != nil {
		return Repository{}, err
	}
	if c.Private != nil {
		r.Private = *c.Private
	}
	r.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateRepository(ctx, r); err != nil {
		return Repository{}, fmt.Errorf("updating %s: %w", r.Name, err)
	}
	return r, nil
}

// Delete removes a repository's record.
func (s *Repositories) Delete(ctx context.Context, name string) error {
	return s.store.DeleteRepository(ctx, strings.ToLower(name))
}

// Pushed records a repository the registry just received a push for, if it
// has no record yet (a push to one's own namespace creates it, as on
// Docker Hub), with the given visibility.
func (s *Repositories) Pushed(ctx context.Context, name string, private bool) error {
	name = strings.ToLower(name)
	if _, err := s.store.RepositoryByName(ctx, name); err == nil {
		return nil
	}
	ns, rest, _ := strings.Cut(name, "/")
	_, err := s.Create(ctx, NewRepository{Namespace: ns, Name: rest, Private: private})
	if err != nil && !isExists(err) {
		return err
	}
	return nil
}
