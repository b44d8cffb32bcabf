package frontend

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
)

// TestInstalls: a plugin product's install command names the viewer's
// licensed tag, else latest, else the newest recorded, with that tag's
// plugin facts; images have none.
func TestInstalls(t *testing.T) {
	volume := &catalog.Plugin{Interfaces: []string{"docker.volumedriver/1.0"}}
	older := &catalog.Plugin{Interfaces: []string{"docker.logdriver/1.0"}}
	tags := []catalog.Tag{{Name: "2.0", Plugin: volume}, {Name: "1.0", Plugin: older}} // newest first
	withLatest := append([]catalog.Tag{{Name: "latest", Plugin: older}}, tags...)
	plugin := catalog.Product{Kind: catalog.KindPlugin, Repositories: []string{"acme/v", "acme/unpushed"}}
	for _, tc := range []struct {
		name string
		v    productView
		want []pluginInstall
	}{
		{"newest without latest", productView{Product: plugin, Repos: []productRepo{{Name: "acme/v", Tags: tags}}},
			[]pluginInstall{{"acme/v", "2.0", volume}, {"acme/unpushed", "latest", nil}}},
		{"latest", productView{Product: plugin, Repos: []productRepo{{Name: "acme/v", Tags: withLatest}}},
			[]pluginInstall{{"acme/v", "latest", older}, {"acme/unpushed", "latest", nil}}},
		{"the licensed tag", productView{Product: plugin, PullTag: "1.0", Held: &heldLicense{},
			Repos: []productRepo{{Name: "acme/v", Tags: withLatest}}},
			[]pluginInstall{{"acme/v", "1.0", older}, {"acme/unpushed", "1.0", nil}}},
		{"a licensed tag this repository lacks", productView{Product: plugin, PullTag: "9.9", Held: &heldLicense{},
			Repos: []productRepo{{Name: "acme/v", Tags: tags}}},
			[]pluginInstall{{"acme/v", "9.9", nil}, {"acme/unpushed", "9.9", nil}}},
		{"an image", productView{Product: catalog.Product{Kind: catalog.KindImage, Repositories: []string{"acme/db"}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.v.Installs()); diff != "" {
				t.Errorf("Installs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPrivilegeRows groups the Engine's privileges by kind, in words.
func TestPrivilegeRows(t *testing.T) {
	p := &catalog.Plugin{Privileges: []catalog.Privilege{
		{Name: "mount", Value: []string{"/a"}}, {Name: "network", Value: []string{"host"}},
		{Name: "mount", Value: []string{"/b"}}, {Name: "something new", Value: []string{"x"}},
	}}
	want := []privilegeRow{
		{Name: "mount", Title: "Host paths mounted", Values: []string{"/a", "/b"}},
		{Name: "network", Title: "Network", Values: []string{"host"}},
		{Name: "something new", Title: "something new", Values: []string{"x"}},
	}
	if diff := cmp.Diff(want, privilegeRows(p)); diff != "" {
		t.Errorf("privilegeRows (-want +got):\n%s", diff)
	}
	if got := privilegeRows(nil); got != nil {
		t.Errorf("privilegeRows(nil) = %v", got)
	}
}
