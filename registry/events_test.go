package registry_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/jobs"
	"github.com/berth/berth/jobs/sqlitestore"
	"github.com/berth/berth/registry"
)

func event(action, mediaType, actor string) registry.Event {
	var e registry.Event
	e.ID, e.Action, e.Target.MediaType, e.Target.Repository, e.Actor.Name = "e1", action, mediaType, "acme/db", actor
	e.Target.Digest, e.Target.Tag = "sha256:"+strings.Repeat("a", 64), "1.0"
	return e
}

func TestWanted(t *testing.T) {
	const image, index = "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"
	noID := event("push", image, "alice")
	noID.ID = ""
	tagDelete := event("delete", "", "alice")
	tagDelete.Target.Digest = ""
	for name, tc := range map[string]struct {
		e    registry.Event
		want bool
	}{
		"image push":          {event("push", image, "alice"), true},
		"index push":          {event("push", index, "alice"), true},
		"blob push":           {event("push", "application/octet-stream", "alice"), false},
		"image pull":          {event("pull", image, "alice"), true},
		"index pull":          {event("pull", index, "alice"), false},
		"Berth's own pull":    {event("pull", image, "berth:gate"), false},
		"manifest delete":     {event("delete", "", "alice"), true},
		"tag delete":          {tagDelete, true},
		"mount":               {event("mount", image, "alice"), false},
		"an event with no ID": {noID, false},
	} {
		if got := tc.e.Wanted("berth:"); got != tc.want {
			t.Errorf("%s: Wanted = %v, want %v", name, got, tc.want)
		}
	}
}

// TestIntakeBoundsRedelivery: an event Berth cannot store is refused, so
// that the registry retries it, MaxDeliveries-1 times; the last delivery
// is accepted without it, and what was lost is logged.
func TestIntakeBoundsRedelivery(t *testing.T) {
	db := sqldbtest.Open(t)
	store, err := sqlitestore.New(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	q := jobs.New(jobs.Config{}, store, slog.New(slog.NewTextHandler(&logged, nil)))
	in := registry.NewIntake(q, "berth:", slog.New(slog.NewTextHandler(&logged, nil)))
	ev := []registry.Event{event("push", "application/vnd.oci.image.manifest.v1+json", "alice")}
	if err := in.Accept(context.Background(), ev); err != nil {
		t.Fatalf("storing an event: %v", err)
	}
	if _, err := store.Job(context.Background(), "e1"); err != nil {
		t.Fatalf("the accepted event is not stored: %v", err)
	}
	db.Close() // the database is gone: nothing can be stored
	ev[0].ID = "e2"
	for i := 1; i < registry.MaxDeliveries; i++ {
		if err := in.Accept(context.Background(), ev); err == nil {
			t.Fatalf("delivery %d of an event that cannot be stored was accepted", i)
		}
	}
	if strings.Contains(logged.String(), "dropping") {
		t.Fatalf("dropped before the last delivery: %s", logged.String())
	}
	if err := in.Accept(context.Background(), ev); err != nil {
		t.Fatalf("delivery %d: %v; want it accepted and the event dropped", registry.MaxDeliveries, err)
	}
	if !strings.Contains(logged.String(), `level=ERROR msg="dropping a registry event Berth failed to store"`) ||
		!strings.Contains(logged.String(), "event=e2") {
		t.Errorf("the dropped event was not logged: %s", logged.String())
	}
}
