package licensing

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParseScope: whatever the client sends, parsing never panics, and a
// parsed scope's grant never exceeds what the grants allow for that name.
func FuzzParseScope(f *testing.F) {
	for _, s := range []string{
		"repository:acme/db:pull", "repository:acme/db:pull,push", "repository(plugin):acme/vol:pull",
		"registry:catalog:*", "repository:../etc/passwd:pull", "repository:acme/db:*", "repository:ACME/db:pull",
		"repository::pull", ":::", "repository:acme//db:pull", "repository:acme/db:pull:push",
	} {
		f.Add(s)
	}
	var g Grants
	g.addRepository("netscaler/cpx", "pull")
	g.addNamespace("acme", "pull", "push")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseScope(s)
		if err != nil {
			return
		}
		if a.Type == "repository" && (strings.Contains(a.Name, "..") || strings.HasPrefix(a.Name, "/") || strings.Contains(a.Name, "//")) {
			t.Fatalf("ParseScope(%q) accepted the name %q", s, a.Name)
		}
		for _, granted := range g.Intersect([]Access{a}) {
			allowed := g.allowed(granted.Name)
			for _, act := range granted.Actions {
				if !slices.Contains(allowed, act) || !slices.Contains(a.Actions, act) {
					t.Fatalf("scope %q granted %q on %s: neither asked and allowed", s, act, granted.Name)
				}
			}
			if granted.Type != "repository" {
				t.Fatalf("scope %q granted a %s resource", s, granted.Type)
			}
		}
	})
}
