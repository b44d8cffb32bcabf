package builds

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Publishers sends the builds of a publisher's repositories through the
// signed-upload pipeline: they push to staging/<ns>/<repo>, never to
// what buyers pull, and Berth signs them with the publisher's build key
// when it has one (server adapts *publisher.BuildKeys).
type Publishers interface {
	// PublisherOf returns the slug of the approved publisher whose
	// namespace holds repo; "" when none does.
	PublisherOf(ctx context.Context, repo string) (string, error)
	// SignStaged signs digest in stagingRepo with the publisher's build
	// key, for the pipeline to verify, promote and counter-sign; an error
	// matching ErrNoBuildKey when the publisher has no active build key.
	SignStaged(ctx context.Context, slug, stagingRepo, digest string) error
}

// ErrNoBuildKey: the publisher has not enabled (or has revoked) a Berth
// build key, so its build waits in staging for its own signature.
var ErrNoBuildKey = errors.New("the publisher has not enabled a Berth build key")

// StagingPrefix starts every publisher's staging repository.
const StagingPrefix = "staging/"

// pushTarget returns where a build of repo pushes: repo itself, or for a
// publisher's repository its staging repository, with the publisher's
// slug.
func (s *Service) pushTarget(ctx context.Context, repo string) (string, string, error) {
	if s.d.Publishers == nil {
		return repo, "", nil
	}
	slug, err := s.d.Publishers.PublisherOf(ctx, repo)
	if err != nil {
		return "", "", fmt.Errorf("finding the publisher of %s: %w", repo, err)
	}
	if slug == "" {
		return repo, "", nil
	}
	return StagingPrefix + repo, slug, nil
}

// signStaged signs a publisher's build in staging with its build key.
// Without one the build still succeeds, and its log says that the upload
// waits for the publisher's own signature.
func (s *Service) signStaged(ctx context.Context, slug, staging, digest string, log io.Writer) error {
	err := s.d.Publishers.SignStaged(ctx, slug, staging, digest)
	if errors.Is(err, ErrNoBuildKey) {
		fmt.Fprintf(log, "[berth: %s has no Berth build key: the upload in %s waits for its own signature (cosign sign --key <your key> %s/%s@%s) before it is promoted]\n",
			slug, staging, s.opts.Registry, staging, digest)
		return nil
	}
	if err != nil {
		return fmt.Errorf("signing the build with %s's build key: %w", slug, err)
	}
	fmt.Fprintf(log, "[berth: signed %s@%s with %s's Berth build key; the signed-upload pipeline verifies, promotes and counter-signs it]\n", staging, digest, slug)
	return nil
}
