package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/account"
	accountmongo "github.com/berth/berth/account/mongostore"
	accountsqlite "github.com/berth/berth/account/sqlitestore"
	"github.com/berth/berth/catalog"
	catalogmongo "github.com/berth/berth/catalog/mongostore"
	catalogsqlite "github.com/berth/berth/catalog/sqlitestore"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/licensing"
	licensingmongo "github.com/berth/berth/licensing/mongostore"
	licensingsqlite "github.com/berth/berth/licensing/sqlitestore"
	"github.com/berth/berth/publisher"
	publishermongo "github.com/berth/berth/publisher/mongostore"
	publishersqlite "github.com/berth/berth/publisher/sqlitestore"
)

// Stores is one backend's implementation of every domain store.
type Stores struct {
	Accounts   account.Store
	Catalog    catalog.Store
	Publishers publisher.Store
	Licenses   licensing.Store
	// Ping checks that the database answers.
	Ping func(ctx context.Context) error
	// Close releases the database.
	Close func(ctx context.Context) error
}

// OpenStores opens MongoDB when cfg.MongoURI is set, else the SQLite file
// in the data directory.
func OpenStores(ctx context.Context, cfg Config) (*Stores, error) {
	if cfg.MongoURI != "" {
		return openMongo(ctx, cfg.MongoURI, cfg.MongoDatabase)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	return openSQLite(ctx, filepath.Join(cfg.DataDir, "berth.db"))
}

func openSQLite(ctx context.Context, path string) (*Stores, error) {
	db, err := sqldb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	s, err := sqliteStores(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.Ping = db.PingContext
	s.Close = func(context.Context) error { return db.Close() }
	return s, nil
}

func sqliteStores(ctx context.Context, db *sql.DB) (*Stores, error) {
	a, err := accountsqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing account tables: %w", err)
	}
	c, err := catalogsqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing catalog tables: %w", err)
	}
	p, err := publishersqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing publisher tables: %w", err)
	}
	l, err := licensingsqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing licensing tables: %w", err)
	}
	return &Stores{Accounts: a, Catalog: c, Publishers: p, Licenses: l}, nil
}

func openMongo(ctx context.Context, uri, database string) (*Stores, error) {
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(uri).SetServerSelectionTimeout(10*time.Second))
	if err != nil {
		return nil, fmt.Errorf("connecting to MongoDB: %w", err)
	}
	s, err := mongoStores(ctx, client.Database(database))
	if err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	s.Ping = func(ctx context.Context) error { return client.Ping(ctx, nil) }
	s.Close = client.Disconnect
	return s, nil
}

func mongoStores(ctx context.Context, db *mongo.Database) (*Stores, error) {
	a, err := accountmongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing account collections: %w", err)
	}
	c, err := catalogmongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing catalog collections: %w", err)
	}
	p, err := publishermongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing publisher collections: %w", err)
	}
	l, err := licensingmongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing licensing collections: %w", err)
	}
	return &Stores{Accounts: a, Catalog: c, Publishers: p, Licenses: l}, nil
}

// Backend is the domain services over one set of stores: everything the web
// front end and the admin commands use.
type Backend struct {
	Stores   *Stores
	Accounts *account.Service
	Licenses *licensing.Service
	Keys     *licensing.KeyRing
	Tokens   *licensing.TokenServer
}

// OpenBackend opens the stores, loads (or creates) the token keys and
// builds the services. The caller closes b.Stores.
func OpenBackend(ctx context.Context, cfg Config, service string) (*Backend, error) {
	stores, err := OpenStores(ctx, cfg)
	if err != nil {
		return nil, err
	}
	keys := licensing.NewKeyRing(stores.Licenses)
	if err := keys.Load(ctx); err != nil {
		_ = stores.Close(ctx)
		return nil, err
	}
	accounts := account.New(stores.Accounts, account.DefaultPasswordParams)
	b := &Backend{
		Stores:   stores,
		Accounts: accounts,
		Licenses: licensing.New(stores.Licenses, tierLookup{stores.Catalog}),
		Keys:     keys,
	}
	b.Tokens = licensing.NewTokenServer(
		licensing.TokenConfig{Issuer: cfg.TokenIssuer, Service: service, TTL: cfg.TokenTTL},
		keys, stores.Licenses, authenticator{accounts}, namespaces{stores.Publishers})
	return b, nil
}

// tierLookup answers licensing's tier questions from the catalog.
type tierLookup struct{ catalog catalog.Store }

func (t tierLookup) Tier(ctx context.Context, product, tier string) (licensing.Tier, error) {
	p, err := t.catalog.ProductBySlug(ctx, product)
	if errors.Is(err, catalog.ErrNotFound) {
		return licensing.Tier{}, fmt.Errorf("product %q: %w", product, licensing.ErrTierNotFound)
	} else if err != nil {
		return licensing.Tier{}, err
	}
	tr, ok := p.Tier(tier)
	if !ok {
		return licensing.Tier{}, fmt.Errorf("tier %q of %s: %w", tier, product, licensing.ErrTierNotFound)
	}
	return licensing.Tier{Product: p.Slug, Tier: tr.ID, Free: tr.Free(), Repositories: tr.Repositories}, nil
}

// authenticator adapts account sign-in to the token server.
type authenticator struct{ accounts *account.Service }

func (a authenticator) Authenticate(ctx context.Context, username, password string) (licensing.Subject, error) {
	u, err := a.accounts.Authenticate(ctx, username, password)
	if errors.Is(err, account.ErrBadCredentials) {
		return licensing.Subject{}, licensing.ErrBadCredentials
	} else if err != nil {
		return licensing.Subject{}, err
	}
	return licensing.Subject{ID: u.ID, Name: u.Username}, nil
}

// namespaces gives publisher members push rights on their namespaces.
type namespaces struct{ publishers publisher.Store }

func (n namespaces) PushNamespaces(ctx context.Context, userID string) ([]string, error) {
	ps, err := n.publishers.PublishersByMember(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Namespaces...)
	}
	return out, nil
}
