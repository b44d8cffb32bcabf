package licensing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
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

func TestParseScopes(t *testing.T) {
	repeated := make([]string, 20000)
	for i := range repeated {
		repeated[i] = "repository:acme/db:pull"
	}
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("repository:acme/db%d:pull", i)
		}
		return out
	}
	db := func(actions ...string) Access { return Access{Type: "repository", Name: "acme/db", Actions: actions} }
	tests := []struct {
		name   string
		values []string
		want   []Access
		limit  *ScopeLimitError
	}{
		{"none", nil, []Access{}, nil},
		{"20,000 copies are one scope", repeated, []Access{db("pull")}, nil},
		{"actions of one resource merge, sorted", []string{"repository:acme/db:push", "repository:acme/db:pull,push"}, []Access{db("pull", "push")}, nil},
		{"space-separated in one value, resources sorted", []string{"repository:zeta/x:pull repository:acme/db:pull", "registry:catalog:*"},
			[]Access{{Type: "registry", Name: "catalog", Actions: []string{"*"}}, db("pull"), {Type: "repository", Name: "zeta/x", Actions: []string{"pull"}}}, nil},
		{"a class is its own resource", []string{"repository(plugin):acme/db:pull", "repository:acme/db:pull"},
			[]Access{db("pull"), {Type: "repository", Class: "plugin", Name: "acme/db", Actions: []string{"pull"}}}, nil},
		{"64 distinct scopes", many(64), nil, nil},
		{"65 distinct scopes", many(65), nil, &ScopeLimitError{}},
		{"one over-long scope", []string{"repository:acme/db:" + strings.Repeat("a", MaxScopeBytes)}, nil, &ScopeLimitError{Bytes: true}},
		{"actions adding up past the byte limit", actionsPast(MaxScopeBytes), nil, &ScopeLimitError{Bytes: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseScopes(tt.values)
			if tt.limit != nil {
				var le *ScopeLimitError
				if !errors.As(err, &le) || le.Bytes != tt.limit.Bytes {
					t.Fatalf("ParseScopes = %d scopes, %v; want %#v", len(got), err, tt.limit)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseScopes: %v", err)
			}
			if tt.want == nil {
				if len(got) != len(tt.values) {
					t.Errorf("got %d scopes; want %d", len(got), len(tt.values))
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseScopes mismatch (-want +got):\n%s", diff)
			}
		})
	}
	var se *ScopeError
	if _, err := ParseScopes([]string{"repository:acme/db:pull", "repository:acme/db"}); !errors.As(err, &se) {
		t.Errorf("a malformed scope among good ones: %v; want a ScopeError", err)
	}
}

// actionsPast returns distinct scopes of one repository whose actions
// together are longer than n bytes, each scope well under it.
func actionsPast(n int) []string {
	var out []string
	for size := 0; size <= n; size += 9 {
		out = append(out, fmt.Sprintf("repository:acme/db:a%07d", len(out)))
	}
	return out
}

func TestCanonical(t *testing.T) {
	in := []Access{
		{Type: "repository", Name: "b/x", Actions: []string{"push"}},
		{Type: "repository", Name: "a/x", Actions: []string{"pull"}},
		{Type: "repository", Name: "b/x", Actions: []string{"pull", "push"}},
	}
	want := []Access{
		{Type: "repository", Name: "a/x", Actions: []string{"pull"}},
		{Type: "repository", Name: "b/x", Actions: []string{"pull", "push"}},
	}
	if diff := cmp.Diff(want, Canonical(in)); diff != "" {
		t.Errorf("Canonical mismatch (-want +got):\n%s", diff)
	}
	if got := scopeStrings(in); !slices.Equal(got, []string{"repository:a/x:pull", "repository:b/x:pull,push"}) {
		t.Errorf("audit scope strings = %q; want one per resource", got)
	}
}
