package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/storetesting"
)

// sale returns a sale of publisher's with every field set.
func sale(id, publisher string, at time.Time) billing.Sale {
	return billing.Sale{ID: id, Publisher: publisher, OrderID: "order-" + id, Product: "acme-db",
		Tier: "pro", Gross: 4999, Fee: 750, Net: 4249, Currency: "eur", At: at}
}

func testAddSale(t *testing.T, s billing.Store) {
	ctx := context.Background()
	first := sale("in_1", "acme", storetesting.T1)
	refund := sale("re_1", "acme", storetesting.T1.Add(time.Second))
	refund.Gross, refund.Fee, refund.Net = -4999, -750, -4249
	again := sale("in_1", "acme", storetesting.T1)
	again.Gross, again.Net = 1, 1
	for _, sl := range []billing.Sale{first, refund, again, refund} {
		if err := s.AddSale(ctx, sl); err != nil {
			t.Fatalf("AddSale(%s): %v", sl.ID, err)
		}
	}
	got, err := s.Sales(ctx, "acme", storetesting.T0, storetesting.T2)
	if err != nil {
		t.Fatalf("Sales: %v", err)
	}
	if diff := cmp.Diff([]billing.Sale{first, refund}, got); diff != "" {
		t.Errorf("Sales after repeated AddSale (-want +got):\n%s", diff)
	}
}

func testSales(t *testing.T, s billing.Store) {
	ctx := context.Background()
	t1 := storetesting.T1
	sales := map[string]billing.Sale{}
	for _, sl := range []billing.Sale{
		sale("s0", "acme", storetesting.T0),
		sale("s1", "acme", t1),
		sale("s1b", "acme", t1), // tie with s1: ordered by ID
		sale("s2", "acme", t1.Add(time.Nanosecond)),
		sale("s3", "acme", storetesting.T2),
		sale("n1", "north", t1),
	} {
		sales[sl.ID] = sl
		if err := s.AddSale(ctx, sl); err != nil {
			t.Fatalf("AddSale(%s): %v", sl.ID, err)
		}
	}
	for _, tc := range []struct {
		name      string
		publisher string
		from, to  time.Time
		want      []string
	}{
		{"from inclusive, to exclusive", "acme", storetesting.T0, storetesting.T2, []string{"s0", "s1", "s1b", "s2"}},
		{"to just past the last", "acme", storetesting.T0, storetesting.T2.Add(time.Nanosecond), []string{"s0", "s1", "s1b", "s2", "s3"}},
		{"from just past", "acme", storetesting.T0.Add(time.Nanosecond), t1.Add(time.Nanosecond), []string{"s1", "s1b"}},
		{"one instant", "acme", t1, t1.Add(time.Nanosecond), []string{"s1", "s1b"}},
		{"empty range", "acme", t1, t1, nil},
		{"other publisher", "north", storetesting.T0, storetesting.T2, []string{"n1"}},
		{"unknown publisher", "south", storetesting.T0, storetesting.T2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Sales(ctx, tc.publisher, tc.from, tc.to)
			if err != nil {
				t.Fatalf("Sales: %v", err)
			}
			var want []billing.Sale
			for _, id := range tc.want {
				want = append(want, sales[id])
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Sales mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
