package publisher_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/berth/berth/account"
	accountsqlite "github.com/berth/berth/account/sqlitestore"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/publisher"
	publishersqlite "github.com/berth/berth/publisher/sqlitestore"
)

// world is the publisher service over a real SQLite store, composed with
// a real account service the way the server composes them, and a clock the
// test moves.
type world struct {
	t        *testing.T
	ctx      context.Context
	accounts *account.Service
	pubs     *publisher.Service
	store    publisher.Store
	now      time.Time
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(t)
	as, err := accountsqlite.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := publishersqlite.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: ctx, store: ps, now: t0}
	w.pubs = publisher.New(ps, orgsOf{w}, namespacesOf{w}, tokensOf{w})
	publisher.SetClock(w.pubs, func() time.Time { return w.now })
	w.accounts = account.New(account.Stores{Users: as, Namespaces: as, Sessions: as, Tokens: as, Orgs: as},
		reservedBy{w.pubs}, account.Options{Password: account.PasswordParams{Memory: 1024, Time: 1, Threads: 1}})
	return w
}

// user registers a user called name.
func (w *world) user(name string, admin bool) account.User {
	w.t.Helper()
	u, err := w.accounts.Register(w.ctx, account.SignUp{Username: name, Email: name + "@example.com", Password: name + "-password", Admin: admin})
	if err != nil {
		w.t.Fatalf("registering %s: %v", name, err)
	}
	return u
}

// org creates an organisation owned by owner, with members at roles.
func (w *world) org(owner account.User, name string, members map[account.User]account.Role) {
	w.t.Helper()
	if _, err := w.accounts.CreateOrg(w.ctx, owner, name, ""); err != nil {
		w.t.Fatalf("creating %s: %v", name, err)
	}
	for m, role := range members {
		if err := w.accounts.AddMember(w.ctx, owner, name, m.Username, role); err != nil {
			w.t.Fatalf("adding %s to %s: %v", m.Username, name, err)
		}
	}
}

// apply sends an application and fails the test unless it is accepted.
func (w *world) apply(u account.User, org, slug string, namespaces ...string) publisher.Publisher {
	w.t.Helper()
	p, err := w.pubs.Apply(w.ctx, u.ID, publisher.Application{Slug: slug, Name: slug, Organization: org, Namespaces: namespaces})
	if err != nil {
		w.t.Fatalf("applying for %s as %s: %v", slug, org, err)
	}
	return p
}

type orgsOf struct{ w *world }

func (o orgsOf) OrgByName(ctx context.Context, name string) (publisher.Org, bool, error) {
	org, err := o.w.accounts.Org(ctx, name)
	if errors.Is(err, account.ErrNotFound) {
		return publisher.Org{}, false, nil
	} else if err != nil {
		return publisher.Org{}, false, err
	}
	roles := map[string]publisher.OrgRole{}
	for _, m := range org.Members {
		roles[m.UserID] = publisher.OrgRole(m.Role)
	}
	return publisher.Org{ID: org.ID, Name: org.Name, Roles: roles}, true, nil
}

type namespacesOf struct{ w *world }

func (n namespacesOf) NamespaceOwner(ctx context.Context, name string) (string, error) {
	ns, err := n.w.accounts.Namespace(ctx, name)
	if errors.Is(err, account.ErrNotFound) {
		return "", nil
	}
	return ns.OwnerID, err
}

type tokensOf struct{ w *world }

func (p tokensOf) CreatePushToken(ctx context.Context, userID, name string, repos []string) (string, string, error) {
	t, secret, err := p.w.accounts.CreateToken(ctx, userID, account.NewToken{Name: name, Access: account.TokenReadWrite, Resources: repos})
	return t.ID, secret, err
}

type reservedBy struct{ pubs *publisher.Service }

func (r reservedBy) NamespaceReserved(ctx context.Context, name string) (account.Hold, error) {
	p, ok, err := r.pubs.Holder(ctx, name)
	switch {
	case err != nil || !ok:
		return account.HoldNone, err
	case p.Status == publisher.StatusPending:
		return account.HoldApplication, nil
	}
	return account.HoldPublisher, nil
}
