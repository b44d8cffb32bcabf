package plugin

import (
	dockertypes "github.com/docker/docker/api/types"
)

// Interface is one interface type a plugin implements, as a store front
// shows and filters it.
type Interface struct {
	// Type is the type as the config spells it: "docker.volumedriver/1.0".
	Type string `json:"type"`
	// Capability is the stable key to filter on: "volumedriver".
	Capability string `json:"capability"`
	// Name is what a person reads: "Volume driver".
	Name string `json:"name"`
	// Implements is what the plugin answers to /Plugin.Activate for it:
	// "VolumeDriver". Empty for a capability the Engine does not know.
	Implements string `json:"implements,omitempty"`
}

// capability describes one interface capability the Engine knows.
type capability struct{ name, implements string }

// capabilities are the Engine's plugin interface capabilities (prefix
// "docker"), by key.
var capabilities = map[string]capability{
	"volumedriver":     {"Volume driver", "VolumeDriver"},
	"logdriver":        {"Log driver", "LogDriver"},
	"networkdriver":    {"Network driver", "NetworkDriver"},
	"ipamdriver":       {"IPAM driver", "IpamDriver"},
	"authz":            {"Authorization", "authz"},
	"metricscollector": {"Metrics collector", "MetricsCollector"},
	"csicontroller":    {"CSI controller", ""},
	"csinode":          {"CSI node", ""},
}

// Capabilities returns the capability keys Interfaces knows by name, for a
// filter's choices: "authz", "csicontroller", ... in a fixed order.
func Capabilities() []string {
	return []string{"volumedriver", "logdriver", "networkdriver", "ipamdriver", "authz", "metricscollector", "csicontroller", "csinode"}
}

// CapabilityName returns the human name of a capability key ("Volume
// driver"), or the key itself when the Engine does not know it.
func CapabilityName(key string) string {
	if c, ok := capabilities[key]; ok {
		return c.name
	}
	return key
}

// Interfaces returns the interface types cfg declares, in config order.
func Interfaces(cfg dockertypes.PluginConfig) []Interface {
	out := make([]Interface, 0, len(cfg.Interface.Types))
	for _, t := range cfg.Interface.Types {
		i := Interface{Type: t.String(), Capability: t.Capability, Name: t.Capability}
		if c, ok := capabilities[t.Capability]; ok && t.Prefix == "docker" {
			i.Name, i.Implements = c.name, c.implements
		}
		out = append(out, i)
	}
	return out
}

// Implements returns what the plugin answers to /Plugin.Activate: the
// Implements name of each interface type the Engine knows.
func Implements(cfg dockertypes.PluginConfig) []string {
	var out []string
	for _, i := range Interfaces(cfg) {
		if i.Implements != "" {
			out = append(out, i.Implements)
		}
	}
	return out
}

// Privileges returns the privileges the Engine asks a user to grant when
// installing cfg's plugin, in the Engine's order, with its names and
// descriptions: the same rule as computePrivileges in the Engine's plugin
// manager (moby daemon/pkg/plugin/backend_linux.go), so that what the store
// shows before purchase is what `docker plugin install` prompts.
func Privileges(cfg dockertypes.PluginConfig) dockertypes.PluginPrivileges {
	var p dockertypes.PluginPrivileges
	add := func(name, desc string, value ...string) {
		p = append(p, dockertypes.PluginPrivilege{Name: name, Description: desc, Value: value})
	}
	if t := cfg.Network.Type; t != "null" && t != "bridge" && t != "" {
		add("network", "permissions to access a network", t)
	}
	if cfg.IpcHost {
		add("host ipc namespace", "allow access to host ipc namespace", "true")
	}
	if cfg.PidHost {
		add("host pid namespace", "allow access to host pid namespace", "true")
	}
	for _, m := range cfg.Mounts {
		if m.Source != nil {
			add("mount", "host path to mount", *m.Source)
		}
	}
	for _, d := range cfg.Linux.Devices {
		if d.Path != nil {
			add("device", "host device to access", *d.Path)
		}
	}
	if cfg.Linux.AllowAllDevices {
		add("allow-all-devices", "allow 'rwm' access to all devices", "true")
	}
	if len(cfg.Linux.Capabilities) > 0 {
		add("capabilities", "list of additional capabilities required", cfg.Linux.Capabilities...)
	}
	return p
}
