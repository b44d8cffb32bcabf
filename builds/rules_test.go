package builds_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/berth/berth/builds"
	"github.com/google/go-cmp/cmp"
)

const commit = "0123456789abcdef0123456789abcdef01234567"

func rule(typ builds.RuleType, source, tag string) builds.Rule {
	return builds.Rule{Type: typ, Source: source, Dockerfile: "Dockerfile", Context: ".", Tag: tag, Autobuild: true}
}

func validConfig() builds.Config {
	return builds.Config{
		Source: builds.Source{URL: "https://git.example.com/acme/app.git", Token: "tok"},
		Rules:  []builds.Rule{rule(builds.Branch, "main", "latest")},
		Links:  []string{"library/base:1.2"},
	}
}

// TestValidateNamesEveryBadField: each bad field is reported under its own
// name, all at once, and a good configuration passes.
func TestValidateNamesEveryBadField(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*builds.Config)
		field []string
	}{
		{"ftp url", func(c *builds.Config) { c.Source.URL = "ftp://h/x" }, []string{"source.url"}},
		{"password in url", func(c *builds.Config) { c.Source.URL = "https://u:pw@h/x" }, []string{"source.url"}},
		{"ssh without key", func(c *builds.Config) { c.Source = builds.Source{URL: "ssh://git@h/x"} }, []string{"source.credentials"}},
		{"ssh with token", func(c *builds.Config) {
			c.Source = builds.Source{URL: "ssh://git@h/x", Token: "t", DeployKey: &builds.DeployKey{}}
		}, []string{"source.credentials.token"}},
		{"bad host key", func(c *builds.Config) {
			c.Source = builds.Source{URL: "ssh://git@h/x", DeployKey: &builds.DeployKey{}, HostKey: "not a key"}
		}, []string{"source.host_key"}},
		{"git with token", func(c *builds.Config) { c.Source = builds.Source{URL: "git://h/x", Token: "t"} }, []string{"source.credentials"}},
		{"no rules", func(c *builds.Config) { c.Rules = nil }, []string{"rules"}},
		{"bad type", func(c *builds.Config) { c.Rules[0].Type = "commit" }, []string{"rules.0.type"}},
		{"bad regexp", func(c *builds.Config) { c.Rules[0].Source = "/(/" }, []string{"rules.0.source"}},
		{"empty source", func(c *builds.Config) { c.Rules[0].Source = "" }, []string{"rules.0.source"}},
		{"dotdot source", func(c *builds.Config) { c.Rules[0].Source = "a..b" }, []string{"rules.0.source"}},
		{"dockerfile escapes", func(c *builds.Config) { c.Rules[0].Dockerfile = "../../etc/passwd" }, []string{"rules.0.dockerfile"}},
		{"dockerfile escapes midway", func(c *builds.Config) { c.Rules[0].Dockerfile = "a/../../b" }, []string{"rules.0.dockerfile"}},
		{"dockerfile absolute", func(c *builds.Config) { c.Rules[0].Dockerfile = "/etc/passwd" }, []string{"rules.0.dockerfile"}},
		{"dockerfile dot", func(c *builds.Config) { c.Rules[0].Dockerfile = "." }, []string{"rules.0.dockerfile"}},
		{"context escapes", func(c *builds.Config) { c.Rules[0].Context = ".." }, []string{"rules.0.context"}},
		{"context backslash", func(c *builds.Config) { c.Rules[0].Context = `..\x` }, []string{"rules.0.context"}},
		{"unknown placeholder", func(c *builds.Config) { c.Rules[0].Tag = "{branch}" }, []string{"rules.0.tag"}},
		{"commit too long", func(c *builds.Config) { c.Rules[0].Tag = "{commit:41}" }, []string{"rules.0.tag"}},
		{"bad tag chars", func(c *builds.Config) { c.Rules[0].Tag = "a b" }, []string{"rules.0.tag"}},
		{"group without regexp", func(c *builds.Config) { c.Rules[0].Tag = `{\1}` }, []string{"rules.0.source"}},
		{"group past regexp", func(c *builds.Config) { c.Rules[0].Source = "/v(.*)/"; c.Rules[0].Tag = `{\2}` }, []string{"rules.0.source"}},
		{"bad build arg", func(c *builds.Config) { c.Rules[0].BuildArgs = map[string]string{"A-B": "x"} }, []string{"rules.0.build_args.A-B"}},
		{"bad link", func(c *builds.Config) { c.Links = []string{"base"} }, []string{"links.0"}},
		{"several", func(c *builds.Config) {
			c.Rules[0].Dockerfile = "../x"
			c.Rules = append(c.Rules, rule("x", "main", "{nope}"))
			c.Links = []string{"ok/ok:1", "UPPER/x:1"}
		}, []string{"rules.0.dockerfile", "rules.1.type", "rules.1.tag", "links.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			c.Rules = append([]builds.Rule(nil), c.Rules...)
			tc.edit(&c)
			err := c.Validate()
			var fields []string
			var many builds.FieldErrors
			var one *builds.InvalidError
			switch {
			case errors.As(err, &many):
				for _, e := range many {
					fields = append(fields, e.Field)
				}
			case errors.As(err, &one):
				fields = []string{one.Field}
			default:
				t.Fatalf("Validate() = %v, want field errors", err)
			}
			if diff := cmp.Diff(tc.field, fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

// TestMatch: every matching rule builds, in order, with its template
// expanded; rules of the other ref type and non-matching names do not.
func TestMatch(t *testing.T) {
	c := builds.Config{Rules: []builds.Rule{
		rule(builds.Branch, "main", "latest"),
		rule(builds.Branch, "/.*/", "{sourceref}-{commit:7}"),
		rule(builds.Tag, `/v([0-9]+)\.([0-9]+)/`, `{\1}.{\2}`),
		rule(builds.Tag, "/.*/", "{sourceref}"),
		{Type: builds.Branch, Source: "main", Dockerfile: "d/Dockerfile", Context: "d", Tag: "manual-{commit}"},
	}}
	tags := func(bs []builds.Build) []string {
		var out []string
		for _, b := range bs {
			out = append(out, b.Tag)
		}
		return out
	}
	for _, tc := range []struct {
		ref  builds.Ref
		want []string
	}{
		{builds.Ref{Type: builds.Branch, Name: "main"}, []string{"latest", "main-0123456", "manual-" + commit}},
		{builds.Ref{Type: builds.Branch, Name: "feature/login"}, []string{"feature-login-0123456"}},
		{builds.Ref{Type: builds.Tag, Name: "v1.22"}, []string{"1.22", "v1.22"}},
		{builds.Ref{Type: builds.Tag, Name: "main"}, []string{"main"}},
		{builds.Ref{Type: builds.Tag, Name: ".hidden"}, []string{commit[:12]}},
		{builds.Ref{Type: builds.Tag, Name: strings.Repeat("x", 200)}, []string{strings.Repeat("x", 128)}},
	} {
		if diff := cmp.Diff(tc.want, tags(c.Match(tc.ref, commit))); diff != "" {
			t.Errorf("Match(%v) tags (-want +got):\n%s", tc.ref, diff)
		}
	}
	auto := c.Autobuilds(builds.Ref{Type: builds.Branch, Name: "main"}, commit)
	if diff := cmp.Diff([]string{"latest", "main-0123456"}, tags(auto)); diff != "" {
		t.Errorf("Autobuilds tags (-want +got):\n%s", diff)
	}
	last := c.Match(builds.Ref{Type: builds.Branch, Name: "main"}, commit)[2]
	if last.Rule != 4 || last.Dockerfile != "d/Dockerfile" || last.Context != "d" || last.Commit != commit {
		t.Errorf("third build = %+v, want rule 4's paths and the commit", last)
	}
}

// TestParseRef reads branch and tag refs and refuses others.
func TestParseRef(t *testing.T) {
	for full, want := range map[string]builds.Ref{
		"refs/heads/main":      {Type: builds.Branch, Name: "main"},
		"refs/heads/feature/x": {Type: builds.Branch, Name: "feature/x"},
		"refs/tags/v1":         {Type: builds.Tag, Name: "v1"},
	} {
		got, ok := builds.ParseRef(full)
		if !ok || got != want || got.Full() != full {
			t.Errorf("ParseRef(%q) = %v, %v", full, got, ok)
		}
	}
	for _, bad := range []string{"refs/pull/1/head", "main", "refs/heads/", "refs/tags/"} {
		if _, ok := builds.ParseRef(bad); ok {
			t.Errorf("ParseRef(%q) accepted", bad)
		}
	}
}

// TestSecretsNeverPrint: a token and a deploy key's private half stay out
// of every format and JSON.
func TestSecretsNeverPrint(t *testing.T) {
	key, err := builds.NewDeployKey("berth:acme/app")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key.Public, "ssh-ed25519 ") || !strings.HasSuffix(key.Public, " berth:acme/app") {
		t.Errorf("public half = %q", key.Public)
	}
	if !strings.Contains(key.Private.Reveal(), "OPENSSH PRIVATE KEY") {
		t.Errorf("private half is not an OpenSSH key")
	}
	src := builds.Source{URL: "https://h/x", Token: "tok-SECRET", DeployKey: key}
	for _, s := range []string{fmtV(src), fmtPlusV(src), fmtSharpV(src), jsonOf(t, src), logOf(src)} {
		if strings.Contains(s, "tok-SECRET") || strings.Contains(s, "PRIVATE KEY") {
			t.Errorf("a secret printed: %s", s)
		}
	}
}
