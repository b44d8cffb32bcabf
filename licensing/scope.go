package licensing

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Access is one resource and the actions granted on it, the element of a
// registry token's "access" claim.
type Access struct {
	Type    string   `json:"type"`
	Class   string   `json:"class,omitempty"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// ScopeError reports a scope parameter that is not of the form the
// distribution token specification defines.
type ScopeError struct {
	Scope  string
	Reason string
}

func (e *ScopeError) Error() string { return fmt.Sprintf("invalid scope %q: %s", e.Scope, e.Reason) }

// repositoryName is the distribution reference grammar for a path (no host).
var repositoryName = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)

// word is the grammar of a scope's resource type and class.
var word = regexp.MustCompile(`^[a-z0-9]+$`)

// ParseScope parses "type[(class)]:name:action[,action...]". The name may
// itself contain colons, so the type ends at the first colon and the actions
// start after the last.
func ParseScope(s string) (Access, error) {
	first, last := strings.Index(s, ":"), strings.LastIndex(s, ":")
	if first < 0 || first == last {
		return Access{}, &ScopeError{Scope: s, Reason: "want type:name:actions"}
	}
	a := Access{Type: s[:first], Name: s[first+1 : last]}
	if open := strings.Index(a.Type, "("); open >= 0 && strings.HasSuffix(a.Type, ")") {
		a.Type, a.Class = a.Type[:open], a.Type[open+1:len(a.Type)-1]
	}
	if !word.MatchString(a.Type) || (a.Class != "" && !word.MatchString(a.Class)) {
		return Access{}, &ScopeError{Scope: s, Reason: "type and class must be lower-case words"}
	}
	if a.Name == "" {
		return Access{}, &ScopeError{Scope: s, Reason: "name must not be empty"}
	}
	if a.Type == "repository" && (len(a.Name) > 255 || !repositoryName.MatchString(a.Name)) {
		return Access{}, &ScopeError{Scope: s, Reason: "not a valid repository name"}
	}
	for _, act := range strings.Split(s[last+1:], ",") {
		if act = strings.TrimSpace(act); act != "" && !slices.Contains(a.Actions, act) {
			a.Actions = append(a.Actions, act)
		}
	}
	if len(a.Actions) == 0 {
		return Access{}, &ScopeError{Scope: s, Reason: "no actions"}
	}
	return a, nil
}

// Grants is what a credential entitles: actions per repository, and actions
// on every repository under a namespace ("acme" covers "acme/db").
type Grants struct {
	Repositories map[string][]string
	Namespaces   map[string][]string
}

func (g *Grants) addRepository(repo string, actions ...string) {
	if g.Repositories == nil {
		g.Repositories = map[string][]string{}
	}
	g.Repositories[repo] = union(g.Repositories[repo], actions)
}

func (g *Grants) addNamespace(ns string, actions ...string) {
	if g.Namespaces == nil {
		g.Namespaces = map[string][]string{}
	}
	g.Namespaces[ns] = union(g.Namespaces[ns], actions)
}

// allowed returns the actions g grants on repo: its own, its first path
// component's ("acme" for acme/db) and its first two's ("staging/acme" for
// staging/acme/db), never a grant on a name that is only a prefix.
func (g Grants) allowed(repo string) []string {
	actions := g.Repositories[repo]
	parts := strings.Split(repo, "/")
	if len(parts) > 1 {
		actions = union(actions, g.Namespaces[parts[0]])
	}
	if len(parts) > 2 {
		actions = union(actions, g.Namespaces[parts[0]+"/"+parts[1]])
	}
	return actions
}

// Intersect returns, for each requested access, the actions g grants; a
// request granted nothing is left out (deny by default).
func (g Grants) Intersect(requested []Access) []Access {
	out := []Access{}
	for _, req := range requested {
		if req.Type != "repository" {
			continue
		}
		allowed := g.allowed(req.Name)
		var granted []string
		for _, act := range req.Actions {
			if slices.Contains(allowed, act) {
				granted = append(granted, act)
			}
		}
		if len(granted) > 0 {
			out = merge(out, Access{Type: req.Type, Class: req.Class, Name: req.Name, Actions: granted})
		}
	}
	return out
}

// merge adds a to list, joining the actions of an entry for the same resource.
func merge(list []Access, a Access) []Access {
	for i := range list {
		if list[i].Type == a.Type && list[i].Class == a.Class && list[i].Name == a.Name {
			list[i].Actions = union(list[i].Actions, a.Actions)
			return list
		}
	}
	return append(list, a)
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
