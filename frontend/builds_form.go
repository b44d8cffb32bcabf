package frontend

import (
	"fmt"
	"html"
	"html/template"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/builds"
)

// configView is the build configuration form, field by field. Its field
// names are the configuration's own keys ("source.url",
// "rules.0.dockerfile"), so that each validation error lands beside its
// field.
type configView struct {
	Form      form
	URL       string
	HostKey   string
	HasToken  bool   // a token is saved; an empty token field keeps it
	DeployKey string // the deploy key's public half, once generated
	Rules     []ruleRow
	Links     string // one ns/repo:tag a line
	// Edited is set when the form was posted by "Add rule" or "Remove rule".
	Edited bool
}

// ruleRow is one rule's fields in the form.
type ruleRow struct {
	Index      int
	Type       string
	Source     string
	Dockerfile string
	Context    string
	Tag        string
	BuildArgs  string // NAME=value, one a line
	Autobuild  bool
}

// Number is the rule's place for people (1-based).
func (r ruleRow) Number() int { return r.Index + 1 }

// Key is the form field name of the rule's field f ("rules.0.tag").
func (r ruleRow) Key(f string) string { return "rules." + strconv.Itoa(r.Index) + "." + f }

// newRule is the rule a new configuration starts with, as Docker Hub's.
func newRule(i int) ruleRow {
	return ruleRow{Index: i, Type: string(builds.Branch), Source: "main", Dockerfile: "Dockerfile", Context: ".", Tag: "latest", Autobuild: true}
}

// configViewOf fills the form from a stored configuration.
func configViewOf(s builds.Settings) configView {
	c := s.Config
	v := configView{URL: c.Source.URL, HostKey: c.Source.HostKey, Links: strings.Join(c.Links, "\n")}
	for i, r := range c.Rules {
		args := make([]string, 0, len(r.BuildArgs))
		for k, val := range r.BuildArgs {
			args = append(args, k+"="+val)
		}
		sort.Strings(args)
		v.Rules = append(v.Rules, ruleRow{Index: i, Type: string(r.Type), Source: r.Source, Dockerfile: r.Dockerfile,
			Context: r.Context, Tag: r.Tag, BuildArgs: strings.Join(args, "\n"), Autobuild: r.Autobuild})
	}
	if len(v.Rules) == 0 {
		v.Rules = []ruleRow{newRule(0)}
	}
	return v
}

// maxFormRules bounds the rows a posted form may ask for.
const maxFormRules = 50

var ruleKey = regexp.MustCompile(`^rules\.(\d{1,2})\.`)

// readConfigForm reads the posted form, applying "Add rule" or "Remove
// rule" when one of them was pressed.
func readConfigForm(c *fiber.Ctx) configView {
	v := configView{URL: strings.TrimSpace(c.FormValue("source.url")), HostKey: strings.TrimSpace(c.FormValue("source.host_key")),
		Links: c.FormValue("links")}
	seen := map[int]bool{}
	c.Request().PostArgs().VisitAll(func(k, _ []byte) {
		if m := ruleKey.FindStringSubmatch(string(k)); m != nil {
			if i, err := strconv.Atoi(m[1]); err == nil && i < maxFormRules {
				seen[i] = true
			}
		}
	})
	indexes := make([]int, 0, len(seen))
	for i := range seen {
		indexes = append(indexes, i)
	}
	sort.Ints(indexes)
	remove, removing := -1, c.FormValue("remove_rule") != ""
	if removing {
		remove, _ = strconv.Atoi(c.FormValue("remove_rule"))
	}
	for _, i := range indexes {
		if i == remove {
			continue
		}
		key := func(f string) string { return fmt.Sprintf("rules.%d.%s", i, f) }
		v.Rules = append(v.Rules, ruleRow{Index: len(v.Rules), Type: c.FormValue(key("type")), Source: strings.TrimSpace(c.FormValue(key("source"))),
			Dockerfile: strings.TrimSpace(c.FormValue(key("dockerfile"))), Context: strings.TrimSpace(c.FormValue(key("context"))),
			Tag: strings.TrimSpace(c.FormValue(key("tag"))), BuildArgs: c.FormValue(key("build_args")), Autobuild: c.FormValue(key("autobuild")) != ""})
	}
	if c.FormValue("add_rule") != "" && len(v.Rules) < maxFormRules {
		v.Rules = append(v.Rules, newRule(len(v.Rules)))
	}
	v.Edited = removing || c.FormValue("add_rule") != ""
	return v
}

// config is the configuration the form describes. The token field is
// write-only: empty keeps the saved token, and the service keeps the
// deploy key it generated, so that the form never carries either.
func (v configView) config(token string) builds.Config {
	c := builds.Config{Source: builds.Source{URL: v.URL, HostKey: v.HostKey, Token: builds.Secret(token)}, Links: lines(v.Links)}
	for _, r := range v.Rules {
		c.Rules = append(c.Rules, builds.Rule{Type: builds.RuleType(r.Type), Source: r.Source, Dockerfile: r.Dockerfile,
			Context: r.Context, Tag: r.Tag, BuildArgs: buildArgs(r.BuildArgs), Autobuild: r.Autobuild})
	}
	return c
}

// lines splits a textarea into its non-empty trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// buildArgs reads NAME=value lines; a line without "=" is a name with an
// empty value, which validation checks like any other.
func buildArgs(s string) map[string]string {
	out := map[string]string{}
	for _, l := range lines(s) {
		k, v, _ := strings.Cut(l, "=")
		out[strings.TrimSpace(k)] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// configErrors folds errors about one build argument or one link onto
// their textarea, which is where the form shows them.
func configErrors(f form) form {
	errs := map[string]string{}
	for k, msg := range f.Errors {
		switch {
		case strings.HasPrefix(k, "links."):
			k = "links"
		case strings.Contains(k, ".build_args."):
			k = k[:strings.Index(k, ".build_args.")+len(".build_args")]
		}
		if prev, ok := errs[k]; ok && prev != msg {
			msg = prev + "; " + msg
		}
		errs[k] = msg
	}
	f.Errors = errs
	f.IDPrefix = "config-"
	return f
}

// fieldAttrsHint is fieldAttrs for a field that has a hint beside it
// (template func fieldAttrsHint): the field is described by its error when
// it has one, else by the hint, so that it never carries two
// aria-describedby attributes.
func fieldAttrsHint(f form, key, hintID string) template.HTMLAttr {
	if a := fieldAttrs(f, key); a != "" {
		return a
	}
	return template.HTMLAttr(`aria-describedby="` + html.EscapeString(hintID) + `"`)
}
