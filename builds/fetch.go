package builds

import (
	"context"
	"errors"
	"fmt"
	"io"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// fetchInto fetches one commit, one deep, into a new repository at dir
// and checks it out, returning the commit checked out. It speaks the
// upload-pack protocol itself rather than through git.Clone, so that the
// transport is the guarded one passed in and not one from go-git's
// process-wide table.
func fetchInto(ctx context.Context, dir string, tr transport.Transport, ep *transport.Endpoint, auth transport.AuthMethod, ref Ref, commit string) (string, error) {
	sess, err := tr.NewUploadPackSession(ep, auth)
	if err != nil {
		return "", err
	}
	defer sess.Close()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return "", err
	}
	want, err := wanted(ar, ref, plumbing.NewHash(commit))
	if err != nil {
		return "", err
	}
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		return "", err
	}
	if err := uploadPack(ctx, sess, ar, repo, want); err != nil {
		return "", err
	}
	return checkout(repo, want, plumbing.NewHash(commit))
}

// wanted picks what to ask for: the ref's tip when it is still the pushed
// commit (or an annotated tag of it), which every server serves, else the
// commit by ID, which only servers allowing it serve.
func wanted(ar *packp.AdvRefs, ref Ref, commit plumbing.Hash) (plumbing.Hash, error) {
	refs, err := ar.AllReferences()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if tip, err := refs.Reference(plumbing.ReferenceName(ref.Full())); err == nil {
		if tip.Hash() == commit || ar.Peeled[ref.Full()] == commit {
			return tip.Hash(), nil
		}
	}
	caps := ar.Capabilities
	if !caps.Supports(capability.AllowReachableSHA1InWant) && !caps.Supports(capability.AllowTipSHA1InWant) {
		return plumbing.ZeroHash, ErrCommitGone
	}
	return commit, nil
}

// uploadPack asks for want at depth 1 and stores the pack and the
// shallow boundary in repo.
func uploadPack(ctx context.Context, sess transport.UploadPackSession, ar *packp.AdvRefs, repo *git.Repository, want plumbing.Hash) error {
	req := packp.NewUploadPackRequestFromCapabilities(ar.Capabilities)
	req.Wants = []plumbing.Hash{want}
	req.Depth = packp.DepthCommits(1)
	if err := req.Capabilities.Set(capability.Shallow); err != nil {
		return err
	}
	if ar.Capabilities.Supports(capability.NoProgress) {
		_ = req.Capabilities.Set(capability.NoProgress)
	}
	resp, err := sess.UploadPack(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Close()
	if err := repo.Storer.SetShallow(resp.Shallows); err != nil {
		return err
	}
	return packfile.UpdateObjectStorage(repo.Storer, demux(req.Capabilities, resp))
}

// demux strips side-band framing when the request asked for it.
func demux(caps *capability.List, r io.Reader) io.Reader {
	switch {
	case caps.Supports(capability.Sideband64k):
		return sideband.NewDemuxer(sideband.Sideband64k, r)
	case caps.Supports(capability.Sideband):
		return sideband.NewDemuxer(sideband.Sideband, r)
	}
	return r
}

// checkout peels want to its commit, which must be the pushed one, and
// checks it out, detached.
func checkout(repo *git.Repository, want, commit plumbing.Hash) (string, error) {
	got := want
	if tag, err := repo.TagObject(want); err == nil {
		c, err := tag.Commit()
		if err != nil {
			return "", fmt.Errorf("peeling tag: %w", err)
		}
		got = c.Hash
	} else if !errors.Is(err, plumbing.ErrObjectNotFound) {
		return "", err
	}
	if got != commit && want != commit {
		return "", fmt.Errorf("fetched %s, not the pushed commit", got)
	}
	if _, err := repo.CommitObject(got); err != nil {
		return "", fmt.Errorf("reading commit %s: %w", got, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return "", err
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: got, Force: true}); err != nil {
		return "", fmt.Errorf("checking out %s: %w", got, err)
	}
	return got.String(), nil
}
