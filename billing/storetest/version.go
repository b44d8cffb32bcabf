package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/storetesting"
)

func testVersions(t *testing.T, s billing.Store) {
	ctx := context.Background()
	o := order("o1", "u1", storetesting.T0)
	o.Version = 7 // CreateOrder stores 0 whatever it is given
	mustCreate(t, s, o)
	want := o
	want.Version = 0
	for step := int64(0); step < 3; step++ {
		got := mustOrder(t, s, "o1")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("after %d updates (-want +got):\n%s", step, diff)
		}
		checkLookups(t, s, want, want)
		got.Quantity++
		if err := s.UpdateOrder(ctx, got); err != nil {
			t.Fatalf("update %d at version %d: %v", step+1, got.Version, err)
		}
		want.Quantity, want.Version = got.Quantity, got.Version+1
	}
	if got := mustOrder(t, s, "o1"); got.Version != 3 || got.Quantity != o.Quantity+3 {
		t.Errorf("after three updates: version %d, quantity %d; want 3, %d", got.Version, got.Quantity, o.Quantity+3)
	}
	list, err := s.OrdersByBuyer(ctx, "u1")
	if err != nil || len(list) != 1 || list[0].Version != 3 {
		t.Errorf("OrdersByBuyer = %+v, %v; want the order at version 3", list, err)
	}
}

// testUpdateStale has two writers read one order at one version: the
// first's update lands, the second's is refused with ErrStale and changes
// nothing, and so is an update naming a version the order never had.
func testUpdateStale(t *testing.T, s billing.Store) {
	ctx := context.Background()
	mustCreate(t, s, order("o1", "u1", storetesting.T0))
	first, second := mustOrder(t, s, "o1"), mustOrder(t, s, "o1")
	first.Status, first.InvoiceID = billing.OrderRefunded, "in_first"
	if err := s.UpdateOrder(ctx, first); err != nil {
		t.Fatalf("the first update: %v", err)
	}
	want := first
	want.Version = 1
	second.Quantity, second.SessionID, second.SubscriptionID = 99, "cs_second", ""
	ahead := want
	ahead.Version, ahead.Amount = 5, 1
	for _, tc := range []struct {
		name string
		o    billing.Order
	}{
		{"read before the first update", second},
		{"a version the order never had", ahead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.UpdateOrder(ctx, tc.o)
			if !errors.Is(err, billing.ErrStale) || errors.Is(err, billing.ErrNotFound) {
				t.Fatalf("UpdateOrder at version %d: err = %v, want ErrStale", tc.o.Version, err)
			}
			if diff := cmp.Diff(want, mustOrder(t, s, "o1")); diff != "" {
				t.Errorf("the order after a refused update (-want +got):\n%s", diff)
			}
			checkLookups(t, s, want, want)
			if _, err := s.OrderBySession(ctx, "cs_second"); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("the refused update's session finds an order (err = %v)", err)
			}
		})
	}
	// Read again, the second writer's change lands on top of the first's.
	again := mustOrder(t, s, "o1")
	again.Quantity = 99
	if err := s.UpdateOrder(ctx, again); err != nil {
		t.Fatalf("the second update, read again: %v", err)
	}
	want.Quantity, want.Version = 99, 2
	if diff := cmp.Diff(want, mustOrder(t, s, "o1")); diff != "" {
		t.Errorf("after both updates (-want +got):\n%s", diff)
	}
}

// fieldChanges each set a different field of an order: applied at once
// by as many writers, every one must be in the final order.
var fieldChanges = []func(*billing.Order){
	func(o *billing.Order) { o.OwnerName = "Acme Ops" },
	func(o *billing.Order) { o.ProductName = "Acme DB" },
	func(o *billing.Order) { o.TierName = "Pro" },
	func(o *billing.Order) { o.Publisher = "acme" },
	func(o *billing.Order) { o.Interval = "year" },
	func(o *billing.Order) { o.Quantity = 9 },
	func(o *billing.Order) { o.Amount = 12345 },
	func(o *billing.Order) { o.Currency = "chf" },
	func(o *billing.Order) { o.Status = billing.OrderPaid },
	func(o *billing.Order) { o.CustomerID = "cus_1" },
	func(o *billing.Order) { o.SubscriptionID = "sub_" + o.ID },
	func(o *billing.Order) { o.PaymentIntent = "pi_" + o.ID },
	func(o *billing.Order) { o.InvoiceID = "in_1" },
	func(o *billing.Order) { o.ReceiptURL = "https://pay.stripe.com/receipts/1" },
	func(o *billing.Order) { o.PeriodEnd = storetesting.T2 },
	func(o *billing.Order) { o.EventAt = storetesting.T1 },
}

// testUpdateConcurrently has one goroutine per field change apply it to
// one order at once, each reading, changing and updating until its
// compare-and-swap is not stale, as the billing service does: every change
// must land, each as one version. All first read the order before any
// updates it, so that every first update but one is certainly stale.
func testUpdateConcurrently(t *testing.T, s billing.Store) {
	ctx := context.Background()
	stale := 0
	for round := range 4 {
		id := fmt.Sprintf("o%d", round)
		start := billing.Order{ID: id, Buyer: "u1", Status: billing.OrderPending, CreatedAt: storetesting.T0}
		mustCreate(t, s, start)
		var (
			wg, read sync.WaitGroup
			mu       sync.Mutex
			errs     []error
		)
		read.Add(len(fieldChanges))
		for _, change := range fieldChanges {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := readChangeUpdate(ctx, s, id, change, &read)
				mu.Lock()
				defer mu.Unlock()
				stale += n
				if err != nil {
					errs = append(errs, err)
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
		want := start
		for _, change := range fieldChanges {
			change(&want)
		}
		want.Version = int64(len(fieldChanges))
		if diff := cmp.Diff(want, mustOrder(t, s, id)); diff != "" {
			t.Errorf("round %d: the order after %d concurrent changes (-want +got):\n%s", round, len(fieldChanges), diff)
		}
	}
	t.Logf("%d updates refused as stale and re-applied", stale)
}

// readChangeUpdate applies change to order id until its update is not
// stale, and returns how many were. After its first read it marks read done
// and waits for the other writers' first reads.
func readChangeUpdate(ctx context.Context, s billing.Store, id string, change func(*billing.Order), read *sync.WaitGroup) (int, error) {
	for stale := 0; stale < 10000; stale++ {
		o, err := s.Order(ctx, id)
		if stale == 0 {
			read.Done()
			read.Wait()
		}
		if err != nil {
			return stale, err
		}
		change(&o)
		err = s.UpdateOrder(ctx, o)
		if !errors.Is(err, billing.ErrStale) {
			return stale, err
		}
	}
	return 10000, fmt.Errorf("order %s: 10000 updates in a row refused as stale", id)
}

// CheckOrderStoredBeforeVersions checks order o1 of s, written as a store
// wrote orders before they carried a version (session cs_1, amount 500,
// pending): it reads at version 0, takes one compare-and-swap update from
// there, and refuses a second at the same version.
func CheckOrderStoredBeforeVersions(t *testing.T, s billing.Store) {
	t.Helper()
	ctx := context.Background()
	o, err := s.Order(ctx, "o1")
	if err != nil || o.Version != 0 || o.SessionID != "cs_1" || o.Amount != 500 {
		t.Fatalf("the old order: %+v, %v; want it at version 0", o, err)
	}
	o.Status = billing.OrderPaid
	if err := s.UpdateOrder(ctx, o); err != nil {
		t.Fatalf("updating the old order at version 0: %v", err)
	}
	if err := s.UpdateOrder(ctx, o); !errors.Is(err, billing.ErrStale) {
		t.Errorf("updating it at version 0 again: %v, want ErrStale", err)
	}
	if got, err := s.Order(ctx, "o1"); err != nil || got.Version != 1 || got.Status != billing.OrderPaid {
		t.Errorf("the old order after one update: %+v, %v; want paid at version 1", got, err)
	}
}
