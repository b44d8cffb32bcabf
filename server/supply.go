package server

import (
	"context"
	"errors"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/publishing"
)

// The adapters the publisher and listings services compose with. Those
// over accounts hold the Backend because the account service is built after
// the publisher service (it asks the publisher service who holds a name).

// publisherOrgs finds the organisation a publisher application names.
type publisherOrgs struct{ b *Backend }

func (o publisherOrgs) OrgByName(ctx context.Context, name string) (publisher.Org, bool, error) {
	org, err := o.b.Accounts.Org(ctx, name)
	if errors.Is(err, account.ErrNotFound) {
		return publisher.Org{}, false, nil
	} else if err != nil {
		return publisher.Org{}, false, err
	}
	roles := make(map[string]publisher.OrgRole, len(org.Members))
	for _, m := range org.Members {
		roles[m.UserID] = publisher.OrgRole(m.Role)
	}
	return publisher.Org{ID: org.ID, Name: org.Name, Roles: roles}, true, nil
}

// userNamespaces tells publisher applications which names users and
// organisations own.
type userNamespaces struct{ b *Backend }

func (n userNamespaces) NamespaceOwner(ctx context.Context, name string) (string, error) {
	ns, err := n.b.Accounts.Namespace(ctx, name)
	if errors.Is(err, account.ErrNotFound) {
		return "", nil
	}
	return ns.OwnerID, err
}

// pushTokens makes publishers' push tokens: the account domain's own
// credential kind, which pushes to and pulls from the staging repositories
// and reaches nothing else.
type pushTokens struct{ b *Backend }

func (p pushTokens) CreatePushToken(ctx context.Context, userID, name string, stagingRepos []string) (string, string, error) {
	t, secret, err := p.b.Accounts.CreatePushToken(ctx, userID, name, stagingRepos)
	return t.ID, secret, err
}

// reserved keeps publishers' and pending applications' namespaces, and
// the staging namespace, from users and organisations.
type reserved struct{ publishers *publisher.Service }

func (r reserved) NamespaceReserved(ctx context.Context, name string) (account.Hold, error) {
	// Publishers' staging repositories live under "staging/".
	if name+"/" == publishing.StagingPrefix {
		return account.HoldPublisher, nil
	}
	p, ok, err := r.publishers.Holder(ctx, name)
	switch {
	case err != nil || !ok:
		return account.HoldNone, err
	case p.Status == publisher.StatusPending:
		return account.HoldApplication, nil
	}
	return account.HoldPublisher, nil
}

// sellers tells listings about their publisher.
type sellers struct{ publishers *publisher.Service }

func (s sellers) Seller(ctx context.Context, slug string) (catalog.Seller, bool, error) {
	p, err := s.publishers.PublisherBySlug(ctx, slug)
	if errors.Is(err, publisher.ErrNotFound) {
		return catalog.Seller{}, false, nil
	} else if err != nil {
		return catalog.Seller{}, false, err
	}
	return catalog.Seller{Slug: p.Slug, Namespaces: p.Namespaces, Approved: p.Status == publisher.StatusApproved}, true, nil
}

// tierRules checks tiers' entitlement terms by licensing's rules.
type tierRules struct{}

func (tierRules) CheckQuota(pulls int, period string) error {
	return licensing.Quota{Pulls: pulls, Period: licensing.Period(period)}.Validate()
}

func (tierRules) CheckEntitlement(versions, tagPattern string) error {
	return licensing.Entitlement{Versions: versions, TagPattern: tagPattern}.Validate()
}
