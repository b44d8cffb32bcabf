package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/plugin"
)

// ErrManifestUnknown means the registry holds no manifest at the
// reference asked for (deleted since it was pushed, or never there).
var ErrManifestUnknown = errors.New("manifest unknown")

// Inspect reads the manifest digest of repo (repo:tag when digest is
// empty) from the registry, as the catalog records it under tag: for a
// single image, or for each platform of an index, the layers with their
// sizes and the build steps that made them (the config's history, empty
// layers skipped), the total compressed size, created time and labels.
//
// A Docker Engine plugin has no platform: its one "platform" holds its
// rootfs layers, and Plugin what its config asks of the Engine.
//
// A push notification names the pushed digest: read by it, for the
// registry notifies before it links the tag.
func (c *Client) Inspect(ctx context.Context, repo, tag, digest string) (catalog.Tag, error) {
	r, opts, err := c.auth(ctx, repo, "pull")
	if err != nil {
		return catalog.Tag{}, err
	}
	ref, at := name.Reference(r.Tag(tag)), repo+":"+tag
	if digest != "" {
		ref, at = r.Digest(digest), repo+"@"+digest
	}
	desc, err := remote.Get(ref, opts...)
	if isNotFound(err) {
		return catalog.Tag{}, fmt.Errorf("reading %s: %w", at, ErrManifestUnknown)
	} else if err != nil {
		return catalog.Tag{}, fmt.Errorf("reading %s: %w", at, err)
	}
	t := catalog.Tag{Repository: repo, Name: tag, Digest: desc.Digest.String(), MediaType: string(desc.MediaType)}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return t, err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return t, err
		}
		for _, m := range im.Manifests {
			if !m.MediaType.IsImage() || isAttestation(m) {
				continue
			}
			img, err := idx.Image(m.Digest)
			if err != nil {
				return t, fmt.Errorf("reading %s of %s:%s: %w", m.Digest, repo, tag, err)
			}
			p, err := platformOf(img, m.Digest.String())
			if err != nil {
				return t, err
			}
			if m.Platform != nil && p.OS == "" {
				p.OS, p.Architecture, p.Variant = m.Platform.OS, m.Platform.Architecture, m.Platform.Variant
			}
			t.Platforms = append(t.Platforms, p)
		}
		return t, nil
	}
	img, err := desc.Image()
	if err != nil {
		return t, err
	}
	if plugin.IsManifest(desc.Manifest) {
		return inspectPlugin(t, img, desc.Manifest)
	}
	p, err := platformOf(img, t.Digest)
	if err != nil {
		return t, err
	}
	t.Platforms = []catalog.Platform{p}
	return t, nil
}

// isAttestation reports an index entry that is a build attestation (buildx
// adds them with platform unknown/unknown), not a runnable image.
func isAttestation(d v1.Descriptor) bool {
	return d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" ||
		(d.Platform != nil && d.Platform.OS == "unknown")
}

// platformOf describes one image.
func platformOf(img v1.Image, digest string) (catalog.Platform, error) {
	m, err := img.Manifest()
	if err != nil {
		return catalog.Platform{}, fmt.Errorf("reading manifest %s: %w", digest, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return catalog.Platform{}, fmt.Errorf("reading the config of %s: %w", digest, err)
	}
	p := catalog.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant, Digest: digest,
		Created: cfg.Created.UTC(), Labels: cfg.Config.Labels, Size: m.Config.Size}
	// History entries line up with layers once the empty ones are skipped.
	var steps []string
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			steps = append(steps, command(h.CreatedBy))
		}
	}
	for i, l := range m.Layers {
		layer := catalog.Layer{Digest: l.Digest.String(), MediaType: string(l.MediaType), Size: l.Size}
		if i < len(steps) {
			layer.Command = steps[i]
		}
		p.Layers = append(p.Layers, layer)
		p.Size += l.Size
	}
	return p, nil
}

// command tidies a history entry: Docker's "/bin/sh -c #(nop) " prefix of
// metadata steps and the "|1 ARG=… /bin/sh -c" of build arguments go.
func command(createdBy string) string {
	c := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(createdBy), "# buildkit"))
	if rest, ok := strings.CutPrefix(c, "RUN /bin/sh -c "); ok {
		return "RUN " + strings.TrimSpace(rest)
	}
	if i := strings.Index(c, "#(nop) "); i >= 0 {
		return strings.TrimSpace(c[i+len("#(nop) "):])
	}
	if strings.HasPrefix(c, "|") {
		if i := strings.Index(c, "/bin/sh -c "); i >= 0 {
			return "RUN " + strings.TrimSpace(c[i+len("/bin/sh -c "):])
		}
	}
	if rest, ok := strings.CutPrefix(c, "/bin/sh -c "); ok {
		return "RUN " + strings.TrimSpace(rest)
	}
	return c
}

// inspectPlugin records a Docker Engine plugin's tag t: its rootfs layers
// as the one platform (a plugin config names no OS or architecture, and
// no build steps), and, from the config, its interface types and the
// privileges `docker plugin install` asks for. A config the Engine would
// not install is recorded without them: the tag exists, but offers
// nothing to show.
func inspectPlugin(t catalog.Tag, img v1.Image, manifest []byte) (catalog.Tag, error) {
	m, err := img.Manifest()
	if err != nil {
		return t, fmt.Errorf("reading manifest %s: %w", t.Digest, err)
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return t, fmt.Errorf("reading the config of %s: %w", t.Digest, err)
	}
	p := catalog.Platform{Digest: t.Digest, Size: m.Config.Size}
	for _, l := range m.Layers {
		p.Layers = append(p.Layers, catalog.Layer{Digest: l.Digest.String(), MediaType: string(l.MediaType), Size: l.Size})
		p.Size += l.Size
	}
	t.Platforms = []catalog.Platform{p}
	cfg, err := plugin.Parse(manifest, config)
	if err != nil {
		return t, nil
	}
	t.Plugin = &catalog.Plugin{Description: cfg.Description, Documentation: cfg.Documentation}
	for _, i := range plugin.Interfaces(cfg) {
		t.Plugin.Interfaces = append(t.Plugin.Interfaces, i.Type)
	}
	for _, pr := range plugin.Privileges(cfg) {
		t.Plugin.Privileges = append(t.Plugin.Privileges, catalog.Privilege{Name: pr.Name, Description: pr.Description, Value: pr.Value})
	}
	return t, nil
}
