package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	dockertypes "github.com/docker/docker/api/types"
	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth/berth/licensing"
	"github.com/berth/berth/plugin"
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

// versionedPlugin builds a small volume-driver plugin whose rootfs names tag, so
// that every tag has content of its own.
func versionedPlugin(t *testing.T, tag string) v1.Image {
	t.Helper()
	layer, err := plugin.Layer([]plugin.File{{Path: "/bin/driver", Mode: 0o755, Body: []byte("driver " + tag)}}, time.Unix(0, 0))
	must(t, err)
	img, err := plugin.Build(dockertypes.PluginConfig{Description: "test driver " + tag, Entrypoint: []string{"/bin/driver"},
		Interface: dockertypes.PluginConfigInterface{Socket: "d.sock", Types: []dockertypes.PluginInterfaceType{{Prefix: "docker", Capability: "volumedriver", Version: "1.0"}}}}, layer)
	must(t, err)
	return img
}

// TestPluginGate pulls plugins through the registry gate with a license
// limited to some versions, asking with the plugin scope class: a plugin's
// manifest, config and rootfs layers are entitled and reachable exactly as
// an image's, and a plugin manifest read is a pull against the quota.
func TestPluginGate(t *testing.T) {
	w := newEntitlementWorld(t)
	dora := w.user(t, "dora")
	inRange, outOfRange := versionedPlugin(t, "2.5.0"), versionedPlugin(t, "3.5.0")
	w.push(t, "2.5.0", inRange)
	w.push(t, "3.5.0", outOfRange)
	lts := w.grant(t, dora.ID, "lts2", time.Time{})
	tok := w.tokenFor(t, "anything", lts.Key, "repository(plugin):"+entRepo+":pull")

	if status, code, msg := w.registryGet(t, tok, "/manifests/2.5.0"); status != 200 {
		t.Errorf("plugin 2.5.0 under a >=2.0.0 <3.0.0 license: %d %s %s", status, code, msg)
	}
	cfg, err := inRange.ConfigName()
	must(t, err)
	for _, d := range []string{cfg.String(), layerDigest(t, inRange), digestOf(t, inRange)} {
		kind := "/blobs/"
		if d == digestOf(t, inRange) {
			kind = "/manifests/"
		}
		if status, code, msg := w.registryGet(t, tok, kind+d); status != 200 {
			t.Errorf("%s%s of plugin 2.5.0: %d %s %s", kind, d, status, code, msg)
		}
	}
	// Refusals of a plugin-class request come as 401 with the reason in the
	// challenge's error parameter, the one part of a refusal the Engine's
	// plugin client prints; the body keeps the registry's JSON error.
	refusedAsPlugin := func(token, path, code, reason string) {
		t.Helper()
		status, gotCode, msg, challenge := registryGetChallenge(t, w, token, path)
		if status != 401 || gotCode != code || !strings.Contains(msg, reason) || !strings.Contains(challenge, `error="`) || !strings.Contains(challenge, reason) {
			t.Errorf("%s: %d %s %q, challenge %q; want 401 %s naming %q in the body and the challenge's error", path, status, gotCode, msg, challenge, code, reason)
		}
	}
	refusedAsPlugin(tok, "/manifests/3.5.0", "DENIED", ">=2.0.0 <3.0.0")
	outCfg, err := outOfRange.ConfigName()
	must(t, err)
	for _, d := range []string{outCfg.String(), layerDigest(t, outOfRange)} {
		refusedAsPlugin(tok, "/blobs/"+d, "DENIED", "not part of any tag")
	}
	// The same refusal of an image-class request stays 403.
	imageTok := w.tokenFor(t, "anything", lts.Key, "repository:"+entRepo+":pull")
	if status, code, msg := w.registryGet(t, imageTok, "/manifests/3.5.0"); status != 403 || code != "DENIED" || !strings.Contains(msg, ">=2.0.0 <3.0.0") {
		t.Errorf("image-class read of 3.5.0: %d %s %q, want 403 DENIED naming the range", status, code, msg)
	}

	// A metered license: two plugin manifest reads are two pulls.
	quota := w.grant(t, dora.ID, "quota", time.Time{})
	metered := w.tokenFor(t, "anything", quota.Key, "repository(plugin):"+entRepo+":pull")
	for i := range 2 {
		if status, code, msg := w.registryGet(t, metered, "/manifests/2.5.0"); status != 200 {
			t.Fatalf("pull %d within the quota: %d %s %s", i+1, status, code, msg)
		}
	}
	refusedAsPlugin(metered, "/manifests/2.5.0", "TOOMANYREQUESTS", "used up")
}
