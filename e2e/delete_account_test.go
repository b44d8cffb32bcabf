package e2e

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

// TestDeleteAccountLeavesNothing deletes an account through the API and
// checks that what it owned was handled: its images are gone from the
// registry, its repository records and licenses revoked, its publisher
// membership ended, and its name free again, with nothing of the old
// account reachable by whoever takes it next.
func TestDeleteAccountLeavesNothing(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	b := in.srv.Backend
	alice, err := b.Accounts.Register(ctx, account.SignUp{Username: "alice", Email: "alice@example.com", Password: "alice-password"})
	must(t, err)
	product, free, _ := pickFreeTier(t, in)
	issued, err := b.Licenses.CheckoutFree(ctx, alice.ID, product.Slug, free.ID)
	must(t, err)
	pub, err := b.Stores.Publishers.PublisherBySlug(ctx, productPublisher(t, in, product.Slug))
	must(t, err)
	pub.Members = append(pub.Members, alice.ID)
	_, err = b.Stores.Publishers.PutPublisher(ctx, pub)
	must(t, err)
	_, pat, err := b.Accounts.CreateToken(ctx, alice.ID, account.NewToken{Name: "ci", Access: account.TokenReadWrite})
	must(t, err)
	img, _ := random.Image(512, 2)
	must(t, remote.Write(ref(t, in.Registry, "alice/app", "1"), img, remote.WithAuth(&authn.Basic{Username: "alice", Password: pat})))
	waitRepository(t, b.Repositories, "alice/app", false)

	req, _ := http.NewRequest("DELETE", in.URL+"/api/v1/user", bytes.NewReader([]byte(`{"password":"alice-password"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("alice", "alice-password")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE /api/v1/user: %d; want 204", resp.StatusCode)
	}

	if l, err := b.Licenses.License(ctx, issued.License.ID); err != nil || l.Status != licensing.StatusRevoked {
		t.Errorf("the deleted account's license: %+v, %v; want revoked", l.Status, err)
	}
	if _, err := b.Repositories.Get(ctx, "alice/app"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("the repository record survived: %v", err)
	}
	if p, _ := b.Stores.Publishers.PublisherBySlug(ctx, pub.Slug); slices.Contains(p.Members, alice.ID) {
		t.Error("the deleted account is still a publisher member")
	}
	if _, err := remote.Image(ref(t, in.Registry, "alice/app", "1"), remote.WithAuth(&authn.Basic{Username: "alice", Password: pat})); !isDenied(err) {
		t.Errorf("the deleted account's token still pulls: %v", err)
	}

	// Someone new takes the name: they must not inherit alice's images.
	_, err = b.Accounts.Register(ctx, account.SignUp{Username: "alice", Email: "new-alice@example.com", Password: "new-alice-password"})
	must(t, err)
	_, err = remote.Image(ref(t, in.Registry, "alice/app", "1"), remote.WithAuth(&authn.Basic{Username: "alice", Password: "new-alice-password"}))
	if err == nil {
		t.Fatal("the new owner of the name pulled the deleted account's image")
	}
	if isDenied(err) {
		t.Errorf("the new owner was refused (%v); want the image simply gone (404)", err)
	}
}
