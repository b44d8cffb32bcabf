package licensing

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// LicenseFileType is the JWT "typ" of a license file, so that a registry
// token can never pass for one, nor one for a token.
const LicenseFileType = "berth-license+jwt"

// FileClaims is what a license file states: who holds which tier of which
// product, what it entitles, and for how long. Subject is the holder's
// username; ID is the license's.
type FileClaims struct {
	jwt.RegisteredClaims
	Product      string   `json:"product"`
	Tier         string   `json:"tier"`
	Repositories []string `json:"repositories"`
	Status       Status   `json:"status"`
	Trial        bool     `json:"trial,omitempty"`
	Seats        int      `json:"seats,omitempty"`
	// Versions, TagPattern and Perpetual limit the tags that may be pulled;
	// QuotaPulls per QuotaPeriod the pulls.
	Versions    string `json:"versions,omitempty"`
	TagPattern  string `json:"tag_pattern,omitempty"`
	Perpetual   bool   `json:"perpetual_fallback,omitempty"`
	QuotaPulls  int    `json:"quota_pulls,omitempty"`
	QuotaPeriod Period `json:"quota_period,omitempty"`
}

// LicenseFile returns the signed license document of one of owner's
// licenses. It is signed with Berth's long-lived root key, published at
// /.well-known/berth-license-keys.json, so that it can be checked offline
// for as long as the license lasts, whatever signing keys rotate meanwhile.
func (s *Service) LicenseFile(ctx context.Context, keys *KeyRing, issuer, owner, holder, id string) (string, error) {
	l, err := s.store.LicenseByID(ctx, id)
	if err != nil {
		return "", err
	}
	if l.Owner != owner {
		return "", ErrNotFound
	}
	now := s.now().UTC().Truncate(time.Second)
	c := FileClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: issuer, Subject: holder, ID: l.ID,
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(l.CreatedAt.Truncate(time.Second))},
		Product: l.Product, Tier: l.Tier, Repositories: l.Repositories, Status: effectiveStatus(l, now),
		Trial: l.Trial, Seats: l.Seats, Versions: l.Entitlement.Versions, TagPattern: l.Entitlement.TagPattern,
		Perpetual: l.Entitlement.Perpetual, QuotaPulls: l.Quota.Pulls, QuotaPeriod: l.Quota.Period,
	}
	if !l.ExpiresAt.IsZero() {
		c.ExpiresAt = jwt.NewNumericDate(l.ExpiresAt)
	}
	return keys.signDocument(c)
}

// signDocument signs claims with the root key as a license file.
func (r *KeyRing) signDocument(c FileClaims) (string, error) {
	r.mu.RLock()
	root, key := r.root, r.rootKey
	r.mu.RUnlock()
	if key == nil {
		return "", errors.New("no root key loaded")
	}
	kid, err := thumbprint(&key.PublicKey)
	if err != nil {
		return "", err
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["typ"] = LicenseFileType
	t.Header["kid"] = kid
	t.Header["x5c"] = []string{base64.StdEncoding.EncodeToString(root.Raw)}
	signed, err := t.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("signing license file: %w", err)
	}
	return signed, nil
}

// LicenseJWKS returns the key license files are signed with.
func (r *KeyRing) LicenseJWKS() JWKS {
	r.mu.RLock()
	defer r.mu.RUnlock()
	set := JWKS{Keys: []JWK{}}
	if r.rootKey != nil {
		kid, _ := thumbprint(&r.rootKey.PublicKey)
		set.Keys = append(set.Keys, jwkOf(&r.rootKey.PublicKey, kid, [][]byte{r.root.Raw}))
	}
	return set
}

// VerifyLicenseFile checks a license file offline against Berth's root
// certificate (the PEM registries trust) and returns what it states. An
// expired license or a document of another type is refused.
func VerifyLicenseFile(raw string, rootPEM []byte) (FileClaims, error) {
	block, _ := pem.Decode(rootPEM)
	if block == nil {
		return FileClaims{}, errors.New("no certificate in the root PEM")
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return FileClaims{}, fmt.Errorf("parsing the root certificate: %w", err)
	}
	pub, ok := root.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return FileClaims{}, errors.New("the root certificate's key is not ECDSA")
	}
	var c FileClaims
	tok, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuedAt())
	if err != nil {
		return FileClaims{}, fmt.Errorf("license file does not verify: %w", err)
	}
	if typ, _ := tok.Header["typ"].(string); typ != LicenseFileType {
		return FileClaims{}, fmt.Errorf("not a license file (typ %q)", typ)
	}
	return c, nil
}
