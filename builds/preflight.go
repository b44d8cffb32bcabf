package builds

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Entitlements answers whether an account may pull an image from Berth's
// registry, by the rules the token server grants pulls by
// (*licensing.BasePulls implements it).
type Entitlements interface {
	// PullRefusal says why the account userID (called userName) may not
	// pull repo at reference (a tag, or "@sha256:..."), in words a build
	// log shows; "" when it may.
	PullRefusal(ctx context.Context, userID, userName, repo, reference string) (string, error)
}

// Owner is the account a build pulls its bases with: the repository
// owner's rights.
type Owner struct {
	ID   string
	Name string
}

// BaseConfig says where bases may come from.
type BaseConfig struct {
	// RegistryHost is Berth's registry as builds name it ("localhost:5000",
	// "registry.example.com"). A FROM naming no host means it too.
	RegistryHost string
	// AllowedHosts are other registries (a host, or a host/path prefix
	// such as "mirror.example.com/library") an operator lets builds pull
	// from; nothing else outside Berth is pulled.
	AllowedHosts []string
}

// ErrBaseRefused is what every BaseError matches: a FROM image the build
// may not pull.
var ErrBaseRefused = errors.New("base image refused")

// BaseError is a FROM image a build may not pull, and why: Reason is the
// sentence a build log shows after "FROM <ref>: ".
type BaseError struct {
	Ref    string // as the Dockerfile names it, ARGs expanded
	Reason string
	// Outside is set for a base on a registry other than Berth's.
	Outside bool
}

func (e *BaseError) Error() string { return "FROM " + e.Ref + ": " + e.Reason }

// Unwrap makes every BaseError match ErrBaseRefused.
func (e *BaseError) Unwrap() error { return ErrBaseRefused }

// Preflight checks a build's FROM images before it starts, so that a
// refusal reads as a missing license, not as a builder's pull error.
type Preflight struct {
	cfg          BaseConfig
	entitlements Entitlements
}

// NewPreflight returns a Preflight deciding Berth's images through
// entitlements.
func NewPreflight(cfg BaseConfig, entitlements Entitlements) *Preflight {
	return &Preflight{cfg: cfg, entitlements: entitlements}
}

// CheckBases checks that owner may pull every ref (as BaseImages returns
// them): images on Berth's registry by owner's rights and licenses, and
// images elsewhere only from allowed hosts. It returns the first refusal
// as a *BaseError (errors.Is ErrBaseRefused); any other error means the
// decision could not be made.
func (p *Preflight) CheckBases(ctx context.Context, owner Owner, refs []string) error {
	for _, ref := range refs {
		host, repo, reference, err := splitRef(ref)
		if err != nil {
			return &BaseError{Ref: ref, Reason: err.Error()}
		}
		if host != "" && !strings.EqualFold(host, p.cfg.RegistryHost) {
			if p.allowed(host + "/" + repo) {
				continue
			}
			return &BaseError{Ref: ref, Outside: true, Reason: fmt.Sprintf(
				"%s is not Berth's registry: builds pull bases only from %s; push the image there, or ask an operator to allow %s",
				host, p.cfg.RegistryHost, host)}
		}
		why, err := p.entitlements.PullRefusal(ctx, owner.ID, owner.Name, repo, reference)
		if err != nil {
			return fmt.Errorf("checking FROM %s: %w", ref, err)
		}
		if why != "" {
			return &BaseError{Ref: ref, Reason: why}
		}
	}
	return nil
}

// allowed reports whether an allowlist entry names hostRepo's host or a
// path prefix of it.
func (p *Preflight) allowed(hostRepo string) bool {
	lower := strings.ToLower(hostRepo)
	for _, a := range p.cfg.AllowedHosts {
		a = strings.ToLower(strings.TrimSuffix(a, "/"))
		if a != "" && (lower == a || strings.HasPrefix(lower, a+"/")) {
			return true
		}
	}
	return false
}

// splitRef splits an image reference into its registry host ("" when it
// names none), repository and tag ("latest" when none) or "@digest". As in
// Docker, the first path component is a host only when it holds a "." or
// ":" or is "localhost".
func splitRef(ref string) (host, repo, reference string, err error) {
	rest := ref
	if i := strings.Index(rest, "@"); i >= 0 {
		rest, reference = rest[:i], rest[i:]
		if !strings.HasPrefix(reference, "@sha256:") || len(reference) != len("@sha256:")+64 {
			return "", "", "", fmt.Errorf("%q is not a sha256 digest", reference[1:])
		}
	}
	if first, after, ok := strings.Cut(rest, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		host, rest = first, after
	}
	if i := strings.LastIndex(rest, ":"); i >= 0 {
		tag := rest[i+1:]
		rest = rest[:i]
		if reference == "" {
			reference = tag
		}
	}
	if reference == "" {
		reference = "latest"
	}
	if rest == "" || strings.ContainsAny(rest, " \t:@") {
		return "", "", "", fmt.Errorf("%q is not an image reference", ref)
	}
	return host, strings.ToLower(rest), reference, nil
}
