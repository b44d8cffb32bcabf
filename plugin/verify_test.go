package plugin

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	dockertypes "github.com/docker/docker/api/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestVerifyRecomputesDiffIDs builds a plugin whose config names a diff_id
// that is not its layer's, consistently in every descriptor, which only
// uncompressing the layer catches.
func TestVerifyRecomputesDiffIDs(t *testing.T) {
	l, err := Layer([]File{{Path: "/bin/p", Mode: 0o755, Body: []byte("p")}}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := Layer([]File{{Path: "/bin/q", Mode: 0o755, Body: []byte("q")}}, time.Unix(0, 0))
	otherDiff, _ := other.DiffID()
	cfg := dockertypes.PluginConfig{Entrypoint: []string{"/bin/p"},
		Interface: dockertypes.PluginConfigInterface{Socket: "p.sock", Types: []dockertypes.PluginInterfaceType{{Prefix: "docker", Capability: "volumedriver", Version: "1.0"}}},
		Rootfs:    &dockertypes.PluginConfigRootfs{Type: "layers", DiffIds: []string{otherDiff.String()}}}
	raw, _ := json.Marshal(cfg)
	config := static.NewLayer(raw, types.MediaType(ConfigMediaType))
	cd, _ := partial.Descriptor(config)
	ld, _ := partial.Descriptor(l)
	manifest, _ := json.Marshal(v1.Manifest{SchemaVersion: 2, MediaType: types.DockerManifestSchema2, Config: *cd, Layers: []v1.Descriptor{*ld}})
	img, err := partial.CompressedToImage(&image{config: raw, manifest: manifest, blobs: map[v1.Hash]v1.Layer{ld.Digest: l, cd.Digest: config}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(manifest, raw); err != nil {
		t.Fatalf("Parse reads no layers and should pass: %v", err)
	}
	if _, err := Verify(img); !errors.Is(err, ErrInvalid) {
		t.Errorf("Verify of a plugin whose diff_id is another layer's: %v, want ErrInvalid", err)
	}
}
