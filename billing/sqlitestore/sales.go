package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// saleColumns lists the sales columns in scanSale's order.
const saleColumns = `id, publisher, order_id, product, tier, gross, fee, net, currency, at`

// selectSales lists a publisher's sales in a time range, oldest first.
const selectSales = `SELECT ` + saleColumns + ` FROM sales
	WHERE publisher = ? AND at >= ? AND at < ? ORDER BY at, id`

// AddSale records sale; a sale whose ID exists is skipped.
func (s *Store) AddSale(ctx context.Context, sale billing.Sale) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO sales (`+saleColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		sale.ID, sale.Publisher, sale.OrderID, sale.Product, sale.Tier,
		sale.Gross, sale.Fee, sale.Net, sale.Currency, storecodec.Time(sale.At))
	if err != nil {
		return fmt.Errorf("adding sale %s: %w", sale.ID, err)
	}
	return nil
}

// Sales returns a publisher's sales with from <= At < to, oldest first
// (ties by ID).
func (s *Store) Sales(ctx context.Context, publisher string, from, to time.Time) ([]billing.Sale, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanSale, selectSales, publisher, storecodec.Time(from), storecodec.Time(to))
	if err != nil {
		return nil, fmt.Errorf("listing sales of %s: %w", publisher, err)
	}
	return out, nil
}

// scanSale reads one row of saleColumns.
func scanSale(sc sqldb.Scanner) (billing.Sale, error) {
	var (
		sale billing.Sale
		at   int64
	)
	err := sc.Scan(&sale.ID, &sale.Publisher, &sale.OrderID, &sale.Product, &sale.Tier,
		&sale.Gross, &sale.Fee, &sale.Net, &sale.Currency, &at)
	if err != nil {
		return billing.Sale{}, err
	}
	sale.At = storecodec.ParseTime(at)
	return sale, nil
}
