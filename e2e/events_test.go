package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/jobs"
)

// TestRegistryEventsAreStoredThenApplied posts notifications to Berth as
// the registry does and checks that each is stored as a job before the
// answer (202), that a delivery repeated (a retry whose answer was lost)
// is one job, and that the job records what the event says: a push names
// the tag, while the registry reads the manifest by the event's digest, for
// the registry notifies before it links the tag.
func TestRegistryEventsAreStoredThenApplied(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo, cfg.NotifySecret = false, secret.Token("")
	in := start(t, cfg)
	ctx := context.Background()
	b := in.srv.Backend
	alice, err := b.Accounts.Register(ctx, account.SignUp{Username: "alice", Email: "alice@example.com", Password: "alice-password"})
	must(t, err)
	_, pat, err := b.Accounts.CreateToken(ctx, alice.ID, account.NewToken{Name: "push", Access: account.TokenReadWrite})
	must(t, err)

	// A manifest pushed by digest alone: no tag names it in the registry.
	img, err := random.Image(256, 1)
	must(t, err)
	digest, err := img.Digest()
	must(t, err)
	mt, err := img.MediaType()
	must(t, err)
	byDigest, err := name.NewDigest(in.Registry+"/alice/app@"+digest.String(), name.Insecure)
	must(t, err)
	must(t, remote.Write(byDigest, img, remote.WithAuth(&authn.Basic{Username: "alice", Password: pat})))

	push := event("push-1", "push", string(mt), "alice/app", "from-event", digest.String())
	for i := range 2 {
		if status := postEvents(t, in, cfg.NotifySecret, push); status != http.StatusAccepted {
			t.Fatalf("delivery %d of a push event: %d; want 202", i+1, status)
		}
		if _, err := b.Stores.Jobs.Job(ctx, "push-1"); err != nil {
			t.Fatalf("after delivery %d was answered the event is not stored: %v", i+1, err)
		}
	}
	tag := waitTag(t, b.Stores.Tags, "alice/app", "from-event")
	if tag.Digest != digest.String() || len(tag.Platforms) != 1 || len(tag.Platforms[0].Layers) != 1 {
		t.Errorf("the catalog recorded %+v; want from-event at %s with its layer", tag, digest)
	}
	j := waitJob(t, b.Stores.Jobs, "push-1")
	if j.Status != jobs.Done || j.Attempts != 1 {
		t.Errorf("the push event's job after two deliveries: %+v; want done after one attempt", j)
	}

	// A push notification of a manifest deleted since, and a delete of a
	// tag: neither is an error; the tag leaves the catalog.
	gone := event("push-2", "push", string(mt), "alice/app", "gone", "sha256:"+secret.Hash("never pushed"))
	deleted := event("delete-1", "delete", "", "alice/app", "from-event", "")
	if status := postEvents(t, in, cfg.NotifySecret, gone, deleted); status != http.StatusAccepted {
		t.Fatalf("posting a stale push and a tag delete: %d; want 202", status)
	}
	for _, id := range []string{"push-2", "delete-1"} {
		if j := waitJob(t, b.Stores.Jobs, id); j.Status != jobs.Done {
			t.Errorf("job %s: %+v; want done", id, j)
		}
	}
	if _, err := b.Stores.Tags.Tag(ctx, "alice/app", "from-event"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("the deleted tag is still in the catalog: %v", err)
	}
	if _, err := b.Stores.Tags.Tag(ctx, "alice/app", "gone"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("a tag whose manifest is gone was recorded: %v", err)
	}

	if status := postEvents(t, in, "wrong-secret", push); status != http.StatusUnauthorized {
		t.Errorf("events with the wrong secret: %d; want 401", status)
	}
}

// event builds one registry notification.
func event(id, action, mediaType, repo, tag, digest string) map[string]any {
	return map[string]any{"id": id, "timestamp": time.Now().UTC(), "action": action, "actor": map[string]string{"name": "alice"},
		"target": map[string]any{"mediaType": mediaType, "repository": repo, "tag": tag, "digest": digest}}
}

// postEvents delivers events as the registry does and returns the status.
func postEvents(t *testing.T, in *instance, notifySecret string, events ...map[string]any) int {
	t.Helper()
	body, err := json.Marshal(map[string]any{"events": events})
	must(t, err)
	req, err := http.NewRequest("POST", in.URL+"/internal/registry/events", bytes.NewReader(body))
	must(t, err)
	req.Header.Set("Content-Type", "application/vnd.docker.distribution.events.v2+json")
	req.Header.Set("Authorization", "Bearer "+notifySecret)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// waitTag waits for the catalog to record repo:tag.
func waitTag(t *testing.T, tags catalog.TagStore, repo, tag string) catalog.Tag {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got, err := tags.Tag(context.Background(), repo, tag)
		if err == nil {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s:%s is not in the catalog 15s after its event: %v", repo, tag, err)
		}
	}
}

// waitJob waits for a job to finish and returns it.
func waitJob(t *testing.T, store jobs.Store, id string) jobs.Job {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		j, err := store.Job(context.Background(), id)
		if err == nil && j.Status != jobs.Pending {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s not finished 15s after its event: %+v, %v", id, j, err)
		}
	}
}
