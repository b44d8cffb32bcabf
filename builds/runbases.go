package builds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Bases decides whether a build's owner may pull its FROM images before
// the build starts (a *Preflight).
type Bases interface {
	CheckBases(ctx context.Context, owner Owner, refs []string) error
}

// Owners names the account whose rights a repository's builds use: the
// user of a user's repository, the owner an organisation's builds run as.
type Owners interface {
	Owner(ctx context.Context, repo string) (Owner, error)
}

// DockerfileError is a rule's Dockerfile that could not be read or
// parsed: the build fails before it starts, saying which and why.
type DockerfileError struct {
	Path string
	Err  error
}

func (e *DockerfileError) Error() string { return "the Dockerfile " + e.Path + ": " + e.Err.Error() }

func (e *DockerfileError) Unwrap() error { return e.Err }

// checkBases reads j's Dockerfile from the checkout in dir, lists its FROM
// images with the rule's build arguments, and asks Bases whether the
// repository's owner may pull them. A refusal is a *BaseError, whose text
// becomes the build's error: a missing license reads as one, not as the
// builder's pull error. Without Bases or Owners it checks nothing.
func (s *Service) checkBases(ctx context.Context, r Record, j job, dir string, log io.Writer) error {
	if s.d.Bases == nil || s.d.Owners == nil {
		return nil
	}
	p, err := insideDir(dir, j.Dockerfile)
	if err != nil {
		return &DockerfileError{Path: j.Dockerfile, Err: err}
	}
	f, err := os.Open(p)
	if err != nil {
		return &DockerfileError{Path: j.Dockerfile, Err: errors.New("not found in the commit")}
	}
	defer f.Close()
	df, err := io.ReadAll(io.LimitReader(f, maxDockerfile+1))
	if err != nil {
		return &DockerfileError{Path: j.Dockerfile, Err: err}
	}
	refs, err := BaseImages(df, j.BuildArgs)
	if err != nil {
		return &DockerfileError{Path: j.Dockerfile, Err: err}
	}
	owner, err := s.d.Owners.Owner(ctx, r.Repository)
	if err != nil {
		return fmt.Errorf("finding whose rights build %s: %w", r.Repository, err)
	}
	if len(refs) > 0 {
		fmt.Fprintf(log, "[berth: checking that %s may pull %s]\n", owner.Name, strings.Join(refs, ", "))
	}
	return s.d.Bases.CheckBases(ctx, owner, refs)
}
