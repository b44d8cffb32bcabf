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

// TestVerifyRecomputesDiffIDs builds plugins whose config names a diff_id
// that is, or is not, its layer's, consistently in every descriptor: only
// uncompressing the layer tells them apart.
func TestVerifyRecomputesDiffIDs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		diffID func(l, other v1.Layer) v1.Hash
		want   error
	}{
		{"another layer's diff ID", func(_, other v1.Layer) v1.Hash { h, _ := other.DiffID(); return h }, ErrInvalid},
		{"another layer's blob digest", func(_, other v1.Layer) v1.Hash { h, _ := other.Digest(); return h }, ErrInvalid},
		{"its own diff ID", func(l, _ v1.Layer) v1.Hash { h, _ := l.DiffID(); return h }, nil},
		// What `docker plugin create` writes.
		{"its own blob digest", func(l, _ v1.Layer) v1.Hash { h, _ := l.Digest(); return h }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { testVerifyDiffID(t, tc.diffID, tc.want) })
	}
}

func testVerifyDiffID(t *testing.T, diffID func(l, other v1.Layer) v1.Hash, want error) {
	l, err := Layer([]File{{Path: "/bin/p", Mode: 0o755, Body: []byte("p")}}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := Layer([]File{{Path: "/bin/q", Mode: 0o755, Body: []byte("q")}}, time.Unix(0, 0))
	cfg := dockertypes.PluginConfig{Entrypoint: []string{"/bin/p"},
		Interface: dockertypes.PluginConfigInterface{Socket: "p.sock", Types: []dockertypes.PluginInterfaceType{{Prefix: "docker", Capability: "volumedriver", Version: "1.0"}}},
		Rootfs:    &dockertypes.PluginConfigRootfs{Type: "layers", DiffIds: []string{diffID(l, other).String()}}}
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
	if _, err := Verify(img); !errors.Is(err, want) || (want == nil) != (err == nil) {
		t.Errorf("Verify: %v, want %v", err, want)
	}
}
