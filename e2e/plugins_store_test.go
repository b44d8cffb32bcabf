package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dockertypes "github.com/docker/docker/api/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/plugin"
)

// pluginStore is a running Berth selling two Docker Engine plugins and an
// image, each pushed to the registry:
//
//	product    kind    repository         tag  interfaces                 privileges
//	acme-nfs   plugin  acme/nfs-volume    1.0  volumedriver               network host, mount, device, capabilities
//	acme-logs  plugin  acme/log-shipper   2.0  logdriver, metricscollector none
//	acme-db    image   acme/db            1.0  -                          -
type pluginStore struct {
	in *instance
}

func newPluginStore(t *testing.T, b backend) *pluginStore {
	t.Helper()
	cfg := config(t, b)
	cfg.Demo = false
	in := start(t, cfg)
	ctx := context.Background()
	for _, p := range []catalog.Product{
		{Slug: "acme-nfs", Name: "Acme NFS Volumes", Publisher: "acme", Kind: catalog.KindPlugin, Summary: "NFS volumes.",
			Repositories: []string{"acme/nfs-volume"}, Tiers: []catalog.Tier{{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{"acme/nfs-volume"}}}},
		{Slug: "acme-logs", Name: "Acme Log Shipper", Publisher: "acme", Kind: catalog.KindPlugin, Summary: "Ships logs.",
			Repositories: []string{"acme/log-shipper"}, Tiers: []catalog.Tier{{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{"acme/log-shipper"}}}},
		{Slug: "acme-db", Name: "Acme DB", Publisher: "acme", Kind: catalog.KindImage, Summary: "A database.",
			Repositories: []string{"acme/db"}, Tiers: []catalog.Tier{{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{"acme/db"}}}},
	} {
		_, err := in.srv.Backend.Stores.Catalog.PutProduct(ctx, p)
		must(t, err)
	}
	s := &pluginStore{in: in}
	s.push(t, "acme/nfs-volume", "1.0", buildPlugin(t, nfsConfig()))
	s.push(t, "acme/log-shipper", "2.0", buildPlugin(t, logConfig()))
	img, err := random.Image(512, 1)
	must(t, err)
	s.push(t, "acme/db", "1.0", img)
	for _, tag := range []string{"acme/nfs-volume/tags/1.0", "acme/log-shipper/tags/2.0", "acme/db/tags/1.0"} {
		s.waitTag(t, tag)
	}
	return s
}

// nfsConfig is a volume driver asking for every kind of privilege.
func nfsConfig() dockertypes.PluginConfig {
	state, fuse := "/var/lib/acme-nfs", "/dev/fuse"
	return dockertypes.PluginConfig{
		Description: "NFS volumes for containers", Documentation: "https://docs.acme.example/nfs",
		Entrypoint: []string{"/nfs-driver"},
		Interface: dockertypes.PluginConfigInterface{Socket: "nfs.sock",
			Types: []dockertypes.PluginInterfaceType{{Prefix: "docker", Capability: "volumedriver", Version: "1.0"}}},
		Network: dockertypes.PluginConfigNetwork{Type: "host"},
		Mounts:  []dockertypes.PluginMount{{Source: &state, Destination: "/state", Type: "bind", Options: []string{"rbind"}}},
		Linux: dockertypes.PluginConfigLinux{Capabilities: []string{"CAP_SYS_ADMIN", "CAP_DAC_READ_SEARCH"},
			Devices: []dockertypes.PluginDevice{{Path: &fuse}}},
		PropagatedMount: "/mnt/volumes",
	}
}

// logConfig is a log driver and metrics collector asking for nothing.
func logConfig() dockertypes.PluginConfig {
	return dockertypes.PluginConfig{
		Description: "Ships container logs", Entrypoint: []string{"/log-shipper"},
		Interface: dockertypes.PluginConfigInterface{Socket: "logs.sock", Types: []dockertypes.PluginInterfaceType{
			{Prefix: "docker", Capability: "logdriver", Version: "1.0"},
			{Prefix: "docker", Capability: "metricscollector", Version: "1.0"}}},
	}
}

// buildPlugin builds a plugin of cfg over a one-file rootfs.
func buildPlugin(t *testing.T, cfg dockertypes.PluginConfig) v1.Image {
	t.Helper()
	layer, err := plugin.Layer([]plugin.File{{Path: cfg.Entrypoint[0], Mode: 0o755, Body: []byte("#!/bin/true\n" + cfg.Description)}},
		time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	must(t, err)
	img, err := plugin.Build(cfg, layer)
	must(t, err)
	return img
}

// push writes img as repo:tag with a token Berth signs for pushing there.
func (s *pluginStore) push(t *testing.T, repo, tag string, img v1.Image) {
	t.Helper()
	tok, err := s.in.srv.Backend.Tokens.Sign("test-publisher", []licensing.Access{{Type: "repository", Name: repo, Actions: []string{"pull", "push"}}})
	must(t, err)
	must(t, remote.Write(ref(t, s.in.Registry, repo, tag), img, remote.WithAuth(&authn.Bearer{Token: tok.Token})))
}

// waitTag waits for the push notification of path ("ns/name/tags/tag") to
// reach the catalog.
func (s *pluginStore) waitTag(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for s.in.call("GET", "/api/v1/images/"+path, "", "", nil, nil) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("%s never reached the catalog", path)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pluginResp is the plugin object of the tag and product API.
type pluginResp struct {
	Install       string
	Description   string
	Documentation string
	Interfaces    []struct{ Type, Capability, Name string }
	Privileges    []struct {
		Name, Description string
		Value             []string
	}
}

// nfsPrivileges are the privileges nfsConfig asks for, as the Engine's
// plugin manager lists them: network, mounts, devices, capabilities.
var nfsPrivileges = []string{"network=host", "mount=/var/lib/acme-nfs", "device=/dev/fuse", "capabilities=CAP_SYS_ADMIN,CAP_DAC_READ_SEARCH"}

func privilegeList(p pluginResp) []string {
	var out []string
	for _, pr := range p.Privileges {
		out = append(out, pr.Name+"="+strings.Join(pr.Value, ","))
	}
	return out
}

func interfaceList(p pluginResp) []string {
	var out []string
	for _, i := range p.Interfaces {
		out = append(out, i.Type+"|"+i.Capability+"|"+i.Name)
	}
	return out
}

// TestPluginStoreFront pushes real plugins and an image and reads the
// store front through HTTP: the tag and product API and pages show the
// install command, the privileges and the interface types in words, and
// Explore's interface filter returns the right products, on both
// databases.
func TestPluginStoreFront(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := newPluginStore(t, b)
			checkPluginAPI(t, s)
			checkPluginPages(t, s)
			checkInterfaceFilter(t, s)
			checkPluginOpenAPI(t, s)
		})
	}
}

// checkPluginOpenAPI checks that the served OpenAPI document describes
// Explore's interface filter and the plugin facts of tags and products.
func checkPluginOpenAPI(t *testing.T, s *pluginStore) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any
			}
		}
	}
	if status := s.in.call("GET", "/api/v1/openapi.json", "", "", nil, &doc); status != http.StatusOK {
		t.Fatalf("openapi.json: %d", status)
	}
	var get struct{ Parameters []struct{ Name, In string } }
	must(t, json.Unmarshal(doc.Paths["/api/v1/products"]["get"], &get))
	var params []string
	for _, p := range get.Parameters {
		params = append(params, p.In+":"+p.Name)
	}
	if !slices.Contains(params, "query:interface") {
		t.Errorf("GET /api/v1/products documents %v; want the interface filter", params)
	}
	schemas := doc.Components.Schemas
	for schema, props := range map[string][]string{
		"Tag": {"plugin"}, "Product": {"plugin_interfaces", "installs"},
		"Plugin": {"install", "interfaces", "privileges"}, "PluginPrivilege": {"name", "value"},
		"PluginInterface": {"type", "capability", "name"}, "PluginInstall": {"command", "plugin"},
	} {
		for _, p := range props {
			if _, ok := schemas[schema].Properties[p]; !ok {
				t.Errorf("the OpenAPI schema %s lacks %s", schema, p)
			}
		}
	}
}

func checkPluginAPI(t *testing.T, s *pluginStore) {
	var tag struct {
		Platforms []struct{ Platform string }
		Plugin    *pluginResp
	}
	if status := s.in.call("GET", "/api/v1/images/acme/nfs-volume/tags/1.0", "", "", nil, &tag); status != http.StatusOK || tag.Plugin == nil {
		t.Fatalf("tag acme/nfs-volume:1.0: %d %+v; want its plugin facts", status, tag)
	}
	p := *tag.Plugin
	if want := "docker plugin install " + s.in.Registry + "/acme/nfs-volume:1.0"; p.Install != want {
		t.Errorf("install = %q, want %q", p.Install, want)
	}
	if diff := cmp.Diff([]string{"docker.volumedriver/1.0|volumedriver|Volume driver"}, interfaceList(p)); diff != "" {
		t.Errorf("interfaces (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(nfsPrivileges, privilegeList(p)); diff != "" {
		t.Errorf("privileges (-want +got):\n%s", diff)
	}
	if p.Description != "NFS volumes for containers" || p.Documentation != "https://docs.acme.example/nfs" {
		t.Errorf("description %q, documentation %q", p.Description, p.Documentation)
	}

	var logs struct{ Plugin *pluginResp }
	s.in.call("GET", "/api/v1/images/acme/log-shipper/tags/2.0", "", "", nil, &logs)
	if logs.Plugin == nil || len(logs.Plugin.Privileges) != 0 || cmp.Diff([]string{
		"docker.logdriver/1.0|logdriver|Log driver", "docker.metricscollector/1.0|metricscollector|Metrics collector"},
		interfaceList(*logs.Plugin)) != "" {
		t.Errorf("log-shipper:2.0 plugin = %+v; want a log driver and metrics collector with no privileges", logs.Plugin)
	}
	var image map[string]any
	s.in.call("GET", "/api/v1/images/acme/db/tags/1.0", "", "", nil, &image)
	if _, ok := image["plugin"]; ok || image["name"] != "1.0" {
		t.Errorf("image tag acme/db:1.0 = %v; want no plugin object", image)
	}

	var product struct {
		Kind             string
		PluginInterfaces []struct{ Capability, Name string } `json:"plugin_interfaces"`
		Installs         []struct {
			Repository, Tag, Command string
			Plugin                   *pluginResp
		}
	}
	if status := s.in.call("GET", "/api/v1/products/acme-nfs", "", "", nil, &product); status != http.StatusOK {
		t.Fatalf("product acme-nfs: %d", status)
	}
	if len(product.PluginInterfaces) != 1 || product.PluginInterfaces[0].Capability != "volumedriver" || product.PluginInterfaces[0].Name != "Volume driver" {
		t.Errorf("plugin_interfaces = %+v; want the volume driver", product.PluginInterfaces)
	}
	if len(product.Installs) != 1 || product.Installs[0].Command != "docker plugin install "+s.in.Registry+"/acme/nfs-volume:1.0" ||
		product.Installs[0].Plugin == nil || cmp.Diff(nfsPrivileges, privilegeList(*product.Installs[0].Plugin)) != "" {
		t.Errorf("installs = %+v; want acme/nfs-volume:1.0's command and privileges", product.Installs)
	}
	var db map[string]any
	s.in.call("GET", "/api/v1/products/acme-db", "", "", nil, &db)
	if _, ok := db["installs"]; ok {
		t.Errorf("image product acme-db has installs: %v", db["installs"])
	}
}

// page fetches a page's HTML.
func (s *pluginStore) page(t *testing.T, path string) string {
	t.Helper()
	resp, err := http.Get(s.in.URL + path)
	must(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return string(body)
}

func checkPluginPages(t *testing.T, s *pluginStore) {
	install := "docker plugin install " + s.in.Registry + "/acme/nfs-volume:1.0"
	for _, path := range []string{"/products/acme-nfs", "/images/acme/nfs-volume/tags/1.0"} {
		html := s.page(t, path)
		for _, want := range []string{install, `data-copy="`, "Volume driver", "docker.volumedriver/1.0",
			"Network", "<code>host</code>", "Host paths mounted", "/var/lib/acme-nfs", "Host devices", "/dev/fuse",
			"Linux capabilities", "CAP_SYS_ADMIN", "CAP_DAC_READ_SEARCH"} {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
		if strings.Contains(html, "docker pull") {
			t.Errorf("%s offers docker pull for a plugin", path)
		}
	}
	logs := s.page(t, "/products/acme-logs")
	for _, want := range []string{"docker plugin install " + s.in.Registry + "/acme/log-shipper:2.0", "Log driver", "Metrics collector", "No privileges"} {
		if !strings.Contains(logs, want) {
			t.Errorf("/products/acme-logs lacks %q", want)
		}
	}
	db := s.page(t, "/products/acme-db")
	if !strings.Contains(db, "docker pull "+s.in.Registry+"/acme/db:latest") || strings.Contains(db, "docker plugin install") {
		t.Errorf("the image product page should offer docker pull, not docker plugin install")
	}
}

func checkInterfaceFilter(t *testing.T, s *pluginStore) {
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"interface=volumedriver", []string{"acme-nfs"}},
		{"interface=logdriver", []string{"acme-logs"}},
		{"interface=metricscollector&tab=plugins", []string{"acme-logs"}},
		{"interface=authz", nil},
		{"kind=plugin&sort=name", []string{"acme-logs", "acme-nfs"}},
	} {
		var page struct{ Products []struct{ Slug string } }
		if status := s.in.call("GET", "/api/v1/products?"+tc.query, "", "", nil, &page); status != http.StatusOK {
			t.Errorf("products?%s: %d", tc.query, status)
			continue
		}
		var got []string
		for _, p := range page.Products {
			got = append(got, p.Slug)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("products?%s (-want +got):\n%s", tc.query, diff)
		}
	}
	for _, bad := range []string{"Volume%20driver", "volumedriver%2F1.0", strings.Repeat("a", 41)} {
		var e struct {
			Errors []struct{ Field, Message string }
		}
		if status := s.in.call("GET", "/api/v1/products?interface="+bad, "", "", nil, &e); status != http.StatusBadRequest {
			t.Errorf("products?interface=%s: %d, want 400", bad, status)
		}
	}
	html := s.page(t, "/explore?tab=plugins&interface=volumedriver")
	if !strings.Contains(html, `href="/products/acme-nfs"`) || strings.Contains(html, `href="/products/acme-logs"`) {
		t.Errorf("Explore filtered to volume drivers should list acme-nfs alone")
	}
	if !strings.Contains(html, "Plugin interface") || !strings.Contains(html, `interface=logdriver`) {
		t.Errorf("Explore's plugins tab lacks the interface filter")
	}
}

// TestDemoPluginsInTheStore reads the demo's plugins, which the seeder
// pushes and the publishing pipeline signs and records, through the store
// front: their tags carry interfaces and an install command, and
// Explore's interface filter finds the volume drivers and the log driver.
func TestDemoPluginsInTheStore(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	s := &pluginStore{in: in}
	s.waitTag(t, "northwind/nfs-volume/tags/2.4.1")
	s.waitTag(t, "berthlabs/log-shipper/tags/1.9.2")
	var tag struct{ Plugin *pluginResp }
	in.call("GET", "/api/v1/images/northwind/nfs-volume/tags/2.4.1", "", "", nil, &tag)
	if tag.Plugin == nil || tag.Plugin.Install != "docker plugin install "+in.Registry+"/northwind/nfs-volume:2.4.1" ||
		!slices.Contains(interfaceList(*tag.Plugin), "docker.volumedriver/1.0|volumedriver|Volume driver") {
		t.Fatalf("northwind/nfs-volume:2.4.1 plugin = %+v; want a volume driver with its install command", tag.Plugin)
	}
	// The products' interfaces follow their tags as the pipeline records
	// them, after /readyz: wait for the last.
	deadline := time.Now().Add(30 * time.Second)
	for {
		volumes, logs := exploreSlugs(t, in, "interface=volumedriver"), exploreSlugs(t, in, "interface=logdriver")
		if slices.Contains(volumes, "northwind-nfs") && slices.Contains(volumes, "northwind-s3-volume") &&
			!slices.Contains(volumes, "log-shipper") && slices.Equal(logs, []string{"log-shipper"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Explore: volume drivers %q, log drivers %q; want both northwind plugins, and log-shipper alone", volumes, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	html := s.page(t, "/products/northwind-nfs")
	if !strings.Contains(html, "docker plugin install "+in.Registry+"/northwind/nfs-volume:") || !strings.Contains(html, "Linux capabilities") {
		t.Errorf("the northwind-nfs page lacks its install command or its capabilities")
	}
}

// exploreSlugs returns the slugs GET /api/v1/products?query answers.
func exploreSlugs(t *testing.T, in *instance, query string) []string {
	t.Helper()
	var page struct{ Products []struct{ Slug string } }
	if status := in.call("GET", "/api/v1/products?"+query, "", "", nil, &page); status != http.StatusOK {
		t.Fatalf("products?%s: %d", query, status)
	}
	var out []string
	for _, p := range page.Products {
		out = append(out, p.Slug)
	}
	return out
}
