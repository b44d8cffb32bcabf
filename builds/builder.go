package builds

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Builder runs one build and pushes its image: Buildah here, BuildKit
// workers elsewhere. It returns the pushed manifest's digest. A build that
// ran and failed is an error matching ErrBuildFailed; a cancelled or
// timed-out one returns once its work is stopped, with ctx's error.
type Builder interface {
	Build(ctx context.Context, job Job, log io.Writer) (digest string, err error)
}

var _ Builder = (*Buildah)(nil)

// ErrNoBuilder: this instance has no working builder (buildah is not
// installed); the service starts anyway and each build fails saying so.
var ErrNoBuilder = errors.New("no builder is available on this Berth instance")

// Unavailable is a Builder that fails every build with why, wrapping
// ErrNoBuilder: what an instance without buildah builds with.
type Unavailable struct{ Why string }

// Build fails at once, writing why to the log.
func (u Unavailable) Build(_ context.Context, _ Job, log io.Writer) (string, error) {
	fmt.Fprintf(log, "[berth: %s]\n", u.Why)
	return "", fmt.Errorf("%s: %w", u.Why, ErrNoBuilder)
}
