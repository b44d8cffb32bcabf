package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
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

// TestRegistryDeletes: write on a repository gives delete in the registry.
// The owner deletes a tag, a manifest and a blob of her repository with
// her read-write token, as crane delete does, and the catalog forgets the
// deleted manifest's tag (the catalog forgetting a deleted tag itself
// waits on the registry events' rework); her read-only token cannot delete. In her
// organisation an admin and a member of a team with write may delete; a
// member of a team with read only pulls, and a plain member gets nothing.
func TestRegistryDeletes(t *testing.T) {
	o := newRegistryOwner(t)
	ctx := context.Background()
	b := o.in.srv.Backend
	first, err := random.Image(256, 2)
	must(t, err)
	second, err := random.Image(256, 1)
	must(t, err)
	must(t, remote.Write(ref(t, o.in.Registry, "alice/app", "1"), first, o.auth()))
	must(t, remote.Write(ref(t, o.in.Registry, "alice/app", "2"), second, o.auth()))
	waitCatalogTag(t, o.in, "alice/app", "2")

	_, ro, err := b.Accounts.CreateToken(ctx, o.user.ID, account.NewToken{Name: "ro", Access: account.TokenRead})
	must(t, err)
	if err := remote.Delete(ref(t, o.in.Registry, "alice/app", "1"), remote.WithAuth(&authn.Basic{Username: "alice", Password: ro})); !isDenied(err) {
		t.Errorf("deleting with a read-only token: %v; want 401/403", err)
	}
	if err := remote.Delete(ref(t, o.in.Registry, "alice/app", "1"), o.auth()); err != nil {
		t.Fatalf("deleting a tag of one's own repository: %v", err)
	}
	if _, err := remote.Head(ref(t, o.in.Registry, "alice/app", "1"), o.auth()); err == nil {
		t.Error("the deleted tag 1 still resolves")
	}
	d := digestOf(t, second)
	token := issueRaw(t, o.in, "alice", o.pat, "repository:alice/app:pull,push,delete")
	base := "http://" + o.in.Registry + "/v2/alice/app"
	if resp := bearerDo(t, "DELETE", base+"/manifests/"+d, token); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("DELETE manifest %s: %d, want 202", d, resp.StatusCode)
	}
	if resp := bearerDo(t, "GET", base+"/manifests/2", token); resp.StatusCode != http.StatusNotFound {
		t.Errorf("tag 2 of the deleted manifest answers %d, want 404", resp.StatusCode)
	}
	waitTagGone(t, o.in, "alice/app", "2")
	layer := layerDigest(t, first)
	if resp := bearerDo(t, "DELETE", base+"/blobs/"+layer, token); resp.StatusCode != http.StatusAccepted {
		t.Errorf("DELETE blob %s: %d, want 202", layer, resp.StatusCode)
	}
	if resp := bearerDo(t, "HEAD", base+"/blobs/"+layer, token); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the deleted blob answers %d, want 404", resp.StatusCode)
	}
	testOrgDeletes(t, o)
}

// testOrgDeletes: in alice's organisation crew, bob (admin) and carol (in a
// team with write on crew/app) are granted delete; dave (in a team with
// read) only pull; erin (a plain member) nothing on the private crew/app.
func testOrgDeletes(t *testing.T, o registryOwner) {
	ctx := context.Background()
	b := o.in.srv.Backend
	users := map[string]account.User{}
	for _, name := range []string{"bob", "carol", "dave", "erin"} {
		u, err := b.Accounts.Register(ctx, account.SignUp{Username: name, Email: name + "@example.com", Password: name + "-password"})
		must(t, err)
		users[name] = u
	}
	_, err := b.Accounts.CreateOrg(ctx, o.user, "crew", "Crew")
	must(t, err)
	must(t, b.Accounts.AddMember(ctx, o.user, "crew", "bob", account.RoleAdmin))
	for _, name := range []string{"carol", "dave", "erin"} {
		must(t, b.Accounts.AddMember(ctx, o.user, "crew", name, account.RoleMember))
	}
	for team, p := range map[string]account.Permission{"builders": account.PermWrite, "readers": account.PermRead} {
		must(t, b.Accounts.CreateTeam(ctx, o.user, "crew", team, ""))
		must(t, b.Accounts.SetTeamPermission(ctx, o.user, "crew", team, "crew/app", p))
	}
	must(t, b.Accounts.SetTeamMember(ctx, o.user, "crew", "builders", users["carol"].ID, true))
	must(t, b.Accounts.SetTeamMember(ctx, o.user, "crew", "readers", users["dave"].ID, true))
	_, err = b.Repositories.Create(ctx, catalog.NewRepository{Namespace: "crew", Name: "app", Private: true})
	must(t, err)

	want := map[string]string{"bob": "delete,pull,push", "carol": "delete,pull,push", "dave": "pull", "erin": ""}
	for name, actions := range want {
		got := issue(t, o.in, name, name+"-password", "repository:crew/app:pull,push,delete")
		if g := grantedOn(got, "crew/app"); g != actions {
			t.Errorf("%s on crew/app: granted %q, want %q", name, g, actions)
		}
	}
	img, err := random.Image(256, 1)
	must(t, err)
	must(t, remote.Write(ref(t, o.in.Registry, "crew/app", "1"), img, o.auth()))
	carol := remote.WithAuth(&authn.Basic{Username: "carol", Password: "carol-password"})
	if err := remote.Delete(ref(t, o.in.Registry, "crew/app", "1"), carol); err != nil {
		t.Errorf("a member of a team with write deleting a tag: %v", err)
	}
}

// grantedOn lists the actions a token's claims grant on repo, sorted and
// joined by commas.
func grantedOn(c accessClaims, repo string) string {
	for _, a := range c.Access {
		if a.Name == repo {
			actions := slices.Clone(a.Actions)
			slices.Sort(actions)
			return strings.Join(actions, ",")
		}
	}
	return ""
}

// waitCatalogTag waits until the catalog records repo:tag (the registry's push
// notification reached Berth).
func waitCatalogTag(t *testing.T, in *instance, repo, tag string) {
	t.Helper()
	waitCatalog(t, in, repo, tag, true)
}

// waitTagGone waits until the catalog no longer records repo:tag.
func waitTagGone(t *testing.T, in *instance, repo, tag string) {
	t.Helper()
	waitCatalog(t, in, repo, tag, false)
}

func waitCatalog(t *testing.T, in *instance, repo, tag string, present bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		tags, err := in.srv.Backend.Stores.Tags.Tags(context.Background(), repo)
		must(t, err)
		if slices.ContainsFunc(tags, func(x catalog.Tag) bool { return x.Name == tag }) == present {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the catalog's tags of %s after 15s: %v; want %s present=%v", repo, tags, tag, present)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRegistryForeignLayers: a non-distributable layer with an https URL is
// accepted without its blob (clients fetch it from there and check its
// digest); any other URL is refused with 400 saying why, where
// distribution would answer 500.
func TestRegistryForeignLayers(t *testing.T) {
	o := newRegistryOwner(t)
	img, err := random.Image(256, 1)
	must(t, err)
	must(t, remote.Write(ref(t, o.in.Registry, "alice/app", "1"), img, o.auth()))
	cfg, err := img.Manifest()
	must(t, err)
	token := issueRaw(t, o.in, "alice", o.pat, "repository:alice/app:pull,push")
	foreign := "sha256:" + strings.Repeat("ab", 32)
	for _, tc := range []struct {
		url  string
		want int
	}{{"https://store.example.com/blobs/" + foreign, http.StatusCreated}, {"http://store.example.com/blob", http.StatusBadRequest}} {
		body, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
			"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg.Config.Digest.String(), "size": cfg.Config.Size},
			"layers": []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
				"digest": foreign, "size": 123456, "urls": []string{tc.url}}}})
		must(t, err)
		req, err := http.NewRequest("PUT", "http://"+o.in.Registry+"/v2/alice/app/manifests/foreign", bytes.NewReader(body))
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || (tc.want == http.StatusBadRequest && !strings.Contains(string(msg), "must be https")) {
			t.Errorf("a foreign layer at %s: %d %s; want %d", tc.url, resp.StatusCode, msg, tc.want)
		}
	}
}
