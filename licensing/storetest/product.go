package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

// testByProduct lists licenses of two products: newest first (ties by ID,
// descending), only the product's, at most the limit; an unknown product
// and a limit below 1 list none.
func testByProduct(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	for _, l := range []licensing.License{
		productLicense("a", "acme-db", storetesting.T1),
		productLicense("b", "acme-cache", storetesting.T2),
		productLicense("c", "acme-db", storetesting.T2),
		productLicense("d", "acme-db", storetesting.T0),
		productLicense("e", "acme-db", storetesting.T1.Add(time.Nanosecond)),
		productLicense("f", "acme-db", storetesting.T1),
		productLicense("g", "acme-cache", storetesting.T0),
	} {
		mustCreate(t, s, l)
	}
	for _, tc := range []struct {
		product string
		limit   int
		want    []string
	}{
		{"acme-db", 10, []string{"c", "e", "f", "a", "d"}},
		{"acme-db", 5, []string{"c", "e", "f", "a", "d"}},
		{"acme-db", 3, []string{"c", "e", "f"}},
		{"acme-db", 1, []string{"c"}},
		{"acme-db", 0, nil},
		{"acme-db", -1, nil},
		{"acme-cache", 10, []string{"b", "g"}},
		{"acme-web", 10, nil},
	} {
		t.Run(fmt.Sprintf("%s limit %d", tc.product, tc.limit), func(t *testing.T) {
			got, err := s.LicensesByProduct(ctx, tc.product, tc.limit)
			if err != nil {
				t.Fatalf("LicensesByProduct: %v", err)
			}
			var ids []string
			for _, l := range got {
				ids = append(ids, l.ID)
				if diff := cmp.Diff(mustLicense(t, s, l.ID), l, equate); diff != "" {
					t.Errorf("listed %s differs from LicenseByID (-want +got):\n%s", l.ID, diff)
				}
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("IDs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// productLicense returns license(id, "u1", created) for product.
func productLicense(id, product string, created time.Time) licensing.License {
	l := license(id, "u1", created)
	l.Product = product
	return l
}
