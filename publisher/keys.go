package publisher

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/berth/berth/internal/plaintext"
	"github.com/berth/berth/signing"
)

// StagingPrefix starts every staging repository: a publisher's members
// push acme/db to staging/acme/db, and only what the publishing pipeline
// verifies reaches acme/db. (publishing.StagingPrefix is the same prefix.)
const StagingPrefix = "staging/"

// maxPEM bounds a pasted public key; real ones are a few hundred bytes.
const maxPEM = 16 << 10

// NewKey is a signing public key to register: cosign.pub, an ECDSA P-256 or
// Ed25519 PEM public key, and a name to tell it by.
type NewKey struct {
	Name string
	PEM  string
}

// AddKey registers a signing key for the publisher slug on behalf of
// userID; its ID is the key's fingerprint, its PEM normalised.
func (s *Service) AddKey(ctx context.Context, userID, slug string, in NewKey) (Key, error) {
	p, err := s.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return Key{}, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 64 {
		return Key{}, invalid("name", "1 to 64 characters, such as \"release key 2026\"")
	}
	if err := plaintext.Line(name); err != nil {
		return Key{}, invalid("name", err.Error())
	}
	if len(in.PEM) > maxPEM {
		return Key{}, invalid("public_key", "too long for a public key")
	}
	pub, err := signing.ParsePublicKey([]byte(in.PEM))
	if err != nil {
		return Key{}, invalid("public_key", err.Error()+" (paste cosign.pub: an ECDSA P-256 or Ed25519 PEM public key)")
	}
	normalised, err := signing.MarshalPublicKey(pub)
	if err != nil {
		return Key{}, fmt.Errorf("encoding the key: %w", err)
	}
	k := Key{ID: signing.Fingerprint(pub), Publisher: p.ID, Name: name, PEM: string(normalised),
		CreatedBy: userID, CreatedAt: s.now().UTC()}
	if err := s.store.AddKey(ctx, k); errors.Is(err, ErrConflict) {
		return k, &ConflictError{Field: "public_key", Message: "this key is registered already", Err: ErrConflict}
	} else if err != nil {
		return k, err
	}
	return k, nil
}

// RevokeKey revokes the publisher's key id: signatures made with it no
// longer promote uploads.
func (s *Service) RevokeKey(ctx context.Context, slug, id string) error {
	p, err := s.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return err
	}
	if err := s.store.RevokeKey(ctx, p.ID, id, s.now().UTC()); errors.Is(err, ErrNotFound) {
		return fmt.Errorf("key %s of %s: %w", id, slug, ErrKeyNotFound)
	} else if err != nil {
		return err
	}
	return nil
}

// PushToken is a token made for pushing to a publisher's staging
// repositories. Secret is shown once and never stored.
type PushToken struct {
	ID        string
	Name      string
	Resources []string
	Secret    string
}

// PushToken makes userID a token, called name (or after its repositories),
// that pushes only to the publisher's staging namespaces. The publisher
// must be approved, or every push would be rejected, and userID one of its
// owners or editors, or the token could not push at all.
func (s *Service) PushToken(ctx context.Context, userID, slug, name string) (PushToken, error) {
	p, err := s.PublisherBySlug(ctx, slug)
	if err != nil {
		return PushToken{}, err
	}
	if p.Status != StatusApproved {
		return PushToken{}, fmt.Errorf("%w: pushes would be rejected", ErrNotApproved)
	}
	if !slices.Contains(p.Members, userID) {
		return PushToken{}, ErrNotPusher
	}
	var resources []string
	for _, ns := range p.Namespaces {
		resources = append(resources, StagingPrefix+ns)
	}
	if name = strings.TrimSpace(name); name == "" {
		name = "push to " + strings.Join(resources, ", ")
	}
	if err := plaintext.Line(name); err != nil {
		return PushToken{}, invalid("name", err.Error())
	}
	id, secret, err := s.tokens.CreatePushToken(ctx, userID, name, resources)
	if err != nil {
		return PushToken{}, err
	}
	return PushToken{ID: id, Name: name, Resources: resources, Secret: secret}, nil
}
