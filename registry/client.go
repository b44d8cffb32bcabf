package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Signer mints a bearer token for Berth's own work, granting actions per
// repository.
type Signer func(access map[string][]string) (string, error)

// Client is Berth's own client of its registry.
type Client struct {
	registry name.Registry
	sign     Signer
}

// NewClient returns a client of the registry at baseURL (http or https).
func NewClient(baseURL string, sign Signer) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("parsing registry URL: %w", err)
	}
	var opts []name.Option
	if u.Scheme == "http" {
		opts = append(opts, name.Insecure)
	}
	reg, err := name.NewRegistry(u.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", u.Host, err)
	}
	return &Client{registry: reg, sign: sign}, nil
}

func (c *Client) auth(ctx context.Context, repo string, actions ...string) (name.Repository, []remote.Option, error) {
	r := c.registry.Repo(repo)
	tok, err := c.sign(map[string][]string{repo: actions})
	if err != nil {
		return r, nil, err
	}
	return r, []remote.Option{remote.WithContext(ctx), tokenAuth(tok)}, nil
}

func (c *Client) signMany(access map[string][]string) (string, error) { return c.sign(access) }

// tokenAuth presents a registry token Berth signed itself.
func tokenAuth(tok string) remote.Option {
	return remote.WithAuth(authn.FromConfig(authn.AuthConfig{RegistryToken: tok}))
}

// Tags lists a repository's tags; a repository never pushed has none.
func (c *Client) Tags(ctx context.Context, repo string) ([]string, error) {
	r, opts, err := c.auth(ctx, repo, "pull")
	if err != nil {
		return nil, err
	}
	tags, err := remote.List(r, opts...)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing tags of %s: %w", repo, err)
	}
	return tags, nil
}

// DeleteRepository deletes every tagged manifest of a repository, so that
// nothing of it stays pullable when its namespace is given up.
func (c *Client) DeleteRepository(ctx context.Context, repo string) error {
	tags, err := c.Tags(ctx, repo)
	if err != nil {
		return err
	}
	r, opts, err := c.auth(ctx, repo, "pull", "delete")
	if err != nil {
		return err
	}
	for _, tag := range tags {
		desc, err := remote.Head(r.Tag(tag), opts...)
		if isNotFound(err) {
			continue
		} else if err != nil {
			return fmt.Errorf("resolving %s:%s: %w", repo, tag, err)
		}
		if err := remote.Delete(r.Digest(desc.Digest.String()), opts...); err != nil && !isNotFound(err) {
			return fmt.Errorf("deleting %s:%s: %w", repo, tag, err)
		}
	}
	return nil
}

func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}
