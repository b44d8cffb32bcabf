package access

import (
	"context"
	"slices"
	"strings"
)

// NamespaceGrant is a publisher namespace an account's publisher role
// reaches in the registry: Namespace is where buyers pull from, Staging
// where the publisher pushes uploads for verification.
type NamespaceGrant struct {
	Namespace string
	Staging   string
	Role      string // the user's role in the publisher
}

// RegistryFacts are the facts registry decisions read, beside Facts.
type RegistryFacts interface {
	Facts
	// PublisherNamespaces lists the namespaces of the approved publishers
	// the user has a role in.
	PublisherNamespaces(ctx context.Context, userID string) ([]NamespaceGrant, error)
}

// Reach is what one principal may do in the registry, outside what its
// licenses entitle (licensing adds those pulls).
type Reach struct {
	d          *Decider
	p          Principal
	namespaces []NamespaceGrant
}

// Registry returns the registry reach of p. It reads the principal's
// publisher roles once, so that a token request with many scopes reads
// them once.
func (d *Decider) Registry(ctx context.Context, p Principal) (*Reach, error) {
	r := &Reach{d: d, p: p}
	if p.UserID == "" || p.Kind == LicenseKey || p.Kind == PushToken {
		return r, nil
	}
	reg, ok := d.facts.(RegistryFacts)
	if !ok {
		return r, nil
	}
	var err error
	r.namespaces, err = reg.PublisherNamespaces(ctx, p.UserID)
	return r, err
}

// Actions returns the registry actions ("pull", "push") the principal has
// on repo, from the same rules as Decide: public pull for everyone but
// push tokens, repository permissions, publisher namespaces (members
// pull; owners and editors push to staging only, since what reaches
// buyers is what the publishing pipeline verified), then the credential's
// limits. A license key reaches only what is public here (licensing adds
// what its license covers); a push token only its staging namespaces.
func (r *Reach) Actions(ctx context.Context, repo string) ([]string, error) {
	repo = strings.ToLower(repo)
	switch r.p.Kind {
	case PushToken:
		if r.p.Limited() && r.p.Covers(repo) {
			return []string{"pull", "push"}, nil
		}
		return nil, nil
	case LicenseKey:
		return r.public(ctx, repo)
	case Refresh:
		return nil, nil
	}
	actions, err := r.accountActions(ctx, repo)
	if err != nil {
		return nil, err
	}
	return r.limit(repo, actions), nil
}

func (r *Reach) accountActions(ctx context.Context, repo string) ([]string, error) {
	var actions []string
	for _, g := range r.namespaces {
		switch {
		case under(repo, g.Staging) && publisherLevels[g.Role] >= Write:
			actions = append(actions, "pull", "push")
		case under(repo, g.Namespace) && publisherLevels[g.Role] >= Read:
			actions = append(actions, "pull")
		}
	}
	f, err := r.d.facts.Repository(ctx, r.p.UserID, repo)
	if err != nil {
		return nil, err
	}
	if f.Public {
		actions = append(actions, "pull")
	}
	switch repoLevels[f.Perm] {
	case Read:
		actions = append(actions, "pull")
	case Write, Manage:
		actions = append(actions, "pull", "push")
	}
	slices.Sort(actions)
	return slices.Compact(actions), nil
}

// public is what anyone may do with repo: pull it if it is public. A
// license key has that much, or `docker login` with it would lose what an
// anonymous client has.
func (r *Reach) public(ctx context.Context, repo string) ([]string, error) {
	f, err := r.d.facts.Repository(ctx, "", repo)
	if err != nil || !f.Public {
		return nil, err
	}
	return []string{"pull"}, nil
}

// limit applies a token's read-only flag and repository limits.
func (r *Reach) limit(repo string, actions []string) []string {
	if r.p.Limited() && !r.p.Covers(repo) {
		return nil
	}
	if r.p.ReadOnly {
		return slices.DeleteFunc(actions, func(a string) bool { return a != "pull" })
	}
	return actions
}

func under(repo, ns string) bool { return ns != "" && strings.HasPrefix(repo, ns+"/") }
