package plugin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	dockertypes "github.com/docker/docker/api/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// manifestTypes are the manifest media types the Engine installs a plugin
// from: `docker plugin push` writes schema 2, and the Engine's fetcher also
// takes an OCI manifest.
var manifestTypes = map[types.MediaType]bool{
	types.DockerManifestSchema2: true,
	types.OCIManifestSchema1:    true,
}

// layerTypes are the rootfs layer media types the Engine applies.
var layerTypes = map[types.MediaType]bool{
	types.DockerLayer:             true,
	types.DockerUncompressedLayer: true,
	types.DockerForeignLayer:      true,
	types.OCILayer:                true,
	types.OCIUncompressedLayer:    true,
}

// Parse validates a plugin's manifest and config blob and returns the
// config. It fails with ErrNotPlugin when the manifest is not a plugin's
// (an image, an index, an artifact), and with ErrInvalid when it is one the
// Engine would not install: config bytes that do not match the manifest's
// descriptor or do not decode into PluginConfig, no entrypoint, no interface
// socket or types, a rootfs whose diff_ids do not pair with the layers.
// Parse does not read layers; Verify does.
func Parse(manifest, config []byte) (dockertypes.PluginConfig, error) {
	var cfg dockertypes.PluginConfig
	m, err := v1.ParseManifest(bytes.NewReader(manifest))
	if err != nil || m.SchemaVersion != 2 {
		return cfg, fmt.Errorf("%w: not a schema-2 manifest", ErrNotPlugin)
	}
	if string(m.Config.MediaType) != ConfigMediaType {
		return cfg, fmt.Errorf("%w: config media type is %q, want %q", ErrNotPlugin, m.Config.MediaType, ConfigMediaType)
	}
	if mt := m.MediaType; mt != "" && !manifestTypes[mt] {
		return cfg, fmt.Errorf("%w: manifest media type %q", ErrInvalid, mt)
	}
	sum := sha256.Sum256(config)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != m.Config.Digest.String() || int64(len(config)) != m.Config.Size {
		return cfg, fmt.Errorf("%w: config blob is %s (%d bytes), manifest names %s (%d bytes)", ErrInvalid, got, len(config), m.Config.Digest, m.Config.Size)
	}
	if err := json.Unmarshal(config, &cfg); err != nil {
		return cfg, fmt.Errorf("%w: config does not decode into the Engine's PluginConfig: %v", ErrInvalid, err)
	}
	if err := check(cfg, m.Layers); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// check applies the Engine's expectations of a config to its layers.
func check(cfg dockertypes.PluginConfig, layers []v1.Descriptor) error {
	switch {
	case len(cfg.Entrypoint) == 0:
		return fmt.Errorf("%w: config has no Entrypoint", ErrInvalid)
	case cfg.Interface.Socket == "" || strings.Contains(cfg.Interface.Socket, "/"):
		return fmt.Errorf("%w: Interface.Socket %q must be a file name under /run/docker/plugins", ErrInvalid, cfg.Interface.Socket)
	case len(cfg.Interface.Types) == 0:
		return fmt.Errorf("%w: config has no Interface.Types", ErrInvalid)
	case cfg.Rootfs == nil || cfg.Rootfs.Type != "layers":
		return fmt.Errorf("%w: config has no rootfs of type \"layers\"", ErrInvalid)
	case len(layers) == 0:
		return fmt.Errorf("%w: manifest has no rootfs layers", ErrInvalid)
	case len(cfg.Rootfs.DiffIds) != len(layers):
		return fmt.Errorf("%w: rootfs.diff_ids has %d entries for %d layers", ErrInvalid, len(cfg.Rootfs.DiffIds), len(layers))
	}
	for i, t := range cfg.Interface.Types {
		if t.Prefix == "" || t.Capability == "" || t.Version == "" {
			return fmt.Errorf("%w: interface type %d %q is not <prefix>.<capability>/<version>", ErrInvalid, i, t.String())
		}
	}
	for i, l := range layers {
		if !layerTypes[l.MediaType] {
			return fmt.Errorf("%w: layer %d has media type %q, not a rootfs layer", ErrInvalid, i, l.MediaType)
		}
		if _, err := v1.NewHash(cfg.Rootfs.DiffIds[i]); err != nil {
			return fmt.Errorf("%w: rootfs.diff_ids[%d]: %v", ErrInvalid, i, err)
		}
	}
	return nil
}

// Verify reads a whole plugin, as the Engine does at install, and returns
// its config: Parse's checks, then every layer's blob against its digest
// in the manifest and its uncompressed bytes against its diff_id (or, as
// `docker plugin create` writes it, its blob's digest as the diff_id). It
// recomputes every sum from the bytes, trusting no digest img reports.
func Verify(img v1.Image) (dockertypes.PluginConfig, error) {
	manifest, err := img.RawManifest()
	if err != nil {
		return dockertypes.PluginConfig{}, fmt.Errorf("reading manifest: %w", err)
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return dockertypes.PluginConfig{}, fmt.Errorf("reading config: %w", err)
	}
	cfg, err := Parse(manifest, config)
	if err != nil {
		return cfg, err
	}
	m, _ := v1.ParseManifest(bytes.NewReader(manifest)) // Parse read it
	layers, err := img.Layers()
	if err != nil {
		return cfg, fmt.Errorf("reading layers: %w", err)
	}
	if len(layers) != len(m.Layers) {
		return cfg, fmt.Errorf("%w: image has %d layers, manifest %d", ErrInvalid, len(layers), len(m.Layers))
	}
	for i, l := range layers {
		if err := verifyLayer(l, m.Layers[i], cfg.Rootfs.DiffIds[i]); err != nil {
			return cfg, fmt.Errorf("layer %d: %w", i, err)
		}
	}
	return cfg, nil
}

// verifyLayer checks one layer's compressed bytes against desc and its
// uncompressed bytes against diffID.
func verifyLayer(l v1.Layer, desc v1.Descriptor, diffID string) error {
	rc, err := l.Compressed()
	if err != nil {
		return err
	}
	blob, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return err
	}
	if got := digestOf(blob); got != desc.Digest.String() || int64(len(blob)) != desc.Size {
		return fmt.Errorf("%w: blob is %s (%d bytes), manifest names %s (%d bytes)", ErrInvalid, got, len(blob), desc.Digest, desc.Size)
	}
	if desc.Digest.String() == diffID {
		// `docker plugin create` records its gzip rootfs blob's digest as
		// the diff ID (moby CreateFromContext), and the Engine installs
		// such plugins: a diff ID naming the layer's own blob names it too.
		return nil
	}
	raw, err := uncompress(blob)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if got := digestOf(raw); got != diffID {
		return fmt.Errorf("%w: uncompressed layer is %s, rootfs.diff_ids names %s", ErrInvalid, got, diffID)
	}
	return nil
}

// digestOf returns the sha256 digest string of b.
func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
