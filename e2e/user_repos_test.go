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

// TestUserRepositoriesAndTokens: a push to one's own namespace creates the
// repository with the account's default visibility (Docker Hub parity);
// personal access tokens are limited by access and resources; disabling a
// user stops its credentials at once.
func TestUserRepositoriesAndTokens(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	b := in.srv.Backend
	alice, err := b.Accounts.Register(ctx, account.SignUp{Username: "alice", Email: "alice@example.com", Password: "alice-password"})
	must(t, err)
	_, err = b.Accounts.Register(ctx, account.SignUp{Username: "bob", Email: "bob@example.com", Password: "bob-password"})
	must(t, err)
	token := func(access account.TokenAccess, within ...string) authn.Authenticator {
		_, secret, err := b.Accounts.CreateToken(ctx, alice.ID, account.NewToken{Name: string(access), Access: access, Resources: within})
		must(t, err)
		return &authn.Basic{Username: "alice", Password: secret}
	}
	rw := token(account.TokenReadWrite)
	img, _ := random.Image(512, 2)
	if err := remote.Write(ref(t, in.Registry, "alice/app", "1"), img, remote.WithAuth(rw)); err != nil {
		t.Fatalf("pushing to one's own namespace with a token: %v", err)
	}
	waitRepository(t, b.Repositories, "alice/app", false)

	private := true
	_, err = b.Accounts.UpdateProfile(ctx, alice.ID, account.Profile{DefaultPrivate: &private})
	must(t, err)
	if err := remote.Write(ref(t, in.Registry, "alice/secret", "1"), img, remote.WithAuth(rw)); err != nil {
		t.Fatal(err)
	}
	waitRepository(t, b.Repositories, "alice/secret", true)

	bob := remote.WithAuth(&authn.Basic{Username: "bob", Password: "bob-password"})
	if _, err := remote.Image(ref(t, in.Registry, "alice/app", "1"), bob); err != nil {
		t.Errorf("another user pulling a public repository: %v", err)
	}
	if _, err := remote.Image(ref(t, in.Registry, "alice/app", "1")); err != nil {
		t.Errorf("anonymous pull of a public repository: %v", err)
	}
	if _, err := remote.Image(ref(t, in.Registry, "alice/secret", "1"), bob); !isDenied(err) {
		t.Errorf("another user pulling a private repository: %v; want denied", err)
	}
	if err := remote.Write(ref(t, in.Registry, "bob/app", "1"), img, remote.WithAuth(rw)); !isDenied(err) {
		t.Errorf("alice's token pushing to bob's namespace: %v; want denied", err)
	}

	ro := remote.WithAuth(token(account.TokenRead))
	if _, err := remote.Image(ref(t, in.Registry, "alice/secret", "1"), ro); err != nil {
		t.Errorf("read-only token pulling its owner's private repository: %v", err)
	}
	if err := remote.Write(ref(t, in.Registry, "alice/app", "2"), img, ro); !isDenied(err) {
		t.Errorf("read-only token pushing: %v; want denied", err)
	}
	narrow := remote.WithAuth(token(account.TokenReadWrite, "alice/app"))
	if _, err := remote.Image(ref(t, in.Registry, "alice/secret", "1"), narrow); !isDenied(err) {
		t.Errorf("token limited to alice/app pulling alice/secret: %v; want denied", err)
	}
	if err := remote.Write(ref(t, in.Registry, "alice/app", "3"), img, narrow); err != nil {
		t.Errorf("token limited to alice/app pushing there: %v", err)
	}

	admin, err := b.Accounts.Register(ctx, account.SignUp{Username: "ops", Email: "ops@example.com", Password: "ops-password", Admin: true})
	must(t, err)
	_, err = b.Accounts.SetDisabled(ctx, admin, alice.ID, true)
	must(t, err)
	req, _ := http.NewRequest("GET", in.URL+"/token?service="+in.Registry+"&scope=repository:alice/app:pull", nil)
	req.SetBasicAuth("alice", "alice-password")
	var a tokenAnswer
	if status := doJSON(t, req, &a); status != http.StatusUnauthorized {
		t.Errorf("a disabled user's password got status %d; want 401", status)
	}
	if _, err := remote.Image(ref(t, in.Registry, "alice/secret", "1"), ro); !isDenied(err) {
		t.Errorf("a disabled user's token still pulls: %v", err)
	}
}

// waitRepository waits for the push notification to create the record.
func waitRepository(t *testing.T, repos *catalog.Repositories, name string, private bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, err := repos.Get(context.Background(), name)
		if err == nil {
			if r.Private != private {
				t.Errorf("%s was created private=%v; want %v", name, r.Private, private)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has no record 15s after its first push: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
