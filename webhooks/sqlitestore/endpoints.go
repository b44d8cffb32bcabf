package sqlitestore

import (
	"context"
	"fmt"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/webhooks"
)

// endpointColumns lists the webhook_endpoints columns in scanEndpoint's
// order.
const endpointColumns = `id, publisher, url, events, created_at`

// selectEndpoints lists a publisher's endpoints, oldest first.
const selectEndpoints = `SELECT ` + endpointColumns + ` FROM webhook_endpoints
	WHERE publisher = ? ORDER BY created_at, id`

// AddEndpoint stores e.
func (s *Store) AddEndpoint(ctx context.Context, e webhooks.Endpoint) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO webhook_endpoints (`+endpointColumns+`)
		VALUES (?, ?, ?, ?, ?)`,
		e.ID, e.Publisher, e.URL, sqldb.Strings(e.Events), storecodec.Time(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("adding webhook endpoint %s: %w", e.ID, sqldb.NameDuplicate(err))
	}
	return nil
}

// Endpoints returns a publisher's endpoints, oldest first (ties by ID).
func (s *Store) Endpoints(ctx context.Context, publisher string) ([]webhooks.Endpoint, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanEndpoint, selectEndpoints, publisher)
	if err != nil {
		return nil, fmt.Errorf("listing webhook endpoints of %s: %w", publisher, err)
	}
	return out, nil
}

// DeleteEndpoint removes one of a publisher's endpoints, or returns
// webhooks.ErrNotFound; another publisher's endpoint is not found.
func (s *Store) DeleteEndpoint(ctx context.Context, publisher, id string) error {
	res, err := sqldb.Exec(ctx, s.db, `DELETE FROM webhook_endpoints WHERE id = ? AND publisher = ?`,
		id, publisher)
	if err := sqldb.ChangedOne(res, err, webhooks.ErrNotFound); err != nil {
		return fmt.Errorf("deleting webhook endpoint %s of %s: %w", id, publisher, err)
	}
	return nil
}

// scanEndpoint reads one row of endpointColumns.
func scanEndpoint(sc sqldb.Scanner) (webhooks.Endpoint, error) {
	var (
		e       webhooks.Endpoint
		events  string
		created int64
	)
	if err := sc.Scan(&e.ID, &e.Publisher, &e.URL, &events, &created); err != nil {
		return webhooks.Endpoint{}, err
	}
	var err error
	if e.Events, err = sqldb.ParseStrings(events); err != nil {
		return webhooks.Endpoint{}, fmt.Errorf("events of webhook endpoint %s: %w", e.ID, err)
	}
	e.CreatedAt = storecodec.ParseTime(created)
	return e, nil
}
