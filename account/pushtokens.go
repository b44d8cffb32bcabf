package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/berth/berth/internal/secret"
)

// CreatePushToken makes a publisher push token for the user: a credential
// that pushes to and pulls from the given staging namespaces and nothing
// else (see access.PushToken). The secret is returned here only.
func (s *Service) CreatePushToken(ctx context.Context, userID, name string, staging []string) (AccessToken, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 {
		name = "push to " + strings.Join(staging, ", ")
		if len(name) > 64 {
			name = name[:64]
		}
	}
	if len(staging) == 0 {
		return AccessToken{}, "", &InvalidError{Field: "namespaces", Message: "a push token needs a staging namespace"}
	}
	existing, err := s.st.Tokens.TokensByUser(ctx, userID)
	if err != nil {
		return AccessToken{}, "", err
	}
	if len(existing) >= maxTokens {
		return AccessToken{}, "", &InvalidError{Field: "name", Message: fmt.Sprintf("you have %d tokens, the most one account may hold; revoke some first", maxTokens)}
	}
	token := secret.Token(TokenPrefix)
	t := AccessToken{ID: secret.ID(), UserID: userID, Name: name, TokenHash: secret.Hash(token), Hint: secret.Hint(token),
		Access: TokenPush, Resources: staging, CreatedAt: s.now().UTC(), ExpiresAt: time.Time{}}
	if err := s.st.Tokens.CreateToken(ctx, t); err != nil {
		return AccessToken{}, "", fmt.Errorf("storing push token: %w", err)
	}
	return t, token, nil
}
