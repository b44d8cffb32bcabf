package catalog

import (
	"slices"
	"strings"
)

// Plugin is what a Docker Engine plugin's config says about it, recorded
// with each tag of a plugin: the store front shows it before purchase, as
// the Docker Store did, because the Engine asks the buyer to grant the
// privileges at install.
type Plugin struct {
	Description   string
	Documentation string // a URL
	// Interfaces are the plugin's interface types, such as
	// "docker.volumedriver/1.0".
	Interfaces []string
	// Privileges are what `docker plugin install` asks the user to grant,
	// in the Engine's order.
	Privileges []Privilege
}

// Privilege is one privilege a plugin asks for, as the Engine's
// PluginPrivilege names it: "network" (Value: the network type), "mount"
// (host paths), "device" (host devices), "capabilities" (Linux
// capabilities), "allow-all-devices", "host pid namespace", "host ipc
// namespace".
type Privilege struct {
	Name        string
	Description string
	Value       []string
}

// Capabilities returns the capabilities of p's interface types, each once
// and sorted: the keys of Explore's interface filter.
func (p *Plugin) Capabilities() []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, t := range p.Interfaces {
		out = append(out, Capability(t))
	}
	return NormalCapabilities(out)
}

// Capability returns the capability an interface type names, as
// `docker plugin ls --filter capability=` takes it: "volumedriver" for
// "docker.volumedriver/1.0". It is lower case, without the "docker."
// prefix or the version; "" for an empty type.
func Capability(interfaceType string) string {
	c, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(interfaceType)), "/")
	return strings.TrimPrefix(c, "docker.")
}

// ValidCapability reports whether c can be a capability: 1 to 40 lower-case
// letters and digits. Explore refuses other filter values.
func ValidCapability(c string) bool {
	if c == "" || len(c) > 40 {
		return false
	}
	for _, r := range c {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// NormalCapabilities returns capabilities without empty or repeated ones,
// sorted, or nil: the form both stores keep.
func NormalCapabilities(capabilities []string) []string {
	var out []string
	for _, c := range capabilities {
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}
