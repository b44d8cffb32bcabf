package demo

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// artifact is what a tag points at: a v1.Image or a v1.ImageIndex.
type artifact interface {
	remote.Taggable
	Digest() (v1.Hash, error)
}

// step is one Dockerfile instruction as image history records it. A step
// without files is an empty layer (ENV, LABEL, CMD, ...); a base step was
// made by the base image's classic builder, its ADD named after its diff ID.
type step struct {
	createdBy string
	files     []file
	base      bool
}

// buildkit is the history comment BuildKit leaves on every step it runs.
const buildkit = "buildkit.dockerfile.v0"

// baseTimes are when the demo base images were built.
var baseTimes = map[distro]time.Time{
	alpine: time.Date(2024, 1, 27, 0, 30, 48, 0, time.UTC),
	debian: time.Date(2024, 2, 13, 0, 37, 10, 0, time.UTC),
}

// artifact builds what version of the recipe tags: a plugin when the recipe
// is one, a manifest list when it has platforms, each platform with layers
// of its own, else an image.
func (r recipe) artifact(version string) (artifact, error) {
	if r.plugin != nil {
		return r.pluginImage(version)
	}
	if len(r.platforms) == 0 {
		return r.image(version, v1.Platform{OS: "linux", Architecture: "amd64"})
	}
	idx := mutate.IndexMediaType(empty.Index, types.DockerManifestList)
	for _, s := range r.platforms {
		p, err := v1.ParsePlatform(s)
		if err != nil {
			return nil, fmt.Errorf("platform of %s: %w", r.repo, err)
		}
		img, err := r.image(version, *p)
		if err != nil {
			return nil, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: p}})
	}
	return idx, nil
}

// image builds the single-platform image of version.
func (r recipe) image(version string, p v1.Platform) (v1.Image, error) {
	released := r.released(version)
	var adds []mutate.Addendum
	var history []v1.History
	for _, s := range r.steps(version, p) {
		h := v1.History{Created: v1.Time{Time: released}, CreatedBy: s.createdBy, Comment: buildkit, EmptyLayer: s.files == nil}
		if s.base {
			h.Created, h.Comment = v1.Time{Time: baseTimes[r.distro]}, ""
		}
		if s.files != nil {
			l, diffID, err := newLayer(s.files, h.Created.Time)
			if err != nil {
				return nil, fmt.Errorf("building %s:%s: %w", r.repo, version, err)
			}
			if s.base {
				h.CreatedBy = baseCreated(diffID)
			}
			adds = append(adds, mutate.Addendum{Layer: l})
		}
		history = append(history, h)
	}
	img, err := mutate.Append(empty.Image, adds...)
	if err != nil {
		return nil, fmt.Errorf("building %s:%s: %w", r.repo, version, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("building %s:%s: %w", r.repo, version, err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created, cf.History, cf.Config = v1.Time{Time: released}, history, r.runConfig(version)
	return mutate.ConfigFile(img, cf)
}

// newLayer packs files into a gzip layer and returns it with its diff ID.
func newLayer(files []file, modTime time.Time) (v1.Layer, string, error) {
	cl, err := tarGzip(files, modTime)
	if err != nil {
		return nil, "", err
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(cl.gz)), nil
	})
	return l, cl.diffID, err
}

// released is the fixed build time of version, a few months apart per
// version and a few days apart per repository.
func (r recipe) released(version string) time.Time {
	i := slices.Index(r.versions, version)
	jitter := time.Duration(newRand(r.repo, "released").Uint64()%(14*24*60)) * time.Minute
	return time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC).AddDate(0, 3*i, 0).Add(jitter)
}

// steps lists the Dockerfile steps of version on p, base image first. Each
// layer's content is seeded by repository, version, platform and layer index.
func (r recipe) steps(version string, p v1.Platform) []step {
	n := 0
	seed := func() []string {
		n++
		return []string{r.repo, version, p.String(), strconv.Itoa(n - 1)}
	}
	arch := p.Architecture
	s := []step{
		{files: baseFiles(r.distro, arch, newRand(seed()...)), base: true},
		{createdBy: baseCmd(r.distro), base: true},
	}
	for _, e := range r.env {
		s = append(s, step{createdBy: "ENV " + e})
	}
	s = append(s, step{createdBy: installCommand(r.distro, r.packages), files: packageFiles(r.distro, arch, r.packages, newRand(seed()...))})
	if r.user != "" {
		s = append(s, step{createdBy: userCommand(r.distro, r.user, r.home), files: userFiles(r.distro, r.user, r.home)})
	}
	bin := regular(r.binary, 0o755, binary(newRand(seed()...), r.binaryKiB<<10))
	s = append(s, step{createdBy: fmt.Sprintf("COPY %s %s/ # buildkit", path.Base(r.binary), path.Dir(r.binary)), files: []file{bin}})
	if r.config != "" {
		body := text(fmt.Sprintf("# %s %s", r.title, version), r.configBody, reference(newRand(seed()...), 48))
		s = append(s, step{createdBy: fmt.Sprintf("COPY %s %s/ # buildkit", path.Base(r.config), path.Dir(r.config)), files: []file{regular(r.config, 0o644, body)}})
	}
	return append(s, r.metadataSteps(version)...)
}

// metadataSteps lists the empty-layer steps closing the Dockerfile.
func (r recipe) metadataSteps(version string) []step {
	s := []step{{createdBy: fmt.Sprintf("LABEL org.opencontainers.image.vendor=%q org.opencontainers.image.version=%s", r.vendor, version)}}
	if r.user != "" {
		s = append(s, step{createdBy: "USER " + r.user}, step{createdBy: "WORKDIR " + r.home})
	}
	if len(r.ports) > 0 {
		var ps []string
		for _, p := range slices.Sorted(slices.Values(r.ports)) {
			ps = append(ps, p+":{}")
		}
		s = append(s, step{createdBy: "EXPOSE map[" + strings.Join(ps, " ") + "]"})
	}
	if len(r.entrypoint) > 0 {
		s = append(s, step{createdBy: fmt.Sprintf("ENTRYPOINT %q", r.entrypoint)})
	}
	if len(r.cmd) > 0 {
		s = append(s, step{createdBy: fmt.Sprintf("CMD %q", r.cmd)})
	}
	return s
}

// runConfig returns the runtime configuration of version.
func (r recipe) runConfig(version string) v1.Config {
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	for _, e := range r.env {
		if strings.HasPrefix(e, "PATH=") {
			env = env[:0]
		}
	}
	c := v1.Config{
		Env:        append(env, r.env...),
		Entrypoint: r.entrypoint,
		Cmd:        r.cmd,
		User:       r.user,
		WorkingDir: r.home,
		Labels: map[string]string{
			"org.opencontainers.image.title":       r.title,
			"org.opencontainers.image.description": r.description,
			"org.opencontainers.image.vendor":      r.vendor,
			"org.opencontainers.image.version":     version,
			"org.opencontainers.image.source":      r.source,
			"org.opencontainers.image.licenses":    r.licenses,
			"org.opencontainers.image.created":     r.released(version).Format(time.RFC3339),
		},
	}
	if len(r.ports) > 0 {
		c.ExposedPorts = map[string]struct{}{}
		for _, p := range r.ports {
			c.ExposedPorts[p] = struct{}{}
		}
	}
	return c
}
