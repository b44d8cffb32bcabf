package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/webhooks"
)

func testAddDeliveries(t *testing.T, s webhooks.Store) {
	d1, d2 := delivery("d1", "e1", storetesting.T0), delivery("d2", "e1", storetesting.T1)
	zero := webhooks.Delivery{ID: "d0", Endpoint: "e1"}
	mustAddDeliveries(t, s, d1, d2, zero)
	mustAddDeliveries(t, s)
	again := delivery("d1", "e1", storetesting.T2)
	again.Status, again.Payload, again.Attempts = webhooks.DeliveryDelivered, []byte("{}"), 9
	d3 := delivery("d3", "e1", storetesting.T2)
	d3twice := d3
	d3twice.LastError = "the second in one batch"
	// Existing IDs, one of them twice in the batch, are skipped; the rest
	// of the batch is stored.
	mustAddDeliveries(t, s, again, d3, d2, d3twice)
	if diff := cmp.Diff([]webhooks.Delivery{d3, d2, d1, zero}, mustDeliveries(t, s, "e1")); diff != "" {
		t.Errorf("Deliveries after repeated AddDeliveries (-want +got):\n%s", diff)
	}
}

func testUpdateDelivery(t *testing.T, s webhooks.Store) {
	orig, other := delivery("d1", "e1", storetesting.T0), delivery("d2", "e1", storetesting.T1)
	mustAddDeliveries(t, s, orig, other)
	moved := webhooks.Delivery{
		ID: "d1", Endpoint: "e2", Publisher: "north", Event: webhooks.EventUploadRejected,
		Payload: []byte(`{"moved":true}`), Status: webhooks.DeliveryFailed, Attempts: 8,
		NextAttemptAt: storetesting.T1, LastStatus: 410, LastError: "gone",
		CreatedAt: storetesting.T2, UpdatedAt: storetesting.T2,
	}
	cleared := webhooks.Delivery{ID: "d1", Endpoint: "e2", CreatedAt: storetesting.T1}
	for _, tc := range []struct {
		name string
		in   webhooks.Delivery
	}{
		{"every field changed", moved},
		{"fields cleared", cleared},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.UpdateDelivery(context.Background(), tc.in); err != nil {
				t.Fatalf("UpdateDelivery: %v", err)
			}
			want := tc.in
			want.CreatedAt = orig.CreatedAt
			if diff := cmp.Diff([]webhooks.Delivery{want}, mustDeliveries(t, s, "e2")); diff != "" {
				t.Errorf("Deliveries after the update (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff([]webhooks.Delivery{other}, mustDeliveries(t, s, "e1")); diff != "" {
		t.Errorf("other delivery or the old endpoint's list (-want +got):\n%s", diff)
	}
}

func testUpdateDeliveryNotFound(t *testing.T, s webhooks.Store) {
	d1 := delivery("d1", "e1", storetesting.T0)
	mustAddDeliveries(t, s, d1)
	err := s.UpdateDelivery(context.Background(), delivery("d2", "e1", storetesting.T1))
	if !errors.Is(err, webhooks.ErrNotFound) {
		t.Errorf("UpdateDelivery of an unknown ID: err = %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff([]webhooks.Delivery{d1}, mustDeliveries(t, s, "e1")); diff != "" {
		t.Errorf("UpdateDelivery of an unknown ID changed the list (-want +got):\n%s", diff)
	}
}

func testDeliveries(t *testing.T, s webhooks.Store) {
	ctx := context.Background()
	ds := map[string]webhooks.Delivery{}
	var all []webhooks.Delivery
	for _, d := range []webhooks.Delivery{
		delivery("a", "e1", storetesting.T1),
		delivery("b", "e1", storetesting.T2),
		delivery("c", "e1", storetesting.T1), // tie with a: ordered by ID, descending
		delivery("d", "e1", storetesting.T0),
		delivery("e", "e1", storetesting.T1.Add(time.Nanosecond)),
		delivery("x", "e2", storetesting.T2),
	} {
		ds[d.ID] = d
		all = append(all, d)
	}
	mustAddDeliveries(t, s, all...)
	for _, tc := range []struct {
		name     string
		endpoint string
		limit    int
		want     []string
	}{
		{"all", "e1", 10, []string{"b", "e", "c", "a", "d"}},
		{"limit exactly", "e1", 5, []string{"b", "e", "c", "a", "d"}},
		{"limit", "e1", 3, []string{"b", "e", "c"}},
		{"limit one", "e1", 1, []string{"b"}},
		{"limit zero", "e1", 0, nil},
		{"negative limit", "e1", -1, nil},
		{"other endpoint", "e2", 10, []string{"x"}},
		{"unknown endpoint", "e3", 10, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Deliveries(ctx, tc.endpoint, tc.limit)
			if err != nil {
				t.Fatalf("Deliveries: %v", err)
			}
			var want []webhooks.Delivery
			for _, id := range tc.want {
				want = append(want, ds[id])
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Deliveries mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testDelivery(t *testing.T, s webhooks.Store) {
	ctx := context.Background()
	d1, d2 := delivery("d1", "e1", storetesting.T0), delivery("d2", "e2", storetesting.T1)
	mustAddDeliveries(t, s, d1, d2)
	for _, want := range []webhooks.Delivery{d1, d2} {
		got, err := s.Delivery(ctx, want.ID)
		if err != nil {
			t.Fatalf("Delivery(%s): %v", want.ID, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Delivery(%s) (-want +got):\n%s", want.ID, diff)
		}
	}
	updated := d1
	updated.Status, updated.Attempts, updated.LastStatus, updated.LastError = webhooks.DeliveryDelivered, 3, 200, ""
	if err := s.UpdateDelivery(ctx, updated); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Delivery(ctx, "d1"); err != nil || !cmp.Equal(updated, got) {
		t.Errorf("Delivery after an update = %+v, %v; want %+v", got, err, updated)
	}
	if _, err := s.Delivery(ctx, "nope"); !errors.Is(err, webhooks.ErrNotFound) {
		t.Errorf("Delivery of an unknown ID: err = %v, want ErrNotFound", err)
	}
}
