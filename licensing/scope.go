package licensing

import (
	"cmp"
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
	seen := map[string]bool{}
	for _, act := range strings.Split(s[last+1:], ",") {
		if act = strings.TrimSpace(act); act != "" && !seen[act] {
			seen[act] = true
			a.Actions = append(a.Actions, act)
		}
	}
	if len(a.Actions) == 0 {
		return Access{}, &ScopeError{Scope: s, Reason: "no actions"}
	}
	return a, nil
}

// Limits on what one token request may name. A registry client asks for a
// handful of scopes (docker: the repository of a pull or push and the
// sources of its mounts); the limits leave room for many times that and
// refuse a request built to make the token, and its audit record, large.
const (
	// MaxScopes caps the distinct resources one request names.
	MaxScopes = 64
	// MaxScopeBytes caps the scope text of one request, counted on its
	// canonical set (see ParseScopes), and the length of any one scope.
	MaxScopeBytes = 16 << 10
)

// ScopeLimitError reports a token request naming more than MaxScopes
// resources or more than MaxScopeBytes of scope text.
type ScopeLimitError struct {
	Bytes bool // the text limit, not the count limit
}

func (e *ScopeLimitError) Error() string {
	if e.Bytes {
		return fmt.Sprintf("the scopes of this request are longer than %d bytes, the most one token request may name; ask for fewer repositories or actions per token", MaxScopeBytes)
	}
	return fmt.Sprintf("this request names more than %d distinct scopes, the most one token request may name; ask for fewer repositories per token", MaxScopes)
}

// ParseScopes parses the scope parameters of one token request (each value
// may hold several scopes separated by spaces, as OAuth2 writes them) into
// their canonical set: one Access per resource (type, class and name) with
// the union of the actions asked for it, sorted, and the resources sorted.
// Repeating a scope changes nothing, so neither the token nor its audit
// record grows with repetition. A malformed scope is a ScopeError; more
// than MaxScopes resources or MaxScopeBytes of canonical text (or any one
// scope longer than that) a ScopeLimitError.
func ParseScopes(values []string) ([]Access, error) {
	seen := map[string]bool{}
	set := scopeSet{limited: true, index: map[resource]int{}}
	for _, v := range values {
		for _, s := range strings.Fields(v) {
			if seen[s] {
				continue
			}
			seen[s] = true
			if len(s) > MaxScopeBytes {
				return nil, &ScopeLimitError{Bytes: true}
			}
			a, err := ParseScope(s)
			if err != nil {
				return nil, err
			}
			if err := set.add(a); err != nil {
				return nil, err
			}
		}
	}
	return set.canonical(), nil
}

// Canonical returns the canonical set of access (see ParseScopes), without
// limits: for records of what was asked or granted.
func Canonical(access []Access) []Access {
	set := scopeSet{index: map[resource]int{}}
	for _, a := range access {
		_ = set.add(a) // unlimited: add cannot fail
	}
	return set.canonical()
}

// resource identifies what a scope names.
type resource struct{ typ, class, name string }

// scopeSet merges scopes by resource, counting the canonical text as it
// grows so that a request can be refused before it is all merged.
type scopeSet struct {
	limited bool
	index   map[resource]int
	list    []Access
	actions []map[string]bool
	bytes   int
}

func (s *scopeSet) add(a Access) error {
	key := resource{a.Type, a.Class, a.Name}
	i, ok := s.index[key]
	if !ok {
		i = len(s.list)
		s.index[key] = i
		s.list = append(s.list, Access{Type: a.Type, Class: a.Class, Name: a.Name})
		s.actions = append(s.actions, map[string]bool{})
		// "type(class):name:"; each action adds itself and the comma
		// (or, after the last, the space) that follows it.
		s.bytes += len(a.Type) + len(a.Name) + 2
		if a.Class != "" {
			s.bytes += len(a.Class) + 2
		}
	}
	for _, act := range a.Actions {
		if !s.actions[i][act] {
			s.actions[i][act] = true
			s.bytes += len(act) + 1
		}
	}
	switch {
	case !s.limited:
	case len(s.list) > MaxScopes:
		return &ScopeLimitError{}
	case s.bytes > MaxScopeBytes:
		return &ScopeLimitError{Bytes: true}
	}
	return nil
}

// canonical returns the merged scopes, actions and resources sorted.
func (s *scopeSet) canonical() []Access {
	out := make([]Access, len(s.list))
	for i, a := range s.list {
		a.Actions = make([]string, 0, len(s.actions[i]))
		for act := range s.actions[i] {
			a.Actions = append(a.Actions, act)
		}
		slices.Sort(a.Actions)
		out[i] = a
	}
	slices.SortFunc(out, func(a, b Access) int {
		return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.Class, b.Class), strings.Compare(a.Name, b.Name))
	})
	return out
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

// ClassPlugin is the resource class Docker asks for plugins with: the
// Engine's `docker plugin install` and `push` request the scope
// "repository(plugin):<name>:pull[,push]".
const ClassPlugin = "plugin"

// isRepository reports whether a names a registry repository the token
// server decides on: the plain "repository" type, or its "plugin" class,
// which names the same repository and is granted by the same rules. Any
// other type or class is granted nothing (deny by default).
func isRepository(a Access) bool {
	return a.Type == "repository" && (a.Class == "" || a.Class == ClassPlugin)
}

// Intersect returns, for each requested access, the actions g grants; a
// request granted nothing is left out (deny by default). A granted access
// keeps the class it was asked with.
func (g Grants) Intersect(requested []Access) []Access {
	out := []Access{}
	for _, req := range requested {
		if !isRepository(req) {
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
