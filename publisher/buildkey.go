package publisher

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth/berth/signing"
)

// BuildKeyName is the name every Berth-held build key is registered under,
// beside the keys a publisher registers itself.
const BuildKeyName = "Berth build key"

// Errors of build keys, compared with errors.Is.
var (
	// ErrNoBuildKey means the publisher has not let Berth sign its builds:
	// its owners enable a build key first.
	ErrNoBuildKey = errors.New("the publisher has not enabled a Berth build key")
	// ErrBuildKeyRevoked means the publisher's build key was revoked:
	// Berth no longer signs its builds until an owner enables a new one.
	ErrBuildKeyRevoked = errors.New("the publisher's Berth build key is revoked")
	// ErrNotStaging means a repository is not one of the publisher's
	// staging repositories (staging/<namespace>/<repo>).
	ErrNotStaging = errors.New("not a staging repository of the publisher")
)

// Sealer seals private keys at rest with the key-encryption key
// (internal/kek's Ring implements it).
type Sealer interface {
	// Seal encrypts plaintext, bound to aad.
	Seal(plaintext, aad []byte) ([]byte, error)
	// Open returns the plaintext of stored, sealed with aad, and whether
	// it should be sealed again.
	Open(stored, aad []byte) (plaintext []byte, stale bool, err error)
}

// StagedSigner attaches a cosign-format signature to a manifest in the
// registry (a *registry.Client), as publishing's pipeline counter-signs.
type StagedSigner interface {
	// Attach signs digest in repo, naming dockerReference, with signer;
	// it is idempotent per key.
	Attach(ctx context.Context, repo, digest, dockerReference string, signer crypto.Signer) error
}

// BuildKeys holds the per-publisher keys Berth signs publishers' builds
// with. A build key is one of the publisher's signing keys (Key.BerthHeld),
// so the signed-upload pipeline verifies builds exactly as it verifies any
// upload, and revoking it like any key stops both Berth's signing and the
// promotion of anything it signed. Its private half is stored sealed with
// the key-encryption key: a copy of the database alone cannot sign.
type BuildKeys struct {
	store        Store
	sealer       Sealer
	registry     StagedSigner
	registryHost string
	now          func() time.Time
}

// NewBuildKeys returns BuildKeys over store, sealing private halves with
// sealer and attaching signatures through registry; registryHost is the
// host clients pull from, which signatures name as cosign does.
func NewBuildKeys(store Store, sealer Sealer, registry StagedSigner, registryHost string) *BuildKeys {
	return &BuildKeys{store: store, sealer: sealer, registry: registry, registryHost: registryHost, now: time.Now}
}

// buildKeyAAD binds a sealed private key to its publisher and key: a sealed
// value copied to another record does not open.
func buildKeyAAD(publisherID, keyID string) []byte {
	return []byte("berth build key\x00" + publisherID + "\x00" + keyID)
}

// Enable lets Berth sign the builds of the publisher slug, on behalf of
// userID: it returns the publisher's active build key, generating and
// registering an ECDSA P-256 one if it has none. Enabling again returns
// the same key; after a revocation it makes a new one.
func (b *BuildKeys) Enable(ctx context.Context, userID, slug string) (Key, error) {
	p, err := b.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return Key{}, err
	}
	if k, err := b.active(ctx, p.ID); err == nil {
		return public(k), nil
	} else if !errors.Is(err, ErrNoBuildKey) && !errors.Is(err, ErrBuildKeyRevoked) {
		return Key{}, err
	}
	if b.sealer == nil {
		return Key{}, errors.New("no key-encryption key: build keys are never stored in the clear")
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Key{}, fmt.Errorf("generating a build key: %w", err)
	}
	pemBytes, err := signing.MarshalPublicKey(&priv.PublicKey)
	if err != nil {
		return Key{}, fmt.Errorf("encoding the build key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return Key{}, fmt.Errorf("encoding the build key: %w", err)
	}
	id := signing.Fingerprint(&priv.PublicKey)
	sealed, err := b.sealer.Seal(der, buildKeyAAD(p.ID, id))
	if err != nil {
		return Key{}, fmt.Errorf("sealing the build key: %w", err)
	}
	k := Key{ID: id, Publisher: p.ID, Name: BuildKeyName, PEM: string(pemBytes), CreatedBy: userID,
		CreatedAt: b.now().UTC(), BerthHeld: true, Sealed: sealed}
	if err := b.store.AddKey(ctx, k); err != nil {
		return Key{}, fmt.Errorf("registering the build key of %s: %w", slug, err)
	}
	return public(k), nil
}

// BuildKey returns the publisher's active build key, without its private
// half, or ErrNoBuildKey or ErrBuildKeyRevoked.
func (b *BuildKeys) BuildKey(ctx context.Context, slug string) (Key, error) {
	p, err := b.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return Key{}, err
	}
	k, err := b.active(ctx, p.ID)
	return public(k), err
}

// Revoke revokes the publisher's active build key, as RevokeKey would:
// Berth signs none of its builds with it again, and the pipeline promotes
// nothing signed only by it. It returns ErrNoBuildKey or
// ErrBuildKeyRevoked when there is no active one.
func (b *BuildKeys) Revoke(ctx context.Context, slug string) error {
	p, err := b.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return err
	}
	k, err := b.active(ctx, p.ID)
	if err != nil {
		return err
	}
	return b.store.RevokeKey(ctx, p.ID, k.ID, b.now().UTC())
}

// SignStaged signs digest in stagingRepo (staging/<namespace>/<repo>, a
// namespace of the publisher slug) with the publisher's build key and
// attaches the signature there, naming registryHost/stagingRepo as cosign
// would: the signed-upload pipeline then verifies, promotes and
// counter-signs the build as it would any signed upload. It refuses with
// ErrNoBuildKey or ErrBuildKeyRevoked when the publisher has no active
// build key, and ErrNotStaging for any other repository.
func (b *BuildKeys) SignStaged(ctx context.Context, slug, stagingRepo, digest string) error {
	p, err := b.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return err
	}
	if !ownsStaging(p, stagingRepo) {
		return fmt.Errorf("%s: %w %s", stagingRepo, ErrNotStaging, slug)
	}
	if !strings.HasPrefix(digest, "sha256:") || len(digest) != len("sha256:")+64 {
		return invalid("digest", "a sha256 digest such as sha256:<64 hex digits>")
	}
	k, err := b.active(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("signing %s@%s: %w", stagingRepo, digest, err)
	}
	signer, err := b.open(k)
	if err != nil {
		return err
	}
	if err := b.registry.Attach(ctx, stagingRepo, digest, b.registryHost+"/"+stagingRepo, signer); err != nil {
		return fmt.Errorf("signing %s@%s with the build key: %w", stagingRepo, digest, err)
	}
	return nil
}

// ownsStaging reports whether repo is staging/<ns>/<name> for one of p's
// namespaces.
func ownsStaging(p Publisher, repo string) bool {
	rest, ok := strings.CutPrefix(repo, StagingPrefix)
	if !ok {
		return false
	}
	ns, name, ok := strings.Cut(rest, "/")
	if !ok || name == "" {
		return false
	}
	for _, own := range p.Namespaces {
		if own == ns {
			return true
		}
	}
	return false
}

// active returns the newest unrevoked Berth-held key of the publisher, or
// ErrBuildKeyRevoked when it has only revoked ones, ErrNoBuildKey when
// none.
func (b *BuildKeys) active(ctx context.Context, publisherID string) (Key, error) {
	keys, err := b.store.Keys(ctx, publisherID)
	if err != nil {
		return Key{}, err
	}
	found := ErrNoBuildKey
	for i := len(keys) - 1; i >= 0; i-- {
		k := keys[i]
		if !k.BerthHeld {
			continue
		}
		if k.RevokedAt.IsZero() {
			return k, nil
		}
		found = ErrBuildKeyRevoked
	}
	return Key{}, found
}

// open returns the signer of a build key, its private half opened.
func (b *BuildKeys) open(k Key) (crypto.Signer, error) {
	if b.sealer == nil {
		return nil, errors.New("no key-encryption key to open the build key")
	}
	der, _, err := b.sealer.Open(k.Sealed, buildKeyAAD(k.Publisher, k.ID))
	if err != nil {
		return nil, fmt.Errorf("opening the build key %s: %w", k.ID, err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the build key %s: %w", k.ID, err)
	}
	ec, ok := priv.(*ecdsa.PrivateKey)
	if !ok || signing.Fingerprint(&ec.PublicKey) != k.ID {
		return nil, fmt.Errorf("the build key %s does not match its public key", k.ID)
	}
	return ec, nil
}

// public returns k without its sealed private half, for callers outside
// the domain.
func public(k Key) Key {
	k.Sealed = nil
	return k
}
