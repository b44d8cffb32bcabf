package registry

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TagDigest returns the digest repo:tag points at, and false when there is
// no such tag.
func (c *Client) TagDigest(ctx context.Context, repo, tag string) (string, bool, error) {
	r, opts, err := c.auth(ctx, repo, "pull")
	if err != nil {
		return "", false, err
	}
	desc, err := remote.Head(r.Tag(tag), opts...)
	if isNotFound(err) {
		return "", false, nil
	} else if err != nil {
		return "", false, fmt.Errorf("resolving %s:%s: %w", repo, tag, err)
	}
	return desc.Digest.String(), true, nil
}

// DeleteTag removes the tag from repo, leaving the manifest it pointed at
// (other tags may name it; garbage collection reclaims it otherwise). A
// tag already gone is no error.
func (c *Client) DeleteTag(ctx context.Context, repo, tag string) error {
	r, opts, err := c.auth(ctx, repo, "pull", "delete")
	if err != nil {
		return err
	}
	if err := remote.Delete(r.Tag(tag), opts...); err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting %s:%s: %w", repo, tag, err)
	}
	return nil
}
