package e2e

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestNestedNamesRefusedAtPush: a nested name (ns/a/b) could be pushed but
// not viewed, listed or deleted. Berth refuses it at push with a clear
// error, and still takes <namespace>/<name> and a publisher's
// staging/<namespace>/<name>.
func TestNestedNamesRefusedAtPush(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	w := newTrustWorld(t, in, 0)
	img, err := random.Image(256, 1)
	must(t, err)
	owner := remote.WithAuth(&authn.Basic{Username: w.alice.Username, Password: "alice-password"})
	err = remote.Write(ref(t, in.Registry, w.alice.Username+"/app/nested", "v1"), img, owner)
	if err == nil || !strings.Contains(err.Error(), "NAME_INVALID") || !strings.Contains(err.Error(), "nested repository names") {
		t.Errorf("pushing %s/app/nested: %v; want NAME_INVALID saying nested names are not supported", w.alice.Username, err)
	}
	if err := remote.Write(ref(t, in.Registry, w.alice.Username+"/tools", "v1"), img, owner); err != nil {
		t.Errorf("pushing %s/tools: %v", w.alice.Username, err)
	}
	push := w.creds["push-token"]
	if err := remote.Write(ref(t, in.Registry, "staging/"+w.names["image-ns"]+"/app", "v1"), img,
		remote.WithAuth(&authn.Basic{Username: push.user, Password: push.pass})); err != nil {
		t.Errorf("pushing to the staging namespace: %v", err)
	}
}
