package licensing

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		in      string
		want    Access
		wantErr bool
	}{
		{in: "repository:acme/db:pull", want: Access{Type: "repository", Name: "acme/db", Actions: []string{"pull"}}},
		{in: "repository:acme/db:pull,push", want: Access{Type: "repository", Name: "acme/db", Actions: []string{"pull", "push"}}},
		{in: "repository:acme/db:pull,pull,", want: Access{Type: "repository", Name: "acme/db", Actions: []string{"pull"}}},
		{in: "repository(plugin):acme/vol:pull", want: Access{Type: "repository", Class: "plugin", Name: "acme/vol", Actions: []string{"pull"}}},
		{in: "registry:catalog:*", want: Access{Type: "registry", Name: "catalog", Actions: []string{"*"}}},
		{in: "repository:a/b/c-d_e.f:pull", want: Access{Type: "repository", Name: "a/b/c-d_e.f", Actions: []string{"pull"}}},
		{in: "repository:acme/db", wantErr: true},
		{in: "repository::pull", wantErr: true},
		{in: ":acme/db:pull", wantErr: true},
		{in: "repository:acme/db:", wantErr: true},
		{in: "repository:Acme/DB:pull", wantErr: true},
		{in: "repository:acme//db:pull", wantErr: true},
		{in: "repository:../etc:pull", wantErr: true},
		{in: "", wantErr: true},
		{in: "repository(a)b):acme/db:pull", wantErr: true},
		{in: "repository(Plugin):acme/db:pull", wantErr: true},
		{in: "Repository:acme/db:pull", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseScope(tt.in)
			if tt.wantErr {
				var se *ScopeError
				if !errors.As(err, &se) {
					t.Fatalf("ParseScope(%q) = %+v, %v; want a ScopeError", tt.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseScope(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseScope(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestGrantsIntersect(t *testing.T) {
	var g Grants
	g.addRepository("netscaler/cpx", "pull")
	g.addNamespace("acme", "pull", "push")
	req := func(name string, actions ...string) Access {
		return Access{Type: "repository", Name: name, Actions: actions}
	}
	tests := []struct {
		name      string
		requested []Access
		want      []Access
	}{
		{"licensed pull", []Access{req("netscaler/cpx", "pull")}, []Access{req("netscaler/cpx", "pull")}},
		{"license never pushes", []Access{req("netscaler/cpx", "pull", "push")}, []Access{req("netscaler/cpx", "pull")}},
		{"other repository absent", []Access{req("netscaler/cpx-enterprise", "pull")}, []Access{}},
		{"namespace member pushes", []Access{req("acme/db", "push", "pull")}, []Access{req("acme/db", "push", "pull")}},
		{"namespace prefix is not a match", []Access{req("acmecorp/db", "pull")}, []Access{}},
		{"delete is never granted", []Access{req("acme/db", "*", "delete")}, []Access{}},
		{"non-repository types are denied", []Access{{Type: "registry", Name: "catalog", Actions: []string{"*"}}}, []Access{}},
		{"several scopes, mixed", []Access{req("netscaler/cpx", "pull"), req("other/x", "pull"), req("acme/db", "pull")},
			[]Access{req("netscaler/cpx", "pull"), req("acme/db", "pull")}},
		{"repeated scopes merge", []Access{req("acme/db", "pull"), req("acme/db", "push")}, []Access{req("acme/db", "pull", "push")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, g.Intersect(tt.requested)); diff != "" {
				t.Errorf("Intersect mismatch (-want +got):\n%s", diff)
			}
		})
	}
	var none Grants
	if got := none.Intersect([]Access{req("netscaler/cpx", "pull")}); len(got) != 0 {
		t.Errorf("empty grants gave %+v; want nothing (deny by default)", got)
	}
}
