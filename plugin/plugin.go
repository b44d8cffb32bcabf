// Package plugin is the Docker Engine managed-plugin format as Berth stores
// and serves it: a schema-2 manifest whose config has media type
// application/vnd.docker.plugin.v1+json and holds the Engine's PluginConfig
// (interface, entrypoint, privileges, rootfs.diff_ids), and the rootfs
// layers. It builds plugins (Build), parses and validates them (Parse,
// Verify), tells a plugin manifest from an image's (Kind), and describes
// what a buyer is asked to accept (Interfaces, Privileges).
//
// The config type is the Engine's own (github.com/docker/docker/api/types
// PluginConfig), not a copy: what decodes here decodes in the Engine.
package plugin

import (
	"encoding/json"
	"errors"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ConfigMediaType is the media type of a plugin's config blob. The Engine
// refuses to install a manifest whose config has any other.
const ConfigMediaType = "application/vnd.docker.plugin.v1+json"

// ManifestMediaType is the manifest media type `docker plugin push` writes.
const ManifestMediaType = string(types.DockerManifestSchema2)

// LayerMediaType is the media type of the rootfs layers Build writes, the
// one `docker plugin push` writes.
const LayerMediaType = string(types.DockerLayer)

// Errors Parse and Verify wrap, so callers can tell "not a plugin at all"
// from "a broken plugin".
var (
	// ErrNotPlugin means the manifest is not a plugin manifest (its config
	// has another media type, or it is an index).
	ErrNotPlugin = errors.New("not a plugin manifest")
	// ErrInvalid means the manifest claims to be a plugin but its config or
	// layers are not what the Engine would install.
	ErrInvalid = errors.New("invalid plugin")
)

// Kind says what a manifest holds, for checks such as "a plugin listing
// holds plugins only".
type Kind string

// The kinds Kind tells apart.
const (
	// KindPlugin is a manifest whose config is a plugin config.
	KindPlugin Kind = "plugin"
	// KindImage is a container image manifest, or an index (a manifest list
	// of images: the Engine installs no plugin from an index).
	KindImage Kind = "image"
	// KindOther is anything else: an artifact (signature, SBOM) or bytes
	// that are not a manifest.
	KindOther Kind = "other"
)

// imageConfigTypes are the config media types of container images.
var imageConfigTypes = map[string]bool{
	string(types.DockerConfigJSON): true,
	string(types.OCIConfigJSON):    true,
}

// rawManifest is the part of a manifest or index KindOf reads.
type rawManifest struct {
	MediaType string `json:"mediaType"`
	Config    *struct {
		MediaType string `json:"mediaType"`
	} `json:"config"`
	Manifests []json.RawMessage `json:"manifests"`
}

// KindOf returns what manifest holds. It reads only media types; Parse
// validates a plugin in full.
func KindOf(manifest []byte) Kind {
	var m rawManifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		return KindOther
	}
	switch {
	case m.Config != nil && m.Config.MediaType == ConfigMediaType:
		return KindPlugin
	case m.Config != nil && imageConfigTypes[m.Config.MediaType]:
		return KindImage
	case m.Config == nil && len(m.Manifests) > 0:
		return KindImage
	}
	return KindOther
}

// IsManifest reports whether manifest is a plugin manifest: its config has
// the plugin media type.
func IsManifest(manifest []byte) bool { return KindOf(manifest) == KindPlugin }
