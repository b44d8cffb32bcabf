package licensing

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/berth/berth/internal/secret"
)

// issueForKey issues a token for a license key, the credential every
// `docker pull` in CI presents. It reads the licenses' version first; the
// license behind the key comes from the cache while that version holds.
//
// The same request repeated within reuseTokensFor (same key, service,
// scopes, address and user agent, at the same version) gets the token
// signed for the first, when the license's answer cannot depend on usage
// (no seats, no pull quota): the signature is most of a token's cost. A
// revocation, rotation or any other change to a license moves the version
// and ends every reuse at once; a license's expiry ends it too. The token's
// lifetime is unchanged, and the token log holds one record for it.
func (s *TokenServer) issueForKey(ctx context.Context, req TokenRequest) (Token, error) {
	v, err := s.versions.get(ctx)
	if err != nil {
		return Token{}, fmt.Errorf("looking up license key: %w", err)
	}
	signer, err := s.keys.current()
	if err != nil {
		return Token{}, err
	}
	hash := secret.Hash(req.Password)
	key := reuseKey(hash, signer.id, req)
	now := s.now()
	if r, ok := s.issued.get(v, key); ok && now.Before(r.until) {
		return r.token, nil
	}
	l, err := s.keyLicense(ctx, v, hash)
	if err != nil {
		return Token{}, err
	}
	p, err := s.licensePrincipal(l)
	if err != nil {
		s.auditRefusal(req, err)
		return Token{}, err
	}
	tok, err := s.grant(ctx, req, p)
	if err != nil {
		return Token{}, err
	}
	if l.Seats == 0 && l.Quota.Pulls == 0 && !req.Offline {
		until := now.Add(reuseTokensFor)
		if !l.ExpiresAt.IsZero() && l.ExpiresAt.Before(until) {
			until = l.ExpiresAt
		}
		s.issued.put(v, key, reused{token: tok, until: until})
	}
	return tok, nil
}

// keyLicense returns the license of the key hashing to hash at the
// licenses' version v, or ErrBadCredentials.
func (s *TokenServer) keyLicense(ctx context.Context, v int64, hash string) (License, error) {
	l, err := s.licenseByKeyHash(ctx, v, hash)
	if errors.Is(err, ErrNotFound) {
		return License{}, ErrBadCredentials
	} else if err != nil {
		return License{}, fmt.Errorf("looking up license key: %w", err)
	}
	return l, nil
}

// reuseKey names a license key request for token reuse: the key's hash,
// the signing key's ID (a rotated signing key signs the next token), and
// everything else the token or its log record depends on.
func reuseKey(hash, kid string, req TokenRequest) string {
	var b strings.Builder
	b.WriteString(hash)
	for _, part := range []string{kid, req.Service, req.ClientIP, req.UserAgent, strings.Join(scopeStrings(req.Scopes), " ")} {
		b.WriteByte(0)
		b.WriteString(part)
	}
	return b.String()
}
