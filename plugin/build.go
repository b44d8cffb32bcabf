package plugin

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	dockertypes "github.com/docker/docker/api/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Build returns the plugin image of cfg over layers: a schema-2 manifest
// whose config is cfg with rootfs set to the layers' diff IDs (whatever
// cfg.Rootfs held is replaced). Push it with go-containerregistry's remote
// like any image; the Engine installs it.
func Build(cfg dockertypes.PluginConfig, layers ...v1.Layer) (v1.Image, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("%w: a plugin needs at least one rootfs layer", ErrInvalid)
	}
	rootfs := &dockertypes.PluginConfigRootfs{Type: "layers"}
	descs := make([]v1.Descriptor, len(layers))
	byDigest := map[v1.Hash]v1.Layer{}
	for i, l := range layers {
		diffID, err := l.DiffID()
		if err != nil {
			return nil, fmt.Errorf("diff ID of layer %d: %w", i, err)
		}
		d, err := partial.Descriptor(l)
		if err != nil {
			return nil, fmt.Errorf("descriptor of layer %d: %w", i, err)
		}
		rootfs.DiffIds = append(rootfs.DiffIds, diffID.String())
		descs[i], byDigest[d.Digest] = *d, l
	}
	cfg.Rootfs = rootfs
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding plugin config: %w", err)
	}
	config := static.NewLayer(raw, types.MediaType(ConfigMediaType))
	cd, err := partial.Descriptor(config)
	if err != nil {
		return nil, err
	}
	manifest, err := json.Marshal(v1.Manifest{SchemaVersion: 2, MediaType: types.DockerManifestSchema2, Config: *cd, Layers: descs})
	if err != nil {
		return nil, fmt.Errorf("encoding plugin manifest: %w", err)
	}
	byDigest[cd.Digest] = config
	return partial.CompressedToImage(&image{config: raw, manifest: manifest, blobs: byDigest})
}

// image is the compressed core of a built plugin.
type image struct {
	config, manifest []byte
	blobs            map[v1.Hash]v1.Layer
}

func (i *image) RawConfigFile() ([]byte, error)      { return i.config, nil }
func (i *image) RawManifest() ([]byte, error)        { return i.manifest, nil }
func (i *image) MediaType() (types.MediaType, error) { return types.DockerManifestSchema2, nil }

func (i *image) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if l, ok := i.blobs[h]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("plugin has no blob %s", h)
}

// File is one entry of a rootfs layer Layer writes.
type File struct {
	Path string // absolute, e.g. "/usr/bin/driver"
	Mode int64  // permission bits; a Path ending in "/" is a directory
	Body []byte
}

// Layer returns a gzip rootfs layer holding files, with their parent
// directories, owned by root and dated at modified. The same files give the
// same layer, byte for byte.
func Layer(files []File, modified time.Time) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	written := map[string]bool{}
	writeDir := func(name string, mode int64) error {
		if written[name] {
			return nil
		}
		written[name] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: modified, Format: tar.FormatPAX})
	}
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a].Path < sorted[b].Path })
	for _, f := range sorted {
		name := strings.Trim(path.Clean(f.Path), "/")
		if !path.IsAbs(f.Path) || name == "" {
			return nil, fmt.Errorf("layer file %q: path must be absolute", f.Path)
		}
		parts := strings.Split(name, "/")
		last := len(parts)
		if !strings.HasSuffix(f.Path, "/") {
			last--
		}
		for j := 1; j <= last; j++ {
			mode := int64(0o755)
			if j == len(parts) && f.Mode != 0 {
				mode = f.Mode
			}
			if err := writeDir(strings.Join(parts[:j], "/"), mode); err != nil {
				return nil, err
			}
		}
		if strings.HasSuffix(f.Path, "/") {
			continue
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: f.Mode, Size: int64(len(f.Body)), ModTime: modified, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.Body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil },
		tarball.WithMediaType(types.DockerLayer))
}
