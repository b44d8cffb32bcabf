package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// tierJSON is a tier as stored in the products.tiers JSON column. Its fields
// match catalog.Tier's one for one, so that the two convert into each other
// and a field added to the domain type fails the build until it is stored.
// Fields added later are omitempty: rows written before them read back as
// zero values.
type tierJSON struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Price        int64    `json:"price"`
	Currency     string   `json:"currency"`
	Repositories []string `json:"repositories"`
	Seats        int      `json:"seats,omitempty"`
	Versions     string   `json:"versions,omitempty"`
	TagPattern   string   `json:"tag_pattern,omitempty"`
	Perpetual    bool     `json:"perpetual,omitempty"`
	PullQuota    int      `json:"pull_quota,omitempty"`
	QuotaPeriod  string   `json:"quota_period,omitempty"`
	Interval     string   `json:"interval,omitempty"`
	TrialDays    int      `json:"trial_days,omitempty"`
	Terms        string   `json:"terms,omitempty"`
	TermsVersion int      `json:"terms_version,omitempty"`
}

// productRow holds the encoded columns of a product.
type productRow struct {
	categories, tiers, repositories, platforms, interfaces string
	createdAt, updatedAt                                   int64
}

// productColumns are every products column plus the product's
// repositories, in order, and platforms, sorted, as JSON arrays, for
// scanProduct; the products table is p.
const productColumns = `p.id, p.slug, p.name, p.publisher, p.kind, p.badge,
	p.summary, p.description, p.categories, p.tiers, p.stars, p.pulls,
	p.created_at, p.updated_at, p.logo, p.status,
	(SELECT json_group_array(r.repository ORDER BY r.position)
		FROM product_repositories r WHERE r.product_id = p.id),
	(SELECT json_group_array(pl.platform ORDER BY pl.platform)
		FROM product_platforms pl WHERE pl.product_id = p.id),
	(SELECT json_group_array(pi.capability ORDER BY pi.capability)
		FROM product_plugin_interfaces pi WHERE pi.product_id = p.id)`

// selectProducts reads productColumns of every product.
const selectProducts = `SELECT ` + productColumns + ` FROM products p`

// ProductBySlug returns the product or catalog.ErrNotFound.
func (s *Store) ProductBySlug(ctx context.Context, slug string) (catalog.Product, error) {
	p, err := scanProduct(sqldb.QueryRow(ctx, s.db, selectProducts+` WHERE p.slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Product{}, fmt.Errorf("product %s: %w", slug, catalog.ErrNotFound)
	}
	if err != nil {
		return catalog.Product{}, fmt.Errorf("reading product %s: %w", slug, err)
	}
	return p, nil
}

// ProductByRepository returns the slug of the product shipping repo, or
// catalog.ErrNotFound.
func (s *Store) ProductByRepository(ctx context.Context, repo string) (string, error) {
	return sqldb.QueryOne(ctx, s.db, "product of repository "+repo, catalog.ErrNotFound, scanSlug,
		`SELECT p.slug FROM product_repositories r JOIN products p ON p.id = r.product_id
		WHERE r.repository = ?`, repo)
}

// ListProducts returns the published products q selects, by stars and
// pulls (both descending), then slug. A zero Limit means no limit.
func (s *Store) ListProducts(ctx context.Context, q catalog.ListQuery) ([]catalog.Product, error) {
	var (
		where = []string{published}
		args  []any
	)
	if q.Kind != "" {
		where, args = append(where, "p.kind = ?"), append(args, q.Kind)
	}
	if q.Badge != nil {
		where, args = append(where, "p.badge = ?"), append(args, *q.Badge)
	}
	query := selectProducts + " WHERE " + strings.Join(where, " AND ")
	limit := int64(-1) // SQLite: no limit
	if q.Limit > 0 {
		limit = int64(q.Limit)
	}
	query += " ORDER BY p.stars DESC, p.pulls DESC, p.slug LIMIT ? OFFSET ?"
	args = append(args, limit, max(q.Offset, 0))

	out, err := sqldb.QueryAll(ctx, s.db, scanProduct, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing products: %w", err)
	}
	return out, nil
}

// scanProduct reads one row of productColumns.
func scanProduct(sc sqldb.Scanner) (catalog.Product, error) {
	var (
		p   catalog.Product
		row productRow
	)
	err := sc.Scan(&p.ID, &p.Slug, &p.Name, &p.Publisher, &p.Kind, &p.Badge,
		&p.Summary, &p.Description, &row.categories, &row.tiers, &p.Stars, &p.Pulls,
		&row.createdAt, &row.updatedAt, &p.Logo, &p.Status, &row.repositories, &row.platforms, &row.interfaces)
	if err != nil {
		return catalog.Product{}, err
	}
	return decode(p, row)
}

// encode returns the encoded columns of p.
func encode(p catalog.Product) (productRow, error) {
	tiers := make([]tierJSON, len(p.Tiers))
	for i, t := range p.Tiers {
		tiers[i] = tierJSON(t)
	}
	b, err := json.Marshal(tiers)
	if err != nil {
		return productRow{}, fmt.Errorf("encoding tiers: %w", err)
	}
	return productRow{
		categories: sqldb.Strings(p.Categories),
		tiers:      string(b),
		createdAt:  storecodec.Time(p.CreatedAt),
		updatedAt:  storecodec.Time(p.UpdatedAt),
	}, nil
}

// decode fills in p's fields from the encoded columns in row.
func decode(p catalog.Product, row productRow) (catalog.Product, error) {
	var err error
	if p.Categories, err = sqldb.ParseStrings(row.categories); err != nil {
		return p, fmt.Errorf("categories of %s: %w", p.Slug, err)
	}
	if p.Repositories, err = sqldb.ParseStrings(row.repositories); err != nil {
		return p, fmt.Errorf("repositories of %s: %w", p.Slug, err)
	}
	if p.Platforms, err = sqldb.ParseStrings(row.platforms); err != nil {
		return p, fmt.Errorf("platforms of %s: %w", p.Slug, err)
	}
	if p.PluginInterfaces, err = sqldb.ParseStrings(row.interfaces); err != nil {
		return p, fmt.Errorf("plugin interfaces of %s: %w", p.Slug, err)
	}
	var tiers []tierJSON
	if err := json.Unmarshal([]byte(row.tiers), &tiers); err != nil {
		return p, fmt.Errorf("tiers of %s: %w", p.Slug, err)
	}
	for _, t := range tiers {
		t.Repositories = storecodec.NilIfEmpty(t.Repositories)
		p.Tiers = append(p.Tiers, catalog.Tier(t))
	}
	p.CreatedAt = storecodec.ParseTime(row.createdAt)
	p.UpdatedAt = storecodec.ParseTime(row.updatedAt)
	return p, nil
}
