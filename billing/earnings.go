package billing

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"
)

// MonthTotal is a publisher's earnings in one calendar month (UTC) and
// currency.
type MonthTotal struct {
	Month    string // "2026-11"
	Currency string
	Sales    int // payments, not refunds
	Refunds  int
	Gross    int64
	Fee      int64
	Net      int64
}

// Earnings returns a publisher's monthly totals, newest month first, over
// the sales in [from, to).
func (s *Service) Earnings(ctx context.Context, publisher string, from, to time.Time) ([]MonthTotal, error) {
	sales, err := s.store.Sales(ctx, publisher, from, to)
	if err != nil {
		return nil, err
	}
	var out []MonthTotal
	index := map[[2]string]int{}
	for _, sale := range sales {
		k := [2]string{sale.At.UTC().Format("2006-01"), sale.Currency}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, MonthTotal{Month: k[0], Currency: k[1]})
		}
		t := &out[i]
		if sale.Gross < 0 {
			t.Refunds++
		} else {
			t.Sales++
		}
		t.Gross += sale.Gross
		t.Fee += sale.Fee
		t.Net += sale.Net
	}
	// Sales come oldest first: newest month first for people.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// WritePayoutCSV writes a publisher's sales in [from, to) as a payout
// report: one row a payment or refund, amounts in the currency's smallest
// unit and as decimals.
func (s *Service) WritePayoutCSV(ctx context.Context, w io.Writer, publisher string, from, to time.Time) error {
	sales, err := s.store.Sales(ctx, publisher, from, to)
	if err != nil {
		return err
	}
	// Within one instant, the sale before its refund.
	sort.SliceStable(sales, func(i, j int) bool {
		if !sales[i].At.Equal(sales[j].At) {
			return sales[i].At.Before(sales[j].At)
		}
		return sales[i].Gross > sales[j].Gross
	})
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"date", "kind", "order", "product", "tier", "currency", "gross", "platform_fee", "net", "gross_decimal", "net_decimal"})
	for _, sale := range sales {
		kind := "sale"
		if sale.Gross < 0 {
			kind = "refund"
		}
		_ = cw.Write([]string{sale.At.UTC().Format(time.RFC3339), kind, sale.OrderID, sale.Product, sale.Tier, sale.Currency,
			strconv.FormatInt(sale.Gross, 10), strconv.FormatInt(sale.Fee, 10), strconv.FormatInt(sale.Net, 10),
			decimal(sale.Gross), decimal(sale.Net)})
	}
	cw.Flush()
	return cw.Error()
}

// decimal renders cents as a decimal amount.
func decimal(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// SalesOf returns a publisher's sales and refunds in [from, to), oldest
// first.
func (s *Service) SalesOf(ctx context.Context, publisher string, from, to time.Time) ([]Sale, error) {
	return s.store.Sales(ctx, publisher, from, to)
}
