// Package storetest is the behaviour suite every webhooks.Store must pass;
// the SQLite and MongoDB implementations both run it. Run is the entry
// point.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/webhooks"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) webhooks.Store) {
	storetesting.Run(t, newStore, []storetesting.Test[webhooks.Store]{
		{Name: "Endpoints", Run: testEndpoints},
		{Name: "DeleteEndpoint", Run: testDeleteEndpoint},
		{Name: "AddDeliveries", Run: testAddDeliveries},
		{Name: "UpdateDelivery", Run: testUpdateDelivery},
		{Name: "UpdateDeliveryNotFound", Run: testUpdateDeliveryNotFound},
		{Name: "Deliveries", Run: testDeliveries},
		{Name: "Delivery", Run: testDelivery},
	})
}

// endpoint returns an endpoint of publisher's with every field set.
func endpoint(id, publisher string, created time.Time) webhooks.Endpoint {
	return webhooks.Endpoint{ID: id, Publisher: publisher,
		URL:    "https://hooks.example.com/berth/" + id + "?token=x&a=%C3%BC",
		Events: []string{webhooks.EventPurchase, webhooks.EventPull}, CreatedAt: created}
}

// delivery returns a pending delivery to endpoint with every field set; its
// payload holds bytes that are not UTF-8, to show it is kept as bytes.
func delivery(id, endpoint string, created time.Time) webhooks.Delivery {
	return webhooks.Delivery{
		ID: id, Endpoint: endpoint, Publisher: "acme", Event: webhooks.EventPurchase,
		Payload: append([]byte(`{"id":"`+id+`","note":"ünïcode"}`), 0x00, 0xff),
		Status:  webhooks.DeliveryPending, Attempts: 2, NextAttemptAt: storetesting.T2,
		LastStatus: 503, LastError: "endpoint answered 503 Service Unavailable",
		CreatedAt: created, UpdatedAt: storetesting.T1,
	}
}

// mustAddEndpoints stores es and fails the test on error.
func mustAddEndpoints(t *testing.T, s webhooks.Store, es ...webhooks.Endpoint) {
	t.Helper()
	for _, e := range es {
		if err := s.AddEndpoint(context.Background(), e); err != nil {
			t.Fatalf("AddEndpoint(%s): %v", e.ID, err)
		}
	}
}

// mustAddDeliveries stores ds in one call and fails the test on error.
func mustAddDeliveries(t *testing.T, s webhooks.Store, ds ...webhooks.Delivery) {
	t.Helper()
	if err := s.AddDeliveries(context.Background(), ds); err != nil {
		t.Fatalf("AddDeliveries: %v", err)
	}
}

// mustDeliveries lists up to 100 of endpoint's deliveries and fails the
// test on error.
func mustDeliveries(t *testing.T, s webhooks.Store, endpoint string) []webhooks.Delivery {
	t.Helper()
	got, err := s.Deliveries(context.Background(), endpoint, 100)
	if err != nil {
		t.Fatalf("Deliveries(%s): %v", endpoint, err)
	}
	return got
}
