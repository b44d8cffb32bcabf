package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/webhooks"
)

func testEndpoints(t *testing.T, s webhooks.Store) {
	ctx := context.Background()
	late := endpoint("e3", "acme", storetesting.T2)
	late.Events = nil
	all := endpoint("e1b", "acme", storetesting.T1) // tie with e1: ordered by ID
	all.Events = webhooks.Events
	eps := map[string]webhooks.Endpoint{}
	for _, e := range []webhooks.Endpoint{
		late,
		endpoint("e1", "acme", storetesting.T1),
		all,
		endpoint("n1", "north", storetesting.T0),
		endpoint("e0", "acme", storetesting.T0),
	} {
		eps[e.ID] = e
		mustAddEndpoints(t, s, e)
	}
	for _, tc := range []struct {
		publisher string
		want      []string
	}{
		{"acme", []string{"e0", "e1", "e1b", "e3"}},
		{"north", []string{"n1"}},
		{"south", nil},
	} {
		t.Run(tc.publisher, func(t *testing.T) {
			got, err := s.Endpoints(ctx, tc.publisher)
			if err != nil {
				t.Fatalf("Endpoints: %v", err)
			}
			var want []webhooks.Endpoint
			for _, id := range tc.want {
				want = append(want, eps[id])
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Endpoints mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testDeleteEndpoint(t *testing.T, s webhooks.Store) {
	ctx := context.Background()
	e1, e2 := endpoint("e1", "acme", storetesting.T0), endpoint("e2", "acme", storetesting.T1)
	n1 := endpoint("n1", "north", storetesting.T0)
	mustAddEndpoints(t, s, e1, e2, n1)
	for _, tc := range []struct {
		name          string
		publisher, id string
		want          error
	}{
		{"another publisher's", "acme", "n1", webhooks.ErrNotFound},
		{"unknown", "acme", "e9", webhooks.ErrNotFound},
		{"own", "acme", "e1", nil},
		{"own again", "acme", "e1", webhooks.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.DeleteEndpoint(ctx, tc.publisher, tc.id); !errors.Is(err, tc.want) {
				t.Errorf("DeleteEndpoint(%s, %s): err = %v, want %v", tc.publisher, tc.id, err, tc.want)
			}
		})
	}
	for publisher, want := range map[string][]webhooks.Endpoint{"acme": {e2}, "north": {n1}} {
		got, err := s.Endpoints(ctx, publisher)
		if err != nil {
			t.Fatalf("Endpoints(%s): %v", publisher, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Endpoints(%s) after the deletes (-want +got):\n%s", publisher, diff)
		}
	}
}
