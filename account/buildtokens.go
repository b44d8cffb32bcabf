package account

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// CreateBuildToken makes the registry credential one automated build of
// repo runs with: the user's pulls, within limits when given (an
// organisation's builds pull only in its namespace and what is public),
// and push to repo only, until expires. The build deletes it when it ends;
// an expired one is swept like any token. The secret is returned here
// only.
func (s *Service) CreateBuildToken(ctx context.Context, userID, repo string, limits []string, expires time.Time) (AccessToken, string, error) {
	repo = strings.ToLower(repo)
	ns, name, _ := strings.Cut(repo, "/")
	if !namePattern.MatchString(ns) || !repoNamePattern.MatchString(name) {
		return AccessToken{}, "", &InvalidError{Field: "resources", Message: fmt.Sprintf("%q is not a repository", repo)}
	}
	if err := s.validExpiry(expires); err != nil || expires.IsZero() {
		return AccessToken{}, "", &InvalidError{Field: "expires_at", Message: "a build token must expire soon"}
	}
	// Resources holds the push repository first, then the pull limits.
	res := append([]string{repo}, limits...)
	return s.issueToken(ctx, AccessToken{UserID: userID, Name: "build of " + repo, Access: TokenBuild,
		Resources: res, ExpiresAt: expires.UTC()})
}

// BuildLimits splits a build token's Resources into the repository it
// pushes to and the limits of its pulls.
func (t AccessToken) BuildLimits() (push string, within []string) {
	if t.Access != TokenBuild || len(t.Resources) == 0 {
		return "", nil
	}
	return t.Resources[0], t.Resources[1:]
}
