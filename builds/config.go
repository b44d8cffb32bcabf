// Package builds turns Git pushes into images: a repository's build
// configuration (its Git source, build rules and repository links), forge
// push webhooks, shallow clones at the exact commit, and the builder that
// runs the Dockerfile and pushes the result.
package builds

import (
	"log/slog"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Secret is a credential Berth holds for a user: a forge token or a
// deploy key's private half. Stores keep it sealed (internal/kek), and it
// never prints: String, GoString, LogValue and MarshalJSON all redact it.
// Reveal is the one way to read it, for the clone that needs it.
type Secret string

const redacted = "[redacted]"

func (s Secret) String() string { return redacted }

// GoString redacts s under %#v too.
func (s Secret) GoString() string { return redacted }

// LogValue redacts s in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON redacts s in any JSON answer.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// Source is where a repository's code comes from: an https URL with an
// optional token, an ssh URL authenticated by the deploy key Berth
// generated for it, or a git:// URL.
type Source struct {
	URL string
	// Token authenticates https fetches (a forge access token).
	Token Secret
	// DeployKey authenticates ssh fetches; see NewDeployKey.
	DeployKey *DeployKey
	// HostKey pins an ssh server's public key (authorized_keys format).
	// Empty accepts whatever key the server shows.
	HostKey string
}

// RuleType says which refs a rule matches.
type RuleType string

// The kinds of ref a rule can match.
const (
	Branch RuleType = "branch"
	Tag    RuleType = "tag"
)

// Rule turns a pushed ref into a build: which refs (Source is a name, or a
// regular expression between slashes: "/^release-.*$/"), which Dockerfile
// and context, which image tag (a literal or a template, see Expand).
type Rule struct {
	Type       RuleType
	Source     string
	Dockerfile string
	Context    string
	Tag        string
	BuildArgs  map[string]string
	Autobuild  bool
}

// Config is a repository's build configuration.
type Config struct {
	Source Source
	Rules  []Rule
	// Links name the images ("ns/repo:tag") this repository's builds
	// depend on: a new digest there rebuilds it.
	Links []string
}

// Bounds on a configuration.
const (
	maxRules     = 50
	maxLinks     = 50
	maxBuildArgs = 100
	maxField     = 1000
)

var (
	buildArgName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// link is ns/repo:tag with distribution's name and tag grammars.
	link = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	// refName is what git check-ref-format allows, roughly: no spaces,
	// control characters, "..", "~^:?*[\".
	refName = regexp.MustCompile(`^[^\x00-\x20\x7f~^:?*\[\\]+$`)
)

// Validate reports every field of c that is not acceptable, as
// FieldErrors (or one InvalidError), in words a user can act on.
func (c Config) Validate() error {
	var errs FieldErrors
	c.Source.validate(&errs)
	if len(c.Rules) == 0 {
		errs.Addf("rules", "add at least one build rule")
	}
	if len(c.Rules) > maxRules {
		errs.Addf("rules", "at most %d rules", maxRules)
	}
	for i, r := range c.Rules {
		r.validate(&errs, "rules."+strconv.Itoa(i)+".")
	}
	if len(c.Links) > maxLinks {
		errs.Addf("links", "at most %d links", maxLinks)
	}
	for i, l := range c.Links {
		if !link.MatchString(l) {
			errs.Addf("links."+strconv.Itoa(i), "name an image as namespace/repository:tag")
		}
	}
	return errs.Err()
}

// validate checks the URL's scheme against the credentials it carries.
func (s Source) validate(errs *FieldErrors) {
	u, err := url.Parse(s.URL)
	if err != nil || len(s.URL) > maxField || u.Hostname() == "" || u.Opaque != "" {
		errs.Addf("source.url", "use a Git URL such as https://github.com/owner/repo.git, ssh://git@host/owner/repo.git or git://host/repo")
		return
	}
	switch u.Scheme {
	case "https", "http":
		if _, hasPW := u.User.Password(); hasPW {
			errs.Addf("source.url", "do not put a password in the URL: give it as the token")
		}
		if s.DeployKey != nil {
			errs.Addf("source.url", "a deploy key needs an ssh:// URL")
		}
	case "ssh":
		if s.Token != "" {
			errs.Addf("source.credentials.token", "a token is for https URLs; ssh uses the deploy key")
		}
		if s.DeployKey == nil {
			errs.Addf("source.credentials", "generate a deploy key for an ssh URL")
		}
		if s.HostKey != "" {
			if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.HostKey)); err != nil {
				errs.Addf("source.host_key", "give the server's public key as one line, such as the output of ssh-keyscan without the host name")
			}
		}
	case "git":
		if s.Token != "" || s.DeployKey != nil {
			errs.Addf("source.credentials", "git:// takes no credentials")
		}
	default:
		errs.Addf("source.url", "use https://, ssh:// or git://")
	}
}

// validate checks one rule; prefix names it ("rules.0.").
func (r Rule) validate(errs *FieldErrors, prefix string) {
	if r.Type != Branch && r.Type != Tag {
		errs.Addf(prefix+"type", "choose branch or tag")
	}
	if _, err := r.matcher(); err != nil {
		errs.Addf(prefix+"source", "%s", err.Error())
	}
	if !inside(r.Dockerfile, false) {
		errs.Addf(prefix+"dockerfile", "give a path inside the repository, such as Dockerfile or docker/app.Dockerfile")
	}
	if !inside(r.Context, true) {
		errs.Addf(prefix+"context", "give a directory inside the repository, such as . or app")
	}
	if err := checkTemplate(r.Tag); err != nil {
		errs.Addf(prefix+"tag", "%s", err.Error())
	}
	if len(r.BuildArgs) > maxBuildArgs {
		errs.Addf(prefix+"build_args", "at most %d build arguments", maxBuildArgs)
	}
	for k, v := range r.BuildArgs {
		if !buildArgName.MatchString(k) || len(v) > maxField {
			errs.Addf(prefix+"build_args."+k, "use a name of letters, digits and _ and a value of at most %d characters", maxField)
		}
	}
}

// inside reports whether p is a relative path that stays inside the
// repository: no "..", not absolute, no backslashes or NULs. dir allows
// ".".
func inside(p string, dir bool) bool {
	if p == "" || len(p) > maxField || strings.ContainsAny(p, "\\\x00") || path.IsAbs(p) {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return false
		}
	}
	clean := path.Clean(p)
	return dir || clean != "."
}
