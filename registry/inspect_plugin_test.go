package registry

import (
	"testing"
	"time"

	dockertypes "github.com/docker/docker/api/types"
	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/plugin"
)

// TestInspectPlugin records a plugin's facts from its config, and a plugin
// the Engine would not install without them.
func TestInspectPlugin(t *testing.T) {
	layer, err := plugin.Layer([]plugin.File{{Path: "/driver", Mode: 0o755, Body: []byte("driver")}}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	state := "/var/lib/state"
	valid := dockertypes.PluginConfig{
		Description: "A volume driver", Documentation: "https://example.com/docs", Entrypoint: []string{"/driver"},
		Interface: dockertypes.PluginConfigInterface{Socket: "v.sock", Types: []dockertypes.PluginInterfaceType{
			{Prefix: "docker", Capability: "volumedriver", Version: "1.0"}, {Prefix: "docker", Capability: "authz", Version: "1.0"}}},
		Network: dockertypes.PluginConfigNetwork{Type: "host"}, IpcHost: true,
		Mounts: []dockertypes.PluginMount{{Source: &state, Destination: "/state"}, {Destination: "/no-source"}},
		Linux:  dockertypes.PluginConfigLinux{Capabilities: []string{"CAP_SYS_ADMIN"}, AllowAllDevices: true},
	}
	noEntrypoint := valid
	noEntrypoint.Entrypoint = nil
	for _, tc := range []struct {
		name string
		cfg  dockertypes.PluginConfig
		want *catalog.Plugin
	}{
		{"valid", valid, &catalog.Plugin{Description: "A volume driver", Documentation: "https://example.com/docs",
			Interfaces: []string{"docker.volumedriver/1.0", "docker.authz/1.0"},
			Privileges: []catalog.Privilege{
				{Name: "network", Description: "permissions to access a network", Value: []string{"host"}},
				{Name: "host ipc namespace", Description: "allow access to host ipc namespace", Value: []string{"true"}},
				{Name: "mount", Description: "host path to mount", Value: []string{"/var/lib/state"}},
				{Name: "allow-all-devices", Description: "allow 'rwm' access to all devices", Value: []string{"true"}},
				{Name: "capabilities", Description: "list of additional capabilities required", Value: []string{"CAP_SYS_ADMIN"}},
			}}},
		{"not installable", noEntrypoint, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := plugin.Build(tc.cfg, layer)
			if err != nil {
				t.Fatal(err)
			}
			manifest, err := img.RawManifest()
			if err != nil {
				t.Fatal(err)
			}
			got, err := inspectPlugin(catalog.Tag{Repository: "acme/v", Name: "1.0", Digest: "sha256:m"}, img, manifest)
			if err != nil {
				t.Fatalf("inspectPlugin: %v", err)
			}
			if diff := cmp.Diff(tc.want, got.Plugin); diff != "" {
				t.Errorf("Plugin (-want +got):\n%s", diff)
			}
			size, _ := layer.Size()
			digest, _ := layer.Digest()
			if len(got.Platforms) != 1 || got.Platforms[0].OS != "" || len(got.Platforms[0].Layers) != 1 ||
				got.Platforms[0].Layers[0].Digest != digest.String() || got.Platforms[0].Layers[0].Size != size ||
				got.Platforms[0].Size <= size {
				t.Errorf("Platforms = %+v; want one without an OS, holding the rootfs layer (%s, %d bytes) and the config", got.Platforms, digest, size)
			}
		})
	}
}
