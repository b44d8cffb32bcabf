package builds

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Ref is a pushed branch or tag.
type Ref struct {
	Type RuleType
	Name string
}

// ParseRef reads a full Git ref ("refs/heads/main", "refs/tags/v1.2");
// ok is false for any other kind of ref.
func ParseRef(full string) (Ref, bool) {
	if name, ok := strings.CutPrefix(full, "refs/heads/"); ok && name != "" {
		return Ref{Branch, name}, true
	}
	if name, ok := strings.CutPrefix(full, "refs/tags/"); ok && name != "" {
		return Ref{Tag, name}, true
	}
	return Ref{}, false
}

// Full returns the ref's full name, as Git spells it.
func (r Ref) Full() string {
	if r.Type == Tag {
		return "refs/tags/" + r.Name
	}
	return "refs/heads/" + r.Name
}

// Build is one build a push asks for: a rule applied to a ref and commit,
// its tag template expanded.
type Build struct {
	Rule       int // index in Config.Rules
	Ref        Ref
	Commit     string
	Dockerfile string
	Context    string
	Tag        string
	BuildArgs  map[string]string
	Autobuild  bool
}

// Match returns one Build for every rule that matches ref, in rule order:
// a push matching several rules builds each one. Two rules that expand to
// the same tag both build; the later push of the tag wins, as in Docker
// Hub. commit is the full hex commit ID.
func (c Config) Match(ref Ref, commit string) []Build {
	var out []Build
	for i, r := range c.Rules {
		m, err := r.matcher()
		if err != nil || r.Type != ref.Type {
			continue
		}
		groups, ok := m(ref.Name)
		if !ok {
			continue
		}
		out = append(out, Build{
			Rule: i, Ref: ref, Commit: commit,
			Dockerfile: r.Dockerfile, Context: r.Context,
			Tag:       expand(r.Tag, ref.Name, commit, groups),
			BuildArgs: r.BuildArgs, Autobuild: r.Autobuild,
		})
	}
	return out
}

// Autobuilds is Match keeping only rules with autobuild on: what a forge
// push triggers.
func (c Config) Autobuilds(ref Ref, commit string) []Build {
	var out []Build
	for _, b := range c.Match(ref, commit) {
		if b.Autobuild {
			out = append(out, b)
		}
	}
	return out
}

// matcher returns the rule's test on a ref name, which also answers the
// regular expression's groups. A Source between slashes is a regular
// expression, anchored at both ends; anything else is an exact name.
func (r Rule) matcher() (func(string) ([]string, bool), error) {
	src := r.Source
	if len(src) >= 2 && strings.HasPrefix(src, "/") && strings.HasSuffix(src, "/") {
		re, err := regexp.Compile(`^(?:` + src[1:len(src)-1] + `)$`)
		if err != nil {
			return nil, fmt.Errorf("not a regular expression: %v", err)
		}
		if n := maxGroup(r.Tag); n > re.NumSubexp() {
			return nil, fmt.Errorf("the tag uses group {\\%d}, but the expression has %d", n, re.NumSubexp())
		}
		return func(name string) ([]string, bool) {
			m := re.FindStringSubmatch(name)
			return m, m != nil
		}, nil
	}
	if src == "" || len(src) > maxField || !refName.MatchString(src) || strings.Contains(src, "..") {
		return nil, errors.New("give a branch or tag name, or a regular expression between slashes such as /^v[0-9.]+$/")
	}
	if maxGroup(r.Tag) > 0 {
		return nil, errors.New("the tag uses a regular expression group, but the source is a plain name")
	}
	return func(name string) ([]string, bool) { return nil, name == src }, nil
}

// placeholder is one {…} in a tag template.
var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// tagChars is what a Docker tag may hold; tagGrammar is a whole tag.
var (
	tagChars   = regexp.MustCompile(`^[A-Za-z0-9_.-]*$`)
	tagGrammar = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// checkTemplate reports what is wrong with a tag template: its literal
// parts must be tag characters and each {…} one of {sourceref},
// {commit}, {commit:N} (1 ≤ N ≤ 40) or {\N} (a regular expression group).
func checkTemplate(t string) error {
	if t == "" || len(t) > 128 {
		return errors.New("give a tag of at most 128 characters, or a template such as {sourceref} or {commit:7}")
	}
	if !tagChars.MatchString(placeholder.ReplaceAllString(t, "")) {
		return errors.New("use letters, digits, '_', '.' and '-' outside {…} placeholders")
	}
	for _, p := range placeholder.FindAllString(t, -1) {
		if _, ok := parsePlaceholder(p); !ok {
			return fmt.Errorf("%s is not a placeholder: use {sourceref}, {commit}, {commit:7} or {\\1}", p)
		}
	}
	return nil
}

// parsed is one placeholder: kind is "sourceref", "commit" (n
// characters) or "group" (n its number).
type parsed struct {
	kind string
	n    int
}

// parsePlaceholder reads p, "{…}"; ok is false for an unknown one.
func parsePlaceholder(p string) (parsed, bool) {
	body := p[1 : len(p)-1]
	switch {
	case body == "sourceref":
		return parsed{"sourceref", 0}, true
	case body == "commit":
		return parsed{"commit", 40}, true
	case strings.HasPrefix(body, "commit:"):
		n, err := strconv.Atoi(body[len("commit:"):])
		return parsed{"commit", n}, err == nil && n >= 1 && n <= 40
	case strings.HasPrefix(body, `\`):
		n, err := strconv.Atoi(body[1:])
		return parsed{"group", n}, err == nil && n >= 0 && n <= 9
	}
	return parsed{}, false
}

// maxGroup is the highest {\N} a template uses.
func maxGroup(t string) int {
	top := 0
	for _, p := range placeholder.FindAllString(t, -1) {
		if v, ok := parsePlaceholder(p); ok && v.kind == "group" {
			top = max(top, v.n)
		}
	}
	return top
}

// expand fills a checked template. Characters a tag cannot hold ('/' in
// "feature/login") become '-' and the result is cut to 128 characters; a
// result that is still no tag (empty, or led by '.' or '-') falls back to
// the commit's first 12 characters.
func expand(t, ref, commit string, groups []string) string {
	out := placeholder.ReplaceAllStringFunc(t, func(p string) string {
		v, _ := parsePlaceholder(p)
		switch v.kind {
		case "sourceref":
			return ref
		case "commit":
			return commit[:min(v.n, len(commit))]
		case "group":
			if v.n < len(groups) {
				return groups[v.n]
			}
		}
		return ""
	})
	out = tagSafe(out)
	if !tagGrammar.MatchString(out) {
		return commit[:min(12, len(commit))]
	}
	return out
}

// tagSafe replaces each character a tag cannot hold with '-' and cuts s
// to 128 characters.
func tagSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	return string(b[:min(len(b), 128)])
}
