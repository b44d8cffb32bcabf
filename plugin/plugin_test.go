package plugin_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	dockertypes "github.com/docker/docker/api/types"
	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/berth/berth/plugin"
)

// volumeConfig is a realistic volume driver's config.
func volumeConfig() dockertypes.PluginConfig {
	src, dev, debug := "/var/lib/docker/plugins/", "/dev/fuse", "0"
	return dockertypes.PluginConfig{
		Description: "NFS volumes", Documentation: "https://example.com/docs",
		Entrypoint: []string{"/usr/bin/nfs-volume-plugin"},
		Interface: dockertypes.PluginConfigInterface{Socket: "nfs.sock",
			Types: []dockertypes.PluginInterfaceType{{Prefix: "docker", Capability: "volumedriver", Version: "1.0"}}},
		Network: dockertypes.PluginConfigNetwork{Type: "host"},
		Mounts:  []dockertypes.PluginMount{{Name: "state", Source: &src, Destination: "/mnt/state", Type: "bind", Options: []string{"rbind"}}},
		Linux: dockertypes.PluginConfigLinux{Capabilities: []string{"CAP_SYS_ADMIN"},
			Devices: []dockertypes.PluginDevice{{Name: "fuse", Path: &dev}}},
		PropagatedMount: "/mnt/volumes",
		Env:             []dockertypes.PluginEnv{{Name: "DEBUG", Value: &debug, Settable: []string{"value"}}},
		Args:            dockertypes.PluginConfigArgs{Name: "args", Value: []string{}, Settable: []string{}},
	}
}

// built builds a two-layer plugin from cfg.
func built(t *testing.T, cfg dockertypes.PluginConfig) v1.Image {
	t.Helper()
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l1, err := plugin.Layer([]plugin.File{{Path: "/usr/bin/nfs-volume-plugin", Mode: 0o755, Body: []byte("\x7fELF")}, {Path: "/run/docker/plugins/"}}, when)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := plugin.Layer([]plugin.File{{Path: "/etc/nfs.conf", Mode: 0o644, Body: []byte("v4\n")}}, when)
	if err != nil {
		t.Fatal(err)
	}
	img, err := plugin.Build(cfg, l1, l2)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// sum returns the sha256 digest string of b.
func sum(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func TestBuildWritesWhatTheEngineInstalls(t *testing.T) {
	img := built(t, volumeConfig())
	rawManifest, _ := img.RawManifest()
	rawConfig, _ := img.RawConfigFile()
	var m struct {
		SchemaVersion int    `json:"schemaVersion"`
		MediaType     string `json:"mediaType"`
		Config        struct {
			MediaType, Digest string
			Size              int
		} `json:"config"`
		Layers []struct {
			MediaType, Digest string
			Size              int
		} `json:"layers"`
	}
	if err := json.Unmarshal(rawManifest, &m); err != nil {
		t.Fatal(err)
	}
	if m.SchemaVersion != 2 || m.MediaType != "application/vnd.docker.distribution.manifest.v2+json" {
		t.Errorf("manifest is schema %d %q, want schema 2", m.SchemaVersion, m.MediaType)
	}
	if m.Config.MediaType != "application/vnd.docker.plugin.v1+json" || m.Config.Digest != sum(rawConfig) || m.Config.Size != len(rawConfig) {
		t.Errorf("config descriptor %+v does not describe a plugin config of %s", m.Config, sum(rawConfig))
	}
	var cfg dockertypes.PluginConfig
	if err := json.Unmarshal(rawConfig, &cfg); err != nil {
		t.Fatalf("config does not decode into PluginConfig: %v", err)
	}
	layers, _ := img.Layers()
	if len(m.Layers) != 2 || len(layers) != 2 || cfg.Rootfs == nil || cfg.Rootfs.Type != "layers" || len(cfg.Rootfs.DiffIds) != 2 {
		t.Fatalf("manifest layers %d, config rootfs %+v, want 2 and 2", len(m.Layers), cfg.Rootfs)
	}
	for i, l := range layers {
		rc, _ := l.Compressed()
		blob, _ := io.ReadAll(rc)
		zr, err := gzip.NewReader(bytes.NewReader(blob))
		if err != nil {
			t.Fatalf("layer %d is not gzip: %v", i, err)
		}
		raw, _ := io.ReadAll(zr)
		if m.Layers[i].Digest != sum(blob) || m.Layers[i].Size != len(blob) || m.Layers[i].MediaType != plugin.LayerMediaType {
			t.Errorf("layer %d descriptor %+v, blob %s (%d bytes)", i, m.Layers[i], sum(blob), len(blob))
		}
		if cfg.Rootfs.DiffIds[i] != sum(raw) {
			t.Errorf("diff_ids[%d] = %s, uncompressed layer is %s", i, cfg.Rootfs.DiffIds[i], sum(raw))
		}
	}
	if diff := cmp.Diff(volumeConfig().Interface, cfg.Interface); diff != "" {
		t.Errorf("interface (-want +got):\n%s", diff)
	}
	if _, err := plugin.Verify(img); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if k := plugin.KindOf(rawManifest); k != plugin.KindPlugin {
		t.Errorf("KindOf = %q, want plugin", k)
	}
}

func TestParseRefusesWhatTheEngineWouldNot(t *testing.T) {
	img := built(t, volumeConfig())
	manifest, _ := img.RawManifest()
	config, _ := img.RawConfigFile()
	if _, err := plugin.Parse(manifest, config); err != nil {
		t.Fatalf("Parse of a good plugin: %v", err)
	}
	randomImage, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	imgManifest, _ := randomImage.RawManifest()
	imgConfig, _ := randomImage.RawConfigFile()

	// withConfig returns manifest and config with config rewritten by edit
	// and the manifest's config descriptor updated to match.
	withConfig := func(edit func(*dockertypes.PluginConfig)) ([]byte, []byte) {
		var cfg dockertypes.PluginConfig
		json.Unmarshal(config, &cfg)
		edit(&cfg)
		c, _ := json.Marshal(cfg)
		var m map[string]any
		json.Unmarshal(manifest, &m)
		m["config"].(map[string]any)["digest"] = sum(c)
		m["config"].(map[string]any)["size"] = len(c)
		mb, _ := json.Marshal(m)
		return mb, c
	}
	for _, tc := range []struct {
		name             string
		manifest, config []byte
		want             error
	}{
		{"container image", imgManifest, imgConfig, plugin.ErrNotPlugin},
		{"not json", []byte("{"), config, plugin.ErrNotPlugin},
		{"config bytes not the manifest's", manifest, append(append([]byte(nil), config...), ' '), plugin.ErrInvalid},
		{"a diff_id too few", nil, nil, plugin.ErrInvalid},
		{"no socket", nil, nil, plugin.ErrInvalid},
		{"no interface types", nil, nil, plugin.ErrInvalid},
		{"no entrypoint", nil, nil, plugin.ErrInvalid},
	} {
		switch tc.name {
		case "a diff_id too few":
			tc.manifest, tc.config = withConfig(func(c *dockertypes.PluginConfig) { c.Rootfs.DiffIds = c.Rootfs.DiffIds[:1] })
		case "no socket":
			tc.manifest, tc.config = withConfig(func(c *dockertypes.PluginConfig) { c.Interface.Socket = "" })
		case "no interface types":
			tc.manifest, tc.config = withConfig(func(c *dockertypes.PluginConfig) { c.Interface.Types = nil })
		case "no entrypoint":
			tc.manifest, tc.config = withConfig(func(c *dockertypes.PluginConfig) { c.Entrypoint = nil })
		}
		if _, err := plugin.Parse(tc.manifest, tc.config); !errors.Is(err, tc.want) {
			t.Errorf("%s: Parse error %v, want %v", tc.name, err, tc.want)
		}
	}
	if k := plugin.KindOf(imgManifest); k != plugin.KindImage {
		t.Errorf("KindOf(image) = %q, want image", k)
	}
}

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		manifest string
		want     plugin.Kind
	}{
		{`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.plugin.v1+json"}}`, plugin.KindPlugin},
		{`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json"}}`, plugin.KindImage},
		{`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json"}}`, plugin.KindImage},
		{`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"digest":"sha256:00"}]}`, plugin.KindImage},
		{`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json"}}`, plugin.KindOther},
		{`not json`, plugin.KindOther},
	} {
		if got := plugin.KindOf([]byte(tc.manifest)); got != tc.want {
			t.Errorf("KindOf(%s) = %q, want %q", tc.manifest, got, tc.want)
		}
	}
}

func TestPrivilegesAreTheEnginesPrompt(t *testing.T) {
	// The Engine's install prompt for this config, as computePrivileges
	// (moby daemon/pkg/plugin/backend_linux.go) lists it.
	want := dockertypes.PluginPrivileges{
		{Name: "network", Description: "permissions to access a network", Value: []string{"host"}},
		{Name: "mount", Description: "host path to mount", Value: []string{"/var/lib/docker/plugins/"}},
		{Name: "device", Description: "host device to access", Value: []string{"/dev/fuse"}},
		{Name: "capabilities", Description: "list of additional capabilities required", Value: []string{"CAP_SYS_ADMIN"}},
	}
	if diff := cmp.Diff(want, plugin.Privileges(volumeConfig())); diff != "" {
		t.Errorf("privileges (-want +got):\n%s", diff)
	}
	quiet := volumeConfig()
	quiet.Network.Type, quiet.Mounts, quiet.Linux = "bridge", []dockertypes.PluginMount{{Destination: "/x"}}, dockertypes.PluginConfigLinux{}
	if p := plugin.Privileges(quiet); len(p) != 0 {
		t.Errorf("a bridge-network plugin with no host mounts asks %v, want nothing", p)
	}
}

func TestInterfaces(t *testing.T) {
	cfg := volumeConfig()
	cfg.Interface.Types = append(cfg.Interface.Types, dockertypes.PluginInterfaceType{Prefix: "docker", Capability: "logdriver", Version: "1.0"},
		dockertypes.PluginInterfaceType{Prefix: "acme", Capability: "thing", Version: "2"})
	want := []plugin.Interface{
		{Type: "docker.volumedriver/1.0", Capability: "volumedriver", Name: "Volume driver", Implements: "VolumeDriver"},
		{Type: "docker.logdriver/1.0", Capability: "logdriver", Name: "Log driver", Implements: "LogDriver"},
		{Type: "acme.thing/2", Capability: "thing", Name: "thing"},
	}
	if diff := cmp.Diff(want, plugin.Interfaces(cfg)); diff != "" {
		t.Errorf("interfaces (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"VolumeDriver", "LogDriver"}, plugin.Implements(cfg)); diff != "" {
		t.Errorf("implements (-want +got):\n%s", diff)
	}
}
