package builds

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Settings is a repository's build settings as users see them. Its
// secrets are Secrets: they print, log and encode as "[redacted]", and
// only Reveal reads them.
type Settings struct {
	Repository string
	// Config is the configuration, with the stored token and deploy key.
	Config Config
	// HookSecret signs (or, for GitLab, is) the forge's push webhooks;
	// Reveal it to show it to the repository's managers.
	HookSecret Secret
	// DeployKeyPublic is the deploy key to add to the forge, read-only,
	// when the source is ssh; empty otherwise.
	DeployKeyPublic string
	UpdatedAt       time.Time
}

// errNoSealer refuses to keep credentials without a key-encryption key.
var errNoSealer = errors.New("no key-encryption key: build credentials are never stored in the clear")

// SetConfig validates and stores repo's build configuration. A source
// without a token keeps the stored one (for an http(s) URL), and an ssh
// source keeps its deploy key or gets a new one, and its pinned host key
// while its URL stays the same: a form or API call need never send
// secrets or keys back. The hook secret is made on the first call and
// kept after it (see RotateHookSecret).
func (s *Service) SetConfig(ctx context.Context, repo string, c Config) (Settings, error) {
	old, err := s.Settings(ctx, repo)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Settings{}, err
	}
	scheme := ""
	if u, err := url.Parse(c.Source.URL); err == nil {
		scheme = u.Scheme
	}
	switch scheme {
	case "https", "http":
		if c.Source.Token == "" {
			c.Source.Token = old.Config.Source.Token
		}
		c.Source.DeployKey = nil
	case "ssh":
		if c.Source.DeployKey == nil {
			c.Source.DeployKey = old.Config.Source.DeployKey
		}
		if c.Source.DeployKey == nil {
			if c.Source.DeployKey, err = NewDeployKey("berth:" + repo); err != nil {
				return Settings{}, err
			}
		}
		// A host key trusted on first use stays pinned while the URL
		// does; a new URL is a new server, trusted afresh.
		if c.Source.HostKey == "" && c.Source.URL == old.Config.Source.URL {
			c.Source.HostKey = old.Config.Source.HostKey
		}
	}
	if err := c.Validate(); err != nil {
		return Settings{}, err
	}
	if err := c.selfLink(repo); err != nil {
		return Settings{}, err
	}
	st := Settings{Repository: repo, Config: c, HookSecret: old.HookSecret, UpdatedAt: s.now().UTC()}
	if st.HookSecret == "" {
		st.HookSecret = NewHookSecret()
	}
	return st, s.put(ctx, &st)
}

// RotateHookSecret gives repo's webhooks a new secret, which the forge
// must then be given: pushes signed with the old one are refused.
func (s *Service) RotateHookSecret(ctx context.Context, repo string) (Settings, error) {
	st, err := s.Settings(ctx, repo)
	if err != nil {
		return Settings{}, err
	}
	st.HookSecret, st.UpdatedAt = NewHookSecret(), s.now().UTC()
	return st, s.put(ctx, &st)
}

// Settings returns repo's build settings, or ErrNotFound when builds are
// not set up for it.
func (s *Service) Settings(ctx context.Context, repo string) (Settings, error) {
	stored, err := s.d.Store.Settings(ctx, repo)
	if err != nil {
		return Settings{}, err
	}
	return s.open(stored)
}

// put seals st's secrets and stores it, setting DeployKeyPublic.
func (s *Service) put(ctx context.Context, st *Settings) error {
	if s.d.Sealer == nil {
		return errNoSealer
	}
	src := st.Config.Source
	out := StoredSettings{Repository: st.Repository, URL: src.URL, HostKey: src.HostKey, Rules: st.Config.Rules,
		Links: st.Config.Links, UpdatedAt: st.UpdatedAt}
	var err error
	seal := func(v Secret, kind string) []byte {
		if v == "" || err != nil {
			return nil
		}
		var b []byte
		b, err = s.d.Sealer.Seal([]byte(v.Reveal()), secretAAD(st.Repository, kind))
		return b
	}
	out.Token = seal(src.Token, "token")
	if src.DeployKey != nil {
		out.DeployKeyPublic = src.DeployKey.Public
		out.DeployKeyPrivate = seal(src.DeployKey.Private, "deploy-key")
	}
	out.HookSecret = seal(st.HookSecret, "hook")
	if err != nil {
		return fmt.Errorf("sealing build credentials of %s: %w", st.Repository, err)
	}
	st.DeployKeyPublic = out.DeployKeyPublic
	return s.d.Store.PutSettings(ctx, out)
}

// open turns stored settings into Settings, opening the secrets.
func (s *Service) open(in StoredSettings) (Settings, error) {
	if s.d.Sealer == nil {
		return Settings{}, errNoSealer
	}
	var err error
	open := func(b []byte, kind string) Secret {
		if len(b) == 0 || err != nil {
			return ""
		}
		var plain []byte
		plain, _, err = s.d.Sealer.Open(b, secretAAD(in.Repository, kind))
		return Secret(plain)
	}
	st := Settings{Repository: in.Repository, DeployKeyPublic: in.DeployKeyPublic, UpdatedAt: in.UpdatedAt,
		Config: Config{Source: Source{URL: in.URL, HostKey: in.HostKey, Token: open(in.Token, "token")},
			Rules: in.Rules, Links: in.Links}}
	if in.DeployKeyPublic != "" {
		st.Config.Source.DeployKey = &DeployKey{Public: in.DeployKeyPublic, Private: open(in.DeployKeyPrivate, "deploy-key")}
	}
	st.HookSecret = open(in.HookSecret, "hook")
	if err != nil {
		return Settings{}, fmt.Errorf("opening build credentials of %s: %w", in.Repository, err)
	}
	return st, nil
}

// secretAAD binds a sealed secret to its repository and kind: a sealed
// value copied to another repository, or into another field, does not
// open.
func secretAAD(repo, kind string) []byte {
	return []byte("berth build secret\x00" + kind + "\x00" + repo)
}
