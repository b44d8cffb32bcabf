package publisher

import (
	"context"
	"errors"
	"fmt"
)

// SealStored opens every stored build key with the BuildKeys' sealer and
// seals again, with its current key-encryption key, those sealed with a
// previous one; it returns how many it sealed. A key that does not open is
// an error, so that a rotation finishes only when every build key opens
// with the new key-encryption key: `berth keys rotate-kek` calls it with a
// ring sealing with the new key, and every start calls it, as the token
// keys are sealed again at load.
func (b *BuildKeys) SealStored(ctx context.Context) (int, error) {
	if b.sealer == nil {
		return 0, errors.New("no key-encryption key: build keys are never stored in the clear")
	}
	keys, err := b.store.BerthHeldKeys(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		aad := buildKeyAAD(k.Publisher, k.ID)
		plain, stale, err := b.sealer.Open(k.Sealed, aad)
		if err != nil {
			return n, fmt.Errorf("opening the build key %s: %w", k.ID, err)
		}
		if !stale {
			continue
		}
		sealed, err := b.sealer.Seal(plain, aad)
		if err != nil {
			return n, fmt.Errorf("sealing the build key %s: %w", k.ID, err)
		}
		err = b.store.ResealKey(ctx, k.Publisher, k.ID, k.Sealed, sealed)
		if errors.Is(err, ErrConflict) {
			continue // sealed again meanwhile by another instance
		} else if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
