package frontend

import (
	"slices"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/plugin"
)

// interfaceName names a capability, or an interface type, in words:
// "Volume driver" for "volumedriver" or "docker.volumedriver/1.0".
func interfaceName(capabilityOrType string) string {
	return plugin.CapabilityName(catalog.Capability(capabilityOrType))
}

// installCommand is the command that installs repo:tag as a Docker Engine
// plugin from registry host.
func installCommand(host, repo, tag string) string {
	return "docker plugin install " + host + "/" + repo + ":" + tag
}

// pluginInstall is one repository of a plugin product as its page and API
// offer it: the tag the install command names, and what that tag's config
// asks of the Engine (nil when the tag is not recorded, or holds no
// plugin).
type pluginInstall struct {
	Repository string
	Tag        string
	Plugin     *catalog.Plugin
}

// Installs returns the install of each repository of a plugin product, nil
// for an image: the tag is the viewer's licensed one (PullTag), else
// "latest", else the newest recorded.
func (v productView) Installs() []pluginInstall {
	if v.Product.Kind != catalog.KindPlugin {
		return nil
	}
	preferred := v.PullTag
	if preferred == "" {
		preferred = "latest"
	}
	var out []pluginInstall
	for _, repo := range v.Product.Repositories {
		in := pluginInstall{Repository: repo, Tag: preferred}
		i := slices.IndexFunc(v.Repos, func(r productRepo) bool { return r.Name == repo })
		if i >= 0 {
			in.Tag, in.Plugin = installTag(v.Repos[i].Tags, preferred, v.Held == nil)
		}
		out = append(out, in)
	}
	return out
}

// installTag picks from tags (newest first) the preferred one, or, if
// that is not there and newest is allowed, the newest; it returns the
// tag's name and plugin facts.
func installTag(tags []catalog.Tag, preferred string, newest bool) (string, *catalog.Plugin) {
	if i := slices.IndexFunc(tags, func(t catalog.Tag) bool { return t.Name == preferred }); i >= 0 {
		return preferred, tags[i].Plugin
	}
	if newest && len(tags) > 0 {
		return tags[0].Name, tags[0].Plugin
	}
	return preferred, nil
}

// privilegeRow is the privileges of one kind a plugin asks for, in words,
// with every value: the Engine lists each mount and device apart.
type privilegeRow struct {
	Name        string // the Engine's name: "mount"
	Title       string // in words: "Host paths mounted"
	Description string
	Values      []string
}

// privilegeTitles names the Engine's privileges in words.
var privilegeTitles = map[string]string{
	"network":            "Network",
	"mount":              "Host paths mounted",
	"device":             "Host devices",
	"capabilities":       "Linux capabilities",
	"allow-all-devices":  "Every host device",
	"host pid namespace": "Host PID namespace",
	"host ipc namespace": "Host IPC namespace",
}

// privilegeRows groups p's privileges by name, in the Engine's order.
func privilegeRows(p *catalog.Plugin) []privilegeRow {
	if p == nil {
		return nil
	}
	var out []privilegeRow
	for _, pr := range p.Privileges {
		i := slices.IndexFunc(out, func(r privilegeRow) bool { return r.Name == pr.Name })
		if i < 0 {
			title := privilegeTitles[pr.Name]
			if title == "" {
				title = pr.Name
			}
			out = append(out, privilegeRow{Name: pr.Name, Title: title, Description: pr.Description})
			i = len(out) - 1
		}
		out[i].Values = append(out[i].Values, pr.Value...)
	}
	return out
}

// interfaceJSON is a plugin interface type in the API, with its
// capability (Explore's interface filter) and its name in words.
type interfaceJSON struct {
	Type       string `json:"type,omitempty"`
	Capability string `json:"capability"`
	Name       string `json:"name"`
}

// privilegeJSON is a privilege as the Engine's PluginPrivilege has it.
type privilegeJSON struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Value       []string `json:"value"`
}

// pluginJSON is a plugin tag's facts in the API.
type pluginJSON struct {
	Install       string          `json:"install"`
	Description   string          `json:"description,omitempty"`
	Documentation string          `json:"documentation,omitempty"`
	Interfaces    []interfaceJSON `json:"interfaces"`
	Privileges    []privilegeJSON `json:"privileges"`
}

// pluginOf returns the API form of the plugin at repo:tag, nil for none.
func pluginOf(p *catalog.Plugin, host, repo, tag string) *pluginJSON {
	if p == nil {
		return nil
	}
	out := &pluginJSON{Install: installCommand(host, repo, tag), Description: p.Description,
		Documentation: p.Documentation, Interfaces: []interfaceJSON{}, Privileges: []privilegeJSON{}}
	for _, t := range p.Interfaces {
		out.Interfaces = append(out.Interfaces, interfaceJSON{Type: t, Capability: catalog.Capability(t), Name: interfaceName(t)})
	}
	for _, pr := range p.Privileges {
		out.Privileges = append(out.Privileges, privilegeJSON{Name: pr.Name, Description: pr.Description, Value: nonNil(pr.Value)})
	}
	return out
}

// capabilitiesOf returns the API form of a product's plugin capabilities.
func capabilitiesOf(capabilities []string) []interfaceJSON {
	out := make([]interfaceJSON, 0, len(capabilities))
	for _, c := range capabilities {
		out = append(out, interfaceJSON{Capability: c, Name: interfaceName(c)})
	}
	return out
}

// installJSON is one repository's install of a plugin product in the API.
type installJSON struct {
	Repository string      `json:"repository"`
	Tag        string      `json:"tag"`
	Command    string      `json:"command"`
	Plugin     *pluginJSON `json:"plugin"`
}

// installsOf returns the API form of a plugin product's installs.
func installsOf(ins []pluginInstall, host string) []installJSON {
	var out []installJSON
	for _, in := range ins {
		out = append(out, installJSON{Repository: in.Repository, Tag: in.Tag,
			Command: installCommand(host, in.Repository, in.Tag), Plugin: pluginOf(in.Plugin, host, in.Repository, in.Tag)})
	}
	return out
}
