package registry

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/signing"
)

// Resolve returns the digest repo:ref points at.
func (c *Client) Resolve(ctx context.Context, repo, ref string) (string, error) {
	r, opts, err := c.auth(ctx, repo, "pull")
	if err != nil {
		return "", err
	}
	desc, err := remote.Head(r.Tag(ref), opts...)
	if err != nil {
		return "", fmt.Errorf("resolving %s:%s: %w", repo, ref, err)
	}
	return desc.Digest.String(), nil
}

// Manifest reads the raw manifest digest in repo.
func (c *Client) Manifest(ctx context.Context, repo, digest string) ([]byte, error) {
	r, opts, err := c.auth(ctx, repo, "pull")
	if err != nil {
		return nil, err
	}
	desc, err := remote.Get(r.Digest(digest), opts...)
	if err != nil {
		return nil, fmt.Errorf("reading %s@%s: %w", repo, digest, err)
	}
	return desc.Manifest, nil
}

// Signatures reads the cosign signatures of digest stored in repo.
func (c *Client) Signatures(ctx context.Context, repo, digest string) ([]signing.Signature, error) {
	r, opts, err := c.auth(ctx, repo, "pull")
	if err != nil {
		return nil, err
	}
	return signing.Signatures(ctx, r, digest, opts...)
}

// Copy copies the manifest digest of from (an image, or an index with
// every image it lists) into to under tag. Blobs are mounted across
// repositories, not uploaded again, and the digest stays the same.
func (c *Client) Copy(ctx context.Context, from, to, digest, tag string) error {
	src, srcOpts, err := c.auth(ctx, from, "pull")
	if err != nil {
		return err
	}
	dst := c.registry.Repo(to)
	// One token for both repositories, so that the registry may mount.
	tok, err := c.signMany(map[string][]string{from: {"pull"}, to: {"pull", "push"}})
	if err != nil {
		return err
	}
	dstOpts := []remote.Option{remote.WithContext(ctx), tokenAuth(tok)}
	desc, err := remote.Get(src.Digest(digest), srcOpts...)
	if err != nil {
		return fmt.Errorf("reading %s@%s: %w", from, digest, err)
	}
	target := dst.Tag(tag)
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return err
		}
		if err := remote.WriteIndex(target, idx, dstOpts...); err != nil {
			return fmt.Errorf("copying %s@%s to %s: %w", from, digest, target, err)
		}
		return nil
	}
	img, err := desc.Image()
	if err != nil {
		return err
	}
	if err := remote.Write(target, img, dstOpts...); err != nil {
		return fmt.Errorf("copying %s@%s to %s: %w", from, digest, target, err)
	}
	return nil
}

// Attach signs digest in repo with signer, naming dockerReference, the way
// `cosign sign --key` does, beside any signature already there.
func (c *Client) Attach(ctx context.Context, repo, digest, dockerReference string, signer crypto.Signer) error {
	r, opts, err := c.auth(ctx, repo, "pull", "push")
	if err != nil {
		return err
	}
	return signing.Attach(ctx, r, digest, dockerReference, signer, opts...)
}

// Subject returns the subject digest of the manifest digest in repo, or ""
// when it has none or is gone.
func (c *Client) Subject(ctx context.Context, repo, digest string) (string, error) {
	r, opts, err := c.auth(ctx, repo, "pull")
	if err != nil {
		return "", err
	}
	desc, err := remote.Get(r.Digest(digest), opts...)
	if isNotFound(err) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("reading %s@%s: %w", repo, digest, err)
	}
	var m struct {
		Subject *struct {
			Digest string `json:"digest"`
		} `json:"subject"`
	}
	if err := json.Unmarshal(desc.Manifest, &m); err != nil || m.Subject == nil {
		return "", nil // not a manifest with a subject; distribution checked the rest
	}
	return m.Subject.Digest, nil
}
