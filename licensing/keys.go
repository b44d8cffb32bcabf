package licensing

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// rootKeyID is the fixed ID of the root key, so that instances racing to
// create it collide on the store's unique ID and agree on one root.
const rootKeyID = "root"

// Validity of generated certificates. Signing keys rotate long before.
const (
	rootValidity    = 20 * 365 * 24 * time.Hour
	signingValidity = 2 * 365 * 24 * time.Hour
	// renewBefore is how long before its certificate expires a signing key
	// is replaced at load, so that tokens never carry an expired chain.
	renewBefore = 90 * 24 * time.Hour
)

// signingKey is a usable token-signing key.
type signingKey struct {
	id      string
	private *ecdsa.PrivateKey
	cert    *x509.Certificate
	header  string // the base64url JOSE header of every token it signs
}

// newSigningKey returns a usable signing key with its token header.
func newSigningKey(id string, priv *ecdsa.PrivateKey, cert *x509.Certificate) signingKey {
	h, _ := json.Marshal(struct {
		Alg string   `json:"alg"`
		Kid string   `json:"kid"`
		Typ string   `json:"typ"`
		X5c []string `json:"x5c"`
	}{"ES256", id, "JWT", []string{base64.StdEncoding.EncodeToString(cert.Raw)}})
	return signingKey{id: id, private: priv, cert: cert, header: base64.RawURLEncoding.EncodeToString(h)}
}

// KeyRing holds the token keys loaded from the Store. Registries trust the
// root certificate; tokens carry the signing certificate in their x5c
// header, so a new signing key is trusted without restarting any registry.
type KeyRing struct {
	store  Store
	sealer Sealer // private keys are stored sealed with it
	now    func() time.Time
	// retireAfter is how long a replaced signing key stays published after
	// its successor appears: long enough for every instance to switch and
	// for the last token it signed to expire.
	retireAfter time.Duration

	mu      sync.RWMutex
	root    *x509.Certificate
	rootKey *ecdsa.PrivateKey // signs signing-key certificates and license files
	signing []signingKey      // active keys, newest last
	cosign  *ecdsa.PrivateKey // signs images promoted to buyers
}

// NewKeyRing returns a KeyRing over store that keeps private keys sealed
// with sealer; call Load before use. retireAfter should exceed the token
// lifetime plus the interval at which instances reload their keys.
func NewKeyRing(store Store, sealer Sealer, retireAfter time.Duration) *KeyRing {
	return &KeyRing{store: store, sealer: sealer, now: time.Now, retireAfter: retireAfter}
}

// Rotate adds a new signing key. Every instance signs with it from its next
// Load; the previous key stays published until it retires, and registries
// accept tokens from both all along because both chain to the root.
func (r *KeyRing) Rotate(ctx context.Context) (string, error) {
	keys, err := r.store.Keys(ctx)
	if err != nil {
		return "", fmt.Errorf("loading token keys: %w", err)
	}
	root, rootKey, err := r.ensureRoot(ctx, keys)
	if err != nil {
		return "", err
	}
	k, err := r.addSigningKey(ctx, root, rootKey)
	if err != nil {
		return "", err
	}
	return k.id, r.Load(ctx)
}

// Load seals any key stored in the clear or under a previous
// key-encryption key, creates the root and a signing key when the store has
// none, then loads every key in use. A key that does not open is an error:
// Load never creates keys in place of stored ones it cannot read.
func (r *KeyRing) Load(ctx context.Context) error {
	keys, err := r.store.Keys(ctx)
	if err != nil {
		return fmt.Errorf("loading token keys: %w", err)
	}
	if keys, _, err = r.sealStale(ctx, keys); err != nil {
		return err
	}
	root, rootKey, err := r.ensureRoot(ctx, keys)
	if err != nil {
		return err
	}
	signing, err := r.activeSigningKeys(keys)
	if err != nil {
		return err
	}
	cosign, err := r.ensureCosign(ctx, keys)
	if err != nil {
		return err
	}
	if len(signing) == 0 || signing[len(signing)-1].cert.NotAfter.Before(r.now().Add(renewBefore)) {
		k, err := r.addSigningKey(ctx, root, rootKey)
		if err != nil {
			return err
		}
		signing = append(signing, k)
	}
	r.mu.Lock()
	r.root, r.rootKey, r.signing, r.cosign = root, rootKey, signing, cosign
	r.mu.Unlock()
	return nil
}

func (r *KeyRing) ensureRoot(ctx context.Context, keys []Key) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	for _, k := range keys {
		if k.Kind == KeyRoot {
			return r.parseKey(k)
		}
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating root key: %w", err)
	}
	tmpl := r.template("Berth token root", rootValidity)
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, nil, fmt.Errorf("creating root certificate: %w", err)
	}
	k, err := r.newKey(rootKeyID, KeyRoot, priv, der)
	if err != nil {
		return nil, nil, err
	}
	if err := r.store.AddKey(ctx, k); errors.Is(err, ErrConflict) {
		// Another instance created the root first: use theirs.
		return r.reloadRoot(ctx)
	} else if err != nil {
		return nil, nil, fmt.Errorf("storing root key: %w", err)
	}
	return r.parseKey(k)
}

func (r *KeyRing) reloadRoot(ctx context.Context) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	keys, err := r.store.Keys(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reloading token keys: %w", err)
	}
	for _, k := range keys {
		if k.Kind == KeyRoot {
			return r.parseKey(k)
		}
	}
	return nil, nil, errors.New("root key vanished while loading")
}

func (r *KeyRing) addSigningKey(ctx context.Context, root *x509.Certificate, rootKey *ecdsa.PrivateKey) (signingKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return signingKey{}, fmt.Errorf("generating signing key: %w", err)
	}
	tmpl := r.template("Berth token signing key", signingValidity)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, &priv.PublicKey, rootKey)
	if err != nil {
		return signingKey{}, fmt.Errorf("creating signing certificate: %w", err)
	}
	id, err := thumbprint(&priv.PublicKey)
	if err != nil {
		return signingKey{}, err
	}
	k, err := r.newKey(id, KeySigning, priv, der)
	if err != nil {
		return signingKey{}, err
	}
	if err := r.store.AddKey(ctx, k); err != nil {
		return signingKey{}, fmt.Errorf("storing signing key: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return signingKey{}, fmt.Errorf("parsing certificate of key %s: %w", id, err)
	}
	return newSigningKey(id, priv, cert), nil
}

func (r *KeyRing) template(cn string, validity time.Duration) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	now := r.now().UTC()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Berth"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
	}
}

// activeSigningKeys returns, oldest first, the signing keys in use at now:
// not retired explicitly, not expired, and not replaced by a key created
// more than retireAfter ago.
func (r *KeyRing) activeSigningKeys(keys []Key) ([]signingKey, error) {
	now := r.now()
	var out []signingKey
	var created []time.Time
	for _, k := range keys {
		if k.Kind != KeySigning || !k.RetiredAt.IsZero() {
			continue
		}
		cert, priv, err := r.parseKey(k)
		if err != nil {
			return nil, err
		}
		if now.After(cert.NotAfter) {
			continue
		}
		out = append(out, newSigningKey(k.ID, priv, cert))
		created = append(created, k.CreatedAt)
	}
	for i := len(out) - 2; i >= 0; i-- {
		if now.Sub(created[i+1]) > r.retireAfter {
			return out[i+1:], nil
		}
	}
	return out, nil
}

// thumbprint is the RFC 7638 JWK thumbprint of an EC P-256 key, used as kid.
func thumbprint(pub *ecdsa.PublicKey) (string, error) {
	j := jwkOf(pub, "", nil)
	canonical := fmt.Sprintf(`{"crv":"%s","kty":"%s","x":"%s","y":"%s"}`, j.Crv, j.Kty, j.X, j.Y)
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// current returns the newest active signing key.
func (r *KeyRing) current() (signingKey, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.signing) == 0 {
		return signingKey{}, errors.New("no token signing key loaded")
	}
	return r.signing[len(r.signing)-1], nil
}

// RootPEM returns the root certificate in PEM, the bundle registries trust.
func (r *KeyRing) RootPEM() []byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.root == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.root.Raw})
}

// JWKS returns the public signing keys as a JSON Web Key Set.
func (r *KeyRing) JWKS() JWKS {
	r.mu.RLock()
	defer r.mu.RUnlock()
	set := JWKS{Keys: []JWK{}}
	for _, k := range r.signing {
		set.Keys = append(set.Keys, jwkOf(&k.private.PublicKey, k.id, [][]byte{k.cert.Raw, r.root.Raw}))
	}
	return set
}
