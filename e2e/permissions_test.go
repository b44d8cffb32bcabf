package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
)

// actor is someone the permission matrix tries: their registry credential
// (nil for anonymous).
type actor struct {
	name string
	auth authn.Authenticator
}

// TestRepositoryPermissionMatrix pulls from and pushes to an organisation's
// public and private repositories as each kind of person, through the real
// registry: (owner, team member with read, with write, outsider,
// anonymous) × (public, private) × (pull, push). The owner pushes with a
// personal access token, as a CI job would.
func TestRepositoryPermissionMatrix(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	b := in.srv.Backend
	users := map[string]account.User{}
	for _, name := range []string{"olivia", "rita", "walt", "oscar"} {
		u, err := b.Accounts.Register(ctx, account.SignUp{Username: name, Email: name + "@example.com", Password: name + "-password"})
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	owner := users["olivia"]
	if _, err := b.Accounts.CreateOrg(ctx, owner, "shipyard", "Shipyard Ltd"); err != nil {
		t.Fatal(err)
	}
	repos := map[string]bool{"shipyard/public-app": false, "shipyard/private-app": true}
	for name, private := range repos {
		if _, err := b.Repositories.Create(ctx, catalog.NewRepository{Namespace: "shipyard", Name: name[len("shipyard/"):], Private: private}); err != nil {
			t.Fatal(err)
		}
	}
	for team, perm := range map[string]account.Permission{"readers": account.PermRead, "writers": account.PermWrite} {
		member := map[string]string{"readers": "rita", "writers": "walt"}[team]
		must(t, b.Accounts.AddMember(ctx, owner, "shipyard", member, account.RoleMember))
		must(t, b.Accounts.CreateTeam(ctx, owner, "shipyard", team, ""))
		must(t, b.Accounts.SetTeamMember(ctx, owner, "shipyard", team, users[member].ID, true))
		for name := range repos {
			must(t, b.Accounts.SetTeamPermission(ctx, owner, "shipyard", team, name, perm))
		}
	}
	_, pat, err := b.Accounts.CreateToken(ctx, owner.ID, account.NewToken{Name: "ci", Access: account.TokenReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	actors := []actor{
		{"owner (token)", &authn.Basic{Username: "ci", Password: pat}},
		{"team reader", &authn.Basic{Username: "rita", Password: "rita-password"}},
		{"team writer", &authn.Basic{Username: "walt", Password: "walt-password"}},
		{"outsider", &authn.Basic{Username: "oscar", Password: "oscar-password"}},
		{"anonymous", nil},
	}
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	for name := range repos {
		if err := remote.Write(ref(t, in.Registry, name, "v1"), img, remote.WithAuth(actors[0].auth)); err != nil {
			t.Fatalf("owner pushing %s with a token: %v", name, err)
		}
	}
	// want[actor][private] = {pull, push}
	want := map[string]map[bool][2]bool{
		"owner (token)": {false: {true, true}, true: {true, true}},
		"team reader":   {false: {true, false}, true: {true, false}},
		"team writer":   {false: {true, true}, true: {true, true}},
		"outsider":      {false: {true, false}, true: {false, false}},
		"anonymous":     {false: {true, false}, true: {false, false}},
	}
	for _, a := range actors {
		for name, private := range repos {
			t.Run(fmt.Sprintf("%s/%s", a.name, name), func(t *testing.T) {
				opts := []remote.Option{remote.WithTransport(replayBodies{})}
				if a.auth != nil {
					opts = append(opts, remote.WithAuth(a.auth))
				}
				_, pullErr := remote.Image(ref(t, in.Registry, name, "v1"), opts...)
				pushErr := remote.Write(ref(t, in.Registry, name, "by-"+a.name[:4]), img, opts...)
				got := [2]bool{pullErr == nil, pushErr == nil}
				if got != want[a.name][private] {
					t.Errorf("pull ok=%v (%v), push ok=%v (%v); want pull %v, push %v",
						got[0], pullErr, got[1], pushErr, want[a.name][private][0], want[a.name][private][1])
				}
				for _, err := range []error{pullErr, pushErr} {
					if err != nil && !isDenied(err) {
						t.Errorf("refusal was not a 401/403: %v", err)
					}
				}
			})
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// replayBodies is the tests' HTTP transport for refused pushes: when the
// registry refuses a manifest PUT with 401 before reading its body,
// go-containerregistry asks for a new token and sends the same request
// again, whose body it has already spent ("ContentLength=585 with Body
// length 0"), depending on timing. Like clients that buffer small bodies,
// this transport sends every attempt of one request the same bytes, so the
// test sees the registry's answer, not the client's race.
type replayBodies struct{}

var spentBodies sync.Map // *http.Request → []byte

func (replayBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		b, seen := spentBodies.Load(r)
		if !seen {
			raw, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			b, _ = spentBodies.LoadOrStore(r, raw)
		}
		r.Body = io.NopCloser(bytes.NewReader(b.([]byte)))
	}
	return http.DefaultTransport.RoundTrip(r)
}
