package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
)

// TestBuildTokenReach: the credential a build runs with pulls what its
// owner may pull and pushes to its one repository, and nothing more: no
// push elsewhere in the owner's namespace, no delete, no pull of another
// user's private image, nothing on the API. An organisation's build
// pulls only in the organisation and what is public.
func TestBuildTokenReach(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	ctx := context.Background()
	b := in.srv.Backend
	alice, err := b.Accounts.Register(ctx, account.SignUp{Username: "alice", Email: "alice@example.com", Password: "alice-password"})
	must(t, err)
	_, err = b.Accounts.Register(ctx, account.SignUp{Username: "bob", Email: "bob@example.com", Password: "bob-password"})
	must(t, err)
	_, err = b.Accounts.CreateOrg(ctx, alice, "aco", "Alice Co")
	must(t, err)
	img, _ := random.Image(256, 1)
	push := func(user, pass, repo string, private bool) {
		_, err := b.Repositories.Create(ctx, catalog.NewRepository{Namespace: repo[:indexSlash(repo)], Name: repo[indexSlash(repo)+1:], Private: private})
		must(t, err)
		must(t, remote.Write(ref(t, in.Registry, repo, "1"), img, remote.WithAuth(&authn.Basic{Username: user, Password: pass})))
	}
	push("alice", "alice-password", "alice/base", true)
	push("alice", "alice-password", "alice/app", true)
	push("bob", "bob-password", "bob/secret", true)
	push("bob", "bob-password", "bob/public", false)
	push("alice", "alice-password", "aco/app", true)
	push("alice", "alice-password", "aco/base", true)

	token := func(repo string, limits ...string) remote.Option {
		_, secret, err := b.Accounts.CreateBuildToken(ctx, alice.ID, repo, limits, time.Now().Add(time.Hour))
		must(t, err)
		if status := in.call("GET", "/api/v1/repositories/alice/app", "alice", secret, nil, nil); status != http.StatusUnauthorized {
			t.Errorf("a build token on the API answered %d, want 401", status)
		}
		return remote.WithAuth(&authn.Basic{Username: "alice", Password: secret})
	}
	user := token("alice/app")
	for _, repo := range []string{"alice/base", "bob/public", "aco/base"} {
		if _, err := remote.Image(ref(t, in.Registry, repo, "1"), user); err != nil {
			t.Errorf("a user's build token pulling %s: %v", repo, err)
		}
	}
	if _, err := remote.Image(ref(t, in.Registry, "bob/secret", "1"), user); !isDenied(err) {
		t.Errorf("a build token pulling another user's private image: %v; want denied", err)
	}
	if err := remote.Write(ref(t, in.Registry, "alice/app", "2"), img, user); err != nil {
		t.Errorf("a build token pushing to its repository: %v", err)
	}
	if err := remote.Write(ref(t, in.Registry, "alice/base", "2"), img, user); !isDenied(err) {
		t.Errorf("a build token pushing to another of the owner's repositories: %v; want denied", err)
	}
	if err := remote.Delete(ref(t, in.Registry, "alice/app", "1"), user); !isDenied(err) {
		t.Errorf("a build token deleting: %v; want denied", err)
	}
	org := token("aco/app", "aco")
	if _, err := remote.Image(ref(t, in.Registry, "aco/base", "1"), org); err != nil {
		t.Errorf("an organisation's build token pulling in the organisation: %v", err)
	}
	if _, err := remote.Image(ref(t, in.Registry, "bob/public", "1"), org); err != nil {
		t.Errorf("an organisation's build token pulling a public image: %v", err)
	}
	if _, err := remote.Image(ref(t, in.Registry, "alice/base", "1"), org); !isDenied(err) {
		t.Errorf("an organisation's build token pulling its owner's private image: %v; want denied", err)
	}
	if err := remote.Write(ref(t, in.Registry, "aco/app", "2"), img, org); err != nil {
		t.Errorf("an organisation's build token pushing to its repository: %v", err)
	}
}

func indexSlash(s string) int {
	for i := range len(s) {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}
