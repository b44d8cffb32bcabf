package licensing

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// verifier checks registry tokens the way the registry does: ES256 only,
// signed by a certificate in the x5c header that chains to the root, issued
// by this store for this service and unexpired. Verified tokens are kept
// until they expire, so that the many blob requests of one pull cost one
// signature check.
type verifier struct {
	keys    *KeyRing
	issuer  string
	service string
	now     func() time.Time

	mu     sync.Mutex
	certs  map[string]*ecdsa.PublicKey // DER of a verified signing certificate
	tokens map[string]*claims
}

// maxVerified bounds each cache; past it, entries are dropped.
const maxVerified = 8192

func newVerifier(keys *KeyRing, issuer, service string) *verifier {
	return &verifier{keys: keys, issuer: issuer, service: service, now: time.Now,
		certs: map[string]*ecdsa.PublicKey{}, tokens: map[string]*claims{}}
}

// verify returns the token's claims, or an error if the registry would
// refuse it.
func (v *verifier) verify(token string) (*claims, error) {
	now := v.now()
	v.mu.Lock()
	c, ok := v.tokens[token]
	v.mu.Unlock()
	if ok && c.ExpiresAt != nil && now.Before(c.ExpiresAt.Time) {
		return c, nil
	}
	c = &claims{}
	_, err := jwt.ParseWithClaims(token, c, v.key,
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(v.issuer), jwt.WithAudience(v.service),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(v.now))
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if len(v.tokens) >= maxVerified {
		for t, old := range v.tokens {
			if !now.Before(old.ExpiresAt.Time) {
				delete(v.tokens, t)
			}
		}
		if len(v.tokens) >= maxVerified {
			clear(v.tokens)
		}
	}
	v.tokens[token] = c
	v.mu.Unlock()
	return c, nil
}

// key finds the public key of the certificate a token names in x5c, once
// that certificate is shown to chain to the root.
func (v *verifier) key(t *jwt.Token) (any, error) {
	chain, ok := t.Header["x5c"].([]any)
	if !ok || len(chain) == 0 {
		return nil, errors.New("token has no x5c chain")
	}
	s, ok := chain[0].(string)
	if !ok {
		return nil, errors.New("x5c entry is not a string")
	}
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decoding x5c: %w", err)
	}
	v.mu.Lock()
	pub, ok := v.certs[string(der)]
	v.mu.Unlock()
	if ok {
		return pub, nil
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing x5c certificate: %w", err)
	}
	root := v.keys.rootCert()
	if root == nil {
		return nil, errors.New("no root certificate loaded")
	}
	if err := cert.CheckSignatureFrom(root); err != nil {
		return nil, fmt.Errorf("x5c certificate not signed by the root: %w", err)
	}
	now := v.now()
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, errors.New("x5c certificate outside its validity")
	}
	pub, ok = cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("x5c certificate key is not ECDSA")
	}
	v.mu.Lock()
	if len(v.certs) >= maxVerified {
		clear(v.certs)
	}
	v.certs[string(der)] = pub
	v.mu.Unlock()
	return pub, nil
}

// rootCert returns the root certificate, or nil before Load.
func (r *KeyRing) rootCert() *x509.Certificate {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.root
}
