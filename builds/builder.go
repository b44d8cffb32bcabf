package builds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
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

// Defaults of both builders.
const (
	defaultTimeout  = 30 * time.Minute
	defaultLogLimit = 4 << 20
)

// defaultLimits fills a builder's zero timeout and log limit.
func defaultLimits(timeout *time.Duration, logLimit *int64) {
	if *timeout == 0 {
		*timeout = defaultTimeout
	}
	if *logLimit == 0 {
		*logLimit = defaultLogLimit
	}
}

// paths resolves the job's Dockerfile and build context inside its
// checkout, refusing either when it leads outside.
func (j Job) paths() (dockerfile, contextDir string, err error) {
	if dockerfile, err = insideDir(j.Dir, j.Dockerfile); err != nil {
		return "", "", fmt.Errorf("dockerfile: %w", err)
	}
	if contextDir, err = insideDir(j.Dir, j.Context); err != nil {
		return "", "", fmt.Errorf("context: %w", err)
	}
	return dockerfile, contextDir, nil
}
