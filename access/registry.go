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

// Registry actions a token may carry. Delete goes with write: whoever may
// push over a tag may remove it.
const (
	ActionPull   = "pull"
	ActionPush   = "push"
	ActionDelete = "delete"
)

// writeActions are what write on a repository gives in the registry.
var writeActions = []string{ActionDelete, ActionPull, ActionPush}

// Actions returns the registry actions ("pull", "push", "delete") the
// principal has on repo, from the same rules as Decide: public pull for
// everyone but push tokens; repository permissions (read pulls; write and
// admin, which the namespace's user and an organisation's owners and admins
// have, push and delete); publisher namespaces (members pull; owners and
// editors push and delete in staging only, since what reaches buyers is
// what the publishing pipeline verified, and buyer-facing tags are
// withdrawn on the portal, which records why); then the credential's
// limits (a read-only token pulls only; a limited one reaches nothing
// outside its limits). A license key reaches only what is public here
// (licensing adds what its license covers) and never deletes. A push token
// pushes and deletes in its staging namespaces only: staging is the
// publisher's inbox, where a push over a tag is already as destructive as
// a delete, and nothing there reaches buyers without the pipeline.
func (r *Reach) Actions(ctx context.Context, repo string) ([]string, error) {
	repo = strings.ToLower(repo)
	switch r.p.Kind {
	case PushToken:
		if r.p.Limited() && r.p.Covers(repo) {
			return slices.Clone(writeActions), nil
		}
		return nil, nil
	case LicenseKey:
		return r.public(ctx, repo)
	case Refresh:
		return nil, nil
	}
	actions, public, err := r.accountActions(ctx, repo)
	if err != nil {
		return nil, err
	}
	if len(r.p.PushTo) > 0 {
		return r.build(repo, actions, public), nil
	}
	return r.limit(repo, actions), nil
}

func (r *Reach) accountActions(ctx context.Context, repo string) ([]string, bool, error) {
	var actions []string
	for _, g := range r.namespaces {
		switch {
		case under(repo, g.Staging) && publisherLevels[g.Role] >= Write:
			actions = append(actions, writeActions...)
		case under(repo, g.Namespace) && publisherLevels[g.Role] >= Read:
			actions = append(actions, ActionPull)
		}
	}
	f, err := r.d.facts.Repository(ctx, r.p.UserID, repo)
	if err != nil {
		return nil, false, err
	}
	if f.Public {
		actions = append(actions, ActionPull)
	}
	switch repoLevels[f.Perm] {
	case Read:
		actions = append(actions, ActionPull)
	case Write, Manage:
		actions = append(actions, writeActions...)
	}
	slices.Sort(actions)
	return slices.Compact(actions), f.Public, nil
}

// build is a build token's reach: pull what the account pulls (within
// its limits, or public), push to its PushTo repositories where the
// account may push, and never delete.
func (r *Reach) build(repo string, actions []string, public bool) []string {
	var out []string
	if slices.Contains(actions, ActionPull) && (public || r.p.Covers(repo)) {
		out = append(out, ActionPull)
	}
	if slices.Contains(actions, ActionPush) && r.p.MayPush(repo) {
		out = append(out, ActionPush)
	}
	return out
}

// public is what anyone may do with repo: pull it if it is public. A
// license key has that much, or `docker login` with it would lose what an
// anonymous client has.
func (r *Reach) public(ctx context.Context, repo string) ([]string, error) {
	f, err := r.d.facts.Repository(ctx, "", repo)
	if err != nil || !f.Public {
		return nil, err
	}
	return []string{ActionPull}, nil
}

// limit applies a token's read-only flag and repository limits.
func (r *Reach) limit(repo string, actions []string) []string {
	if r.p.Limited() && !r.p.Covers(repo) {
		return nil
	}
	if r.p.ReadOnly {
		return slices.DeleteFunc(actions, func(a string) bool { return a != ActionPull })
	}
	return actions
}

func under(repo, ns string) bool { return ns != "" && strings.HasPrefix(repo, ns+"/") }
