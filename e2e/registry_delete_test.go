package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
)

// registryOwner is a Berth without the demo, with alice and a read-write
// access token of hers.
type registryOwner struct {
	in   *instance
	user account.User
	pat  string
}

func newRegistryOwner(t *testing.T) registryOwner {
	t.Helper()
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	ctx := context.Background()
	alice, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "alice", Email: "alice@example.com", Password: "alice-password"})
	must(t, err)
	_, pat, err := in.srv.Backend.Accounts.CreateToken(ctx, alice.ID, account.NewToken{Name: "rw", Access: account.TokenReadWrite})
	must(t, err)
	return registryOwner{in: in, user: alice, pat: pat}
}

func (o registryOwner) auth() remote.Option {
	return remote.WithAuth(&authn.Basic{Username: o.user.Username, Password: o.pat})
}

// bearerDo sends a registry request with a bearer token and returns the
// response, its body drained and closed.
func bearerDo(t *testing.T, method, url, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	return resp
}

// TestRegistryMalformedDigest: a digest that is not one answers 400, as
// distribution v3.1.2 does (v3.1.0 answered 500), for manifests and blobs.
func TestRegistryMalformedDigest(t *testing.T) {
	o := newRegistryOwner(t)
	img, err := random.Image(256, 1)
	must(t, err)
	must(t, remote.Write(ref(t, o.in.Registry, "alice/app", "1"), img, o.auth()))
	token := issueRaw(t, o.in, "alice", o.pat, "repository:alice/app:pull")
	for _, path := range []string{"/manifests/sha256:not-hex", "/blobs/sha256:not-hex", "/manifests/sha256:abc", "/blobs/md5:0123"} {
		if resp := bearerDo(t, "GET", "http://"+o.in.Registry+"/v2/alice/app"+path, token); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", path, resp.StatusCode)
		}
	}
}
