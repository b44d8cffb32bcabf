package licensing

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"
)

// KeyState describes one signing key for operators.
type KeyState struct {
	ID        string
	CreatedAt time.Time
	NotAfter  time.Time
	Current   bool // signs new tokens
	Published bool // in the JWKS and accepted
}

// States lists every signing key and whether it is in use.
func (r *KeyRing) States(ctx context.Context) ([]KeyState, error) {
	keys, err := r.store.Keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading token keys: %w", err)
	}
	active, err := r.activeSigningKeys(keys)
	if err != nil {
		return nil, err
	}
	var out []KeyState
	for _, k := range keys {
		if k.Kind != KeySigning {
			continue
		}
		cert, err := x509.ParseCertificate(k.CertDER)
		if err != nil {
			return nil, fmt.Errorf("parsing certificate of key %s: %w", k.ID, err)
		}
		st := KeyState{ID: k.ID, CreatedAt: k.CreatedAt, NotAfter: cert.NotAfter}
		for i, a := range active {
			if a.id == k.ID {
				st.Published, st.Current = true, i == len(active)-1
			}
		}
		out = append(out, st)
	}
	return out, nil
}
