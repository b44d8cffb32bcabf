package access

import (
	"context"
	"errors"
	"strings"
)

// The domains' role names and the level each gives. A role not listed
// gives nothing: deny by default.
var (
	orgLevels       = map[string]Level{"owner": Own, "admin": Manage, "member": Read}
	publisherLevels = map[string]Level{"owner": Manage, "editor": Write, "viewer": Read}
	licenseLevels   = map[string]Level{"manager": Manage, "holder": Read}
	orderLevels     = map[string]Level{"buyer": Read}
	repoLevels      = map[string]Level{"admin": Manage, "write": Write, "read": Read}
	namespaceLevels = map[string]Level{"admin": Manage, "member": Read}
)

// org decides a level of an organisation. Organisations are public, so a
// stranger is refused with 403, not 404.
func (d *Decider) org(ctx context.Context, p Principal, level Level, name string) (Decision, error) {
	role, err := d.facts.OrgRole(ctx, p.UserID, name)
	if errors.Is(err, ErrNoResource) {
		return hide("no organisation " + name), nil
	} else if err != nil {
		return Decision{}, err
	}
	have := orgLevels[role]
	switch {
	case have == 0:
		return forbid("you are not a member of " + name), nil
	case have < level && level == Own:
		return forbid("only owners of " + name + " may do that"), nil
	case have < level:
		return forbid("only owners and admins of " + name + " may do that"), nil
	}
	return allow(), nil
}

// publisher decides a level of a publisher. Berth's administrators act as
// its owners; a publisher is private to its members until it lists
// products, so strangers get 404.
func (d *Decider) publisher(ctx context.Context, p Principal, perm Permission, slug string) (Decision, error) {
	level := perm.Level
	role, err := d.facts.PublisherRole(ctx, p.UserID, slug)
	if errors.Is(err, ErrNoResource) {
		return hide("no publisher " + slug), nil
	} else if err != nil {
		return Decision{}, err
	}
	have := publisherLevels[role]
	if p.Admin && !perm.MembersOnly {
		have = Manage
	}
	switch {
	case have == 0 && role == "" && p.Admin:
		return forbid("only the publisher's own owners and editors may do that"), nil
	case have == 0:
		return hide("no publisher " + slug + " that you belong to"), nil
	case have < level && level == Write:
		return forbid("viewers of a publisher may look, not change: ask an owner"), nil
	case have < level:
		return forbid("only the publisher's owners may do that"), nil
	}
	return allow(), nil
}

// related decides a level of a resource private to those related to it:
// anyone else is told it does not exist. Administrators manage them all.
func (d *Decider) related(ctx context.Context, p Principal, level Level, id, noun string,
	relation func(ctx context.Context, userID, id string) (string, error), levels map[string]Level) (Decision, error) {
	role, err := relation(ctx, p.UserID, id)
	if errors.Is(err, ErrNoResource) {
		return hide(noun + " not found"), nil
	} else if err != nil {
		return Decision{}, err
	}
	have := levels[role]
	if p.Admin {
		have = Manage
	}
	switch {
	case have == 0:
		return hide(noun + " not found"), nil
	case have < level:
		return forbid("only the " + noun + "'s holder, or the owners and admins of the organisation holding it, may do that"), nil
	}
	return allow(), nil
}

// listing decides whether p sees a product: a published one anyone; a
// draft only its publisher's members (within a token's limits, none) and
// administrators. To anyone else a draft does not exist.
func (d *Decider) listing(ctx context.Context, p Principal, slug string) (Decision, error) {
	pub, published, err := d.facts.Listing(ctx, slug)
	if errors.Is(err, ErrNoResource) {
		return hide("no product " + slug), nil
	} else if err != nil {
		return Decision{}, err
	}
	if published {
		return allow(), nil
	}
	if !p.Account() || p.Limited() {
		return hide("no product " + slug), nil
	}
	dec, err := d.publisher(ctx, p, Permission{Resource: Publisher, Level: Read}, pub)
	if err != nil || dec.Allowed() {
		return dec, err
	}
	return hide("no product " + slug), nil
}

// image decides whether p sees what a repository holds: a product's as its
// listing, anything else as a repository.
func (d *Decider) image(ctx context.Context, p Principal, repo string) (Decision, error) {
	slug, err := d.facts.ImageListing(ctx, repo)
	switch {
	case err == nil:
		return d.listing(ctx, p, slug)
	case !errors.Is(err, ErrNoResource):
		return Decision{}, err
	}
	return d.repository(ctx, p, Permission{Resource: Repository, Level: Read}, repo)
}

// repository decides a level of a user's or organisation's repository or
// namespace. Anonymous callers may read what is public; a limited token
// reaches only what its limits cover.
func (d *Decider) repository(ctx context.Context, p Principal, perm Permission, name string) (Decision, error) {
	if p.Kind != Anonymous && p.Limited() && !p.Covers(name) {
		return forbid("this access token is limited to " + strings.Join(p.Within, ", ")), nil
	}
	if p.ReadOnly && perm.Level > Read {
		return forbid("this access token is read-only"), nil
	}
	if perm.Resource == Namespace {
		return d.namespace(ctx, p, perm.Level, name)
	}
	f, err := d.facts.Repository(ctx, p.UserID, name)
	if err != nil {
		return Decision{}, err
	}
	if !f.Exists {
		return hide("no repository " + name), nil
	}
	have, public := repoLevels[f.Perm], f.Public
	switch {
	case have >= perm.Level:
		return allow(), nil
	case have == 0 && !public:
		return hide("no repository " + name), nil
	case perm.Level == Read:
		return allow(), nil // public
	case p.UserID == "":
		return unauthenticated("sign in to change " + name), nil
	case perm.Level == Write:
		return forbid("you may pull " + name + ", not change it"), nil
	}
	return forbid("only admins of " + name + " may do that"), nil
}

// namespace decides a level of a namespace: anyone sees what it holds
// publicly; creating in it takes its user, or an owner or admin of its
// organisation.
func (d *Decider) namespace(ctx context.Context, p Principal, level Level, ns string) (Decision, error) {
	if level == Read {
		return allow(), nil
	}
	if p.UserID == "" {
		return unauthenticated("sign in to create repositories"), nil
	}
	role, err := d.facts.NamespaceRole(ctx, p.UserID, ns)
	if errors.Is(err, ErrNoResource) {
		return hide("no namespace " + ns), nil
	} else if err != nil {
		return Decision{}, err
	}
	if namespaceLevels[role] < level {
		return forbid("you cannot create repositories in " + ns), nil
	}
	return allow(), nil
}

// builds decides a level of a repository's automated builds: a catalog
// product's repository has no repository record, and its builds belong to
// the product's publisher, as its uploads do.
func (d *Decider) builds(ctx context.Context, p Principal, perm Permission, name string) (Decision, error) {
	slug, err := d.facts.ImageListing(ctx, name)
	if errors.Is(err, ErrNoResource) {
		return d.repository(ctx, p, Permission{Resource: Repository, Level: perm.Level}, name)
	} else if err != nil {
		return Decision{}, err
	}
	pub, _, err := d.facts.Listing(ctx, slug)
	if errors.Is(err, ErrNoResource) {
		return hide("no repository " + name), nil
	} else if err != nil {
		return Decision{}, err
	}
	if p.Kind != Anonymous && p.Limited() && !p.Covers(name) {
		return forbid("this access token is limited to " + strings.Join(p.Within, ", ")), nil
	}
	if p.ReadOnly && perm.Level > Read {
		return forbid("this access token is read-only"), nil
	}
	if !p.Account() {
		return hide("no repository " + name), nil
	}
	return d.publisher(ctx, p, Permission{Resource: Publisher, Level: perm.Level, MembersOnly: true}, pub)
}
