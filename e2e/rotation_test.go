package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/berth/berth/account"
	"github.com/berth/berth/licensing"
)

// TestKeyRotationMidStream rotates the signing key the way `berth keys
// rotate` does (another process on the same database) while the server
// runs: tokens signed by the old key and by the new one are both accepted
// by the registry, which is never restarted, and the JWKS lists both.
func TestKeyRotationMidStream(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	b := in.srv.Backend
	u, err := b.Accounts.Register(ctx, account.SignUp{Username: "rae", Email: "rae@example.com", Password: "rae-password"})
	must(t, err)
	product, free, _ := pickFreeTier(t, in)
	issued, err := b.Licenses.CheckoutFree(ctx, u.ID, product.Slug, free.ID)
	must(t, err)
	repo := free.Repositories[0]
	target := "http://" + in.Registry + "/v2/" + repo + "/tags/list"

	before := issueRaw(t, in, "rae", issued.Key, "repository:"+repo+":pull")
	cli := licensing.NewKeyRing(b.Stores.Licenses, b.Sealer, time.Hour) // the operator's process
	newKid, err := cli.Rotate(ctx)
	must(t, err)
	must(t, b.Keys.Load(ctx)) // what the server's periodic reload does
	after := issueRaw(t, in, "rae", issued.Key, "repository:"+repo+":pull")
	verify(t, in, before)
	verify(t, in, after)

	oldKid, nowKid := kidOf(t, before), kidOf(t, after)
	if oldKid == newKid || nowKid != newKid {
		t.Fatalf("kids: before %s, after %s, rotated to %s; want new tokens signed by the new key", oldKid, nowKid, newKid)
	}
	for name, tok := range map[string]string{"old key": before, "new key": after} {
		if got := bearerStatus(t, target, tok); got != http.StatusOK {
			t.Errorf("token signed by the %s: registry answered %d; want 200", name, got)
		}
	}
	if !jwksHas(t, in, oldKid) || !jwksHas(t, in, newKid) {
		t.Error("the JWKS does not list both keys during the overlap")
	}
}

// kidOf reads the key id a token names.
func kidOf(t *testing.T, raw string) string {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(raw, &accessClaims{})
	must(t, err)
	kid, _ := tok.Header["kid"].(string)
	return kid
}
