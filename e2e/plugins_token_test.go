package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/licensing"
)

// pluginClaims are the claims of a registry token this test reads.
type pluginClaims struct {
	Access []licensing.Access     `json:"access"`
	Berth  *licensing.BerthClaims `json:"berth"`
}

// claimsOf decodes a token's claims after checking its signature the way
// the registry does.
func claimsOf(t *testing.T, in *instance, raw string) pluginClaims {
	t.Helper()
	verify(t, in, raw)
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
	must(t, err)
	var c pluginClaims
	must(t, json.Unmarshal(payload, &c))
	return c
}

// TestPluginScopeClass asks /token for the scope class the Docker Engine
// uses for plugins, "repository(plugin):<name>:pull": it is granted by
// license exactly as the plain repository scope, echoed with its class,
// denied by default and with the same reasons, and the registry honours it.
func TestPluginScopeClass(t *testing.T) {
	w := newEntitlementWorld(t)
	dora := w.user(t, "dora")
	w.user(t, "eve")
	lic := w.grant(t, dora.ID, "plain", time.Time{})
	pluginScope, plainScope := "repository(plugin):"+entRepo+":pull", "repository:"+entRepo+":pull"

	c := claimsOf(t, w.in, w.tokenFor(t, "anything", lic.Key, pluginScope))
	want := []licensing.Access{{Type: "repository", Class: "plugin", Name: entRepo, Actions: []string{"pull"}}}
	if diff := cmp.Diff(want, c.Access); diff != "" {
		t.Errorf("license key asking the plugin class (-want +got):\n%s", diff)
	}
	if c.Berth == nil || len(c.Berth.Entitled[entRepo]) == 0 {
		t.Errorf("the plugin-class token names no license for %s: %+v", entRepo, c.Berth)
	}
	tok := w.tokenFor(t, "dora", "dora-password", pluginScope, plainScope)
	c = claimsOf(t, w.in, tok)
	want = []licensing.Access{{Type: "repository", Class: "plugin", Name: entRepo, Actions: []string{"pull"}}, {Type: "repository", Name: entRepo, Actions: []string{"pull"}}}
	if diff := cmp.Diff(want, c.Access, sortAccess); diff != "" {
		t.Errorf("password asking both classes (-want +got):\n%s", diff)
	}
	if n := len(c.Berth.Entitled[entRepo]); n != 1 {
		t.Errorf("a repository asked in two classes is entitled by %d licenses in the token, want its one", n)
	}
	// The registry reads a plugin-class grant as the repository's.
	pluginOnly := w.tokenFor(t, "anything", lic.Key, pluginScope)
	if status, code, msg := w.registryGet(t, pluginOnly, "/manifests/1.0.0"); status != 200 {
		t.Errorf("manifest with a plugin-class token: %d %s %s", status, code, msg)
	}

	// Deny by default: no license, another class, another type.
	for _, tc := range []struct{ user, pass, scope string }{
		{"eve", "eve-password", pluginScope},
		{"anything", lic.Key, "repository(image):" + entRepo + ":pull"},
		{"anything", lic.Key, "registry(plugin):catalog:*"},
		{"anything", lic.Key, "repository(plugin):" + entRepo + ":push"},
	} {
		if c := claimsOf(t, w.in, w.tokenFor(t, tc.user, tc.pass, tc.scope)); len(c.Access) != 0 {
			t.Errorf("%s asking %s was granted %+v, want nothing", tc.user, tc.scope, c.Access)
		}
	}

	// The same reasons: a revoked license denies both classes alike.
	_, err := w.in.srv.Backend.Licenses.Revoke(context.Background(), lic.License.ID)
	must(t, err)
	deny := map[string]string{}
	for _, scope := range []string{pluginScope, plainScope} {
		c := claimsOf(t, w.in, w.tokenFor(t, "dora", "dora-password", scope))
		if len(c.Access) != 0 || c.Berth == nil {
			t.Fatalf("after revocation %s granted %+v, berth claims %+v", scope, c.Access, c.Berth)
		}
		deny[scope] = c.Berth.Denied[entRepo].Message
	}
	if !strings.Contains(deny[pluginScope], "revoked") || deny[pluginScope] != deny[plainScope] {
		t.Errorf("revoked license: plugin class says %q, plain says %q; want the same reason, naming the revocation", deny[pluginScope], deny[plainScope])
	}
}

// sortAccess compares access lists in any order.
var sortAccess = cmp.Transformer("sorted", func(in []licensing.Access) map[string]licensing.Access {
	out := map[string]licensing.Access{}
	for _, a := range in {
		out[a.Type+"("+a.Class+"):"+a.Name] = a
	}
	return out
})
