package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/webhooks"
)

// deliveryColumns lists the webhook_deliveries columns in scanDelivery's
// order.
const deliveryColumns = `id, endpoint, publisher, event, payload, status, attempts,
	next_attempt_at, last_status, last_error, created_at, updated_at`

// The delivery statements; each listing reads through its index in order.
const (
	insertDelivery = `INSERT INTO webhook_deliveries (` + deliveryColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	selectDeliveries = `SELECT ` + deliveryColumns + ` FROM webhook_deliveries
		WHERE endpoint = ? ORDER BY created_at DESC, id DESC LIMIT ?`
	selectDelivery = `SELECT ` + deliveryColumns + ` FROM webhook_deliveries WHERE id = ?`
)

// AddDeliveries stores ds in one transaction; a delivery whose ID exists is
// skipped.
func (s *Store) AddDeliveries(ctx context.Context, ds []webhooks.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		// One parse of the statement per batch.
		insert, err := tx.PrepareContext(ctx, insertDelivery)
		if err != nil {
			return err
		}
		defer insert.Close()
		for _, d := range ds {
			_, err := insert.ExecContext(ctx, d.ID, d.Endpoint, d.Publisher, d.Event, nonNil(d.Payload),
				string(d.Status), d.Attempts, storecodec.Time(d.NextAttemptAt), d.LastStatus, d.LastError,
				storecodec.Time(d.CreatedAt), storecodec.Time(d.UpdatedAt))
			if err != nil {
				return fmt.Errorf("delivery %s: %w", d.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("adding %d webhook deliveries: %w", len(ds), err)
	}
	return nil
}

// UpdateDelivery replaces every field of the stored delivery but ID and
// CreatedAt with d's in one statement, or returns webhooks.ErrNotFound.
func (s *Store) UpdateDelivery(ctx context.Context, d webhooks.Delivery) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE webhook_deliveries SET endpoint = ?, publisher = ?,
		event = ?, payload = ?, status = ?, attempts = ?, next_attempt_at = ?, last_status = ?,
		last_error = ?, updated_at = ?
		WHERE id = ?`,
		d.Endpoint, d.Publisher, d.Event, nonNil(d.Payload), string(d.Status), d.Attempts,
		storecodec.Time(d.NextAttemptAt), d.LastStatus, d.LastError, storecodec.Time(d.UpdatedAt), d.ID)
	if err := sqldb.ChangedOne(res, err, webhooks.ErrNotFound); err != nil {
		return fmt.Errorf("updating webhook delivery %s: %w", d.ID, err)
	}
	return nil
}

// Deliveries returns an endpoint's deliveries, newest first (ties by ID,
// descending), at most limit; a limit below 1 returns none.
func (s *Store) Deliveries(ctx context.Context, endpoint string, limit int) ([]webhooks.Delivery, error) {
	if limit < 1 {
		return nil, nil
	}
	out, err := sqldb.QueryAll(ctx, s.db, scanDelivery, selectDeliveries, endpoint, limit)
	if err != nil {
		return nil, fmt.Errorf("listing webhook deliveries of %s: %w", endpoint, err)
	}
	return out, nil
}

// Delivery returns the delivery with id, or webhooks.ErrNotFound.
func (s *Store) Delivery(ctx context.Context, id string) (webhooks.Delivery, error) {
	return sqldb.QueryOne(ctx, s.db, fmt.Sprintf("webhook delivery %q", id), webhooks.ErrNotFound, scanDelivery, selectDelivery, id)
}

// scanDelivery reads one row of deliveryColumns; an empty payload reads
// back as nil.
func scanDelivery(sc sqldb.Scanner) (webhooks.Delivery, error) {
	var (
		d                      webhooks.Delivery
		next, created, updated int64
	)
	err := sc.Scan(&d.ID, &d.Endpoint, &d.Publisher, &d.Event, &d.Payload, &d.Status, &d.Attempts,
		&next, &d.LastStatus, &d.LastError, &created, &updated)
	if err != nil {
		return webhooks.Delivery{}, err
	}
	if len(d.Payload) == 0 {
		d.Payload = nil
	}
	d.NextAttemptAt = storecodec.ParseTime(next)
	d.CreatedAt, d.UpdatedAt = storecodec.ParseTime(created), storecodec.ParseTime(updated)
	return d, nil
}

// nonNil returns b, or an empty slice for nil: the driver would bind nil as
// NULL, which the NOT NULL payload column refuses.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
