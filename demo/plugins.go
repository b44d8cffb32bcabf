package demo

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	dockertypes "github.com/docker/docker/api/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth/berth/plugin"
)

// pluginSpec makes a recipe a Docker Engine managed plugin: what its
// config declares beside the recipe's entrypoint and env.
type pluginSpec struct {
	socket          string   // file name under /run/docker/plugins
	types           []string // interface types, e.g. "docker.volumedriver/1.0"
	network         string   // "host", or "" for none
	capabilities    []string
	devices         []string      // host device paths
	mounts          []pluginMount // host paths bound in
	propagatedMount string
}

// pluginMount is a host path a plugin binds in. It must exist on every
// host (the Engine refuses to enable a plugin whose mount source is
// missing).
type pluginMount struct {
	source, destination, description string
	readOnly                         bool
}

// pluginsDir is where the Engine mounts a plugin's socket directory.
const pluginsDir = "/run/docker/plugins/"

// pluginConfig returns the Engine PluginConfig of version of r.
func (r recipe) pluginConfig(version string) (dockertypes.PluginConfig, error) {
	s := r.plugin
	cfg := dockertypes.PluginConfig{
		Description:     r.description,
		Documentation:   r.source + "/blob/v" + version + "/README.md",
		Entrypoint:      r.entrypoint,
		WorkDir:         "/",
		Interface:       dockertypes.PluginConfigInterface{Socket: s.socket},
		Network:         dockertypes.PluginConfigNetwork{Type: s.network},
		Linux:           dockertypes.PluginConfigLinux{Capabilities: s.capabilities, Devices: []dockertypes.PluginDevice{}},
		Mounts:          []dockertypes.PluginMount{},
		Env:             []dockertypes.PluginEnv{},
		Args:            dockertypes.PluginConfigArgs{Name: "args", Description: "command-line arguments", Settable: []string{"value"}, Value: r.cmd},
		PropagatedMount: s.propagatedMount,
	}
	if cfg.Args.Value == nil {
		cfg.Args.Value = []string{}
	}
	for _, t := range s.types {
		var it dockertypes.PluginInterfaceType
		if err := json.Unmarshal([]byte(`"`+t+`"`), &it); err != nil {
			return cfg, fmt.Errorf("interface type %q of %s: %w", t, r.repo, err)
		}
		cfg.Interface.Types = append(cfg.Interface.Types, it)
	}
	for _, d := range s.devices {
		cfg.Linux.Devices = append(cfg.Linux.Devices, dockertypes.PluginDevice{Name: path.Base(d), Path: &d, Settable: []string{"path"}})
	}
	for _, m := range s.mounts {
		options := []string{"rbind"}
		if m.readOnly {
			options = append(options, "ro")
		}
		cfg.Mounts = append(cfg.Mounts, dockertypes.PluginMount{Name: path.Base(m.destination), Description: m.description,
			Source: &m.source, Destination: m.destination, Type: "bind", Options: options, Settable: []string{"source"}})
	}
	for _, e := range r.env {
		k, v, _ := strings.Cut(e, "=")
		cfg.Env = append(cfg.Env, dockertypes.PluginEnv{Name: k, Description: k + " (docker plugin set " + k + "=...)", Value: &v, Settable: []string{"value"}})
	}
	return cfg, nil
}

// stubBody is what the demo plugins' entrypoint answers to every call: the
// interfaces for /Plugin.Activate, and an empty, successful answer to each
// volume and log driver call (no volumes, local scope, no log reading).
func stubBody(cfg dockertypes.PluginConfig) ([]byte, error) {
	return json.Marshal(map[string]any{
		"Implements":   plugin.Implements(cfg),
		"Volumes":      []any{},
		"Capabilities": map[string]string{"Scope": "local"},
		"Cap":          map[string]bool{"ReadLogs": false},
		"Err":          "",
	})
}

// pluginImage builds version of a plugin recipe: a small root filesystem
// layer, then one with the entrypoint (the plugin.Stub executable, which
// answers the plugin protocol so that `docker plugin enable` works), the
// recipe's configuration file and the release notes.
func (r recipe) pluginImage(version string) (v1.Image, error) {
	cfg, err := r.pluginConfig(version)
	if err != nil {
		return nil, err
	}
	body, err := stubBody(cfg)
	if err != nil {
		return nil, err
	}
	exe, err := plugin.Stub(pluginsDir+r.plugin.socket, body)
	if err != nil {
		return nil, fmt.Errorf("entrypoint of %s: %w", r.repo, err)
	}
	released := r.released(version)
	base := []plugin.File{
		{Path: "/etc/passwd", Mode: 0o644, Body: text(baseUsers...)},
		{Path: "/etc/group", Mode: 0o644, Body: text(baseGroups...)},
		{Path: pluginsDir}, {Path: "/tmp/", Mode: 0o1777},
	}
	if r.plugin.propagatedMount != "" {
		base = append(base, plugin.File{Path: r.plugin.propagatedMount + "/"})
	}
	app := []plugin.File{
		{Path: r.binary, Mode: 0o755, Body: exe},
		{Path: "/usr/share/doc/" + path.Base(r.repo) + "/RELEASE", Mode: 0o644,
			Body: text(fmt.Sprintf("%s %s", r.title, version), "Released "+released.Format("2006-01-02"), r.source+"/releases/tag/v"+version)},
	}
	if r.config != "" {
		app = append(app, plugin.File{Path: r.config, Mode: 0o644, Body: text(fmt.Sprintf("# %s %s", r.title, version), r.configBody)})
	}
	var layers []v1.Layer
	for _, files := range [][]plugin.File{base, app} {
		l, err := plugin.Layer(files, released)
		if err != nil {
			return nil, fmt.Errorf("building %s:%s: %w", r.repo, version, err)
		}
		layers = append(layers, l)
	}
	return plugin.Build(cfg, layers...)
}
