package account

import (
	"context"
	"strings"
)

// CreatePushToken makes a publisher push token for the user: a credential
// that pushes to and pulls from the given staging namespaces and nothing
// else (see access.PushToken). The secret is returned here only.
func (s *Service) CreatePushToken(ctx context.Context, userID, name string, staging []string) (AccessToken, string, error) {
	if strings.TrimSpace(name) == "" {
		name = "push to " + strings.Join(staging, ", ")
		if len(name) > 64 {
			name = name[:64]
		}
	}
	if len(staging) == 0 {
		return AccessToken{}, "", &InvalidError{Field: "namespaces", Message: "a push token needs a staging namespace"}
	}
	in := NewToken{Name: name, Access: TokenReadWrite} // validated as any token's name
	if err := s.validToken(&in); err != nil {
		return AccessToken{}, "", err
	}
	return s.issueToken(ctx, AccessToken{UserID: userID, Name: in.Name, Access: TokenPush, Resources: staging})
}
