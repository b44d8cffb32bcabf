package licensing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth/berth/internal/secret"
)

// HandoverTTL bounds how long a new license key waits to be shown.
const HandoverTTL = 10 * time.Minute

// ErrNoHandover means no key waits to be shown for a session and license:
// it was shown already, it expired, or it was never made there.
var ErrNoHandover = errors.New("no key waiting to be shown")

// Handover is a new license key waiting, sealed, for the one page that
// shows it (post-redirect-get): the form that made the key holds it here,
// the page after the redirect takes it, and no other page, tab or instance
// can take it again.
type Handover struct {
	// ID names the wait of one session for one license (see handoverID).
	ID        string
	Sealed    []byte
	ExpiresAt time.Time
}

// HandoverStore persists waiting keys. Implementations live in sqlitestore
// and mongostore and pass the shared suite in storetest (RunHandover).
type HandoverStore interface {
	// PutHandover stores h, replacing any handover with its ID.
	PutHandover(ctx context.Context, h Handover) error
	// TakeHandover removes the handover id and returns it, atomically: of
	// two callers at once only one gets it. It returns ErrNotFound when
	// none is stored, or the one stored expired at or before now (removed
	// all the same).
	TakeHandover(ctx context.Context, id string, now time.Time) (Handover, error)
	// DeleteExpiredHandovers removes handovers expired at or before now.
	DeleteExpiredHandovers(ctx context.Context, now time.Time) error
}

// Handovers holds new license keys server-side, sealed with the
// key-encryption key, between the form that made them and the page that
// shows them once.
type Handovers struct {
	store  HandoverStore
	sealer Sealer
	now    func() time.Time
}

// NewHandovers returns Handovers keeping keys in store, sealed by sealer.
func NewHandovers(store HandoverStore, sealer Sealer) *Handovers {
	return &Handovers{store: store, sealer: sealer, now: time.Now}
}

// handoverID names the wait of session for license: a hash, so that the
// store holds neither the session's identifier nor a guessable name.
func handoverID(session, license string) string {
	return secret.Hash("berth key handover\x00" + session + "\x00" + license)
}

// handoverAAD binds a sealed key to its session and license: a sealed
// value copied to another record does not open.
func handoverAAD(session, license string) []byte {
	return []byte("berth key handover\x00" + session + "\x00" + license)
}

// Hold keeps issued's key for the next page of session that shows its
// license, for HandoverTTL, and clears handovers left expired.
func (h *Handovers) Hold(ctx context.Context, session string, issued Issued) error {
	if h.sealer == nil {
		return errNoSealer
	}
	l := issued.License.ID
	sealed, err := h.sealer.Seal([]byte(issued.Key), handoverAAD(session, l))
	if err != nil {
		return fmt.Errorf("sealing the key of license %s: %w", l, err)
	}
	now := h.now().UTC()
	if err := h.store.DeleteExpiredHandovers(ctx, now); err != nil {
		return fmt.Errorf("clearing expired key handovers: %w", err)
	}
	err = h.store.PutHandover(ctx, Handover{ID: handoverID(session, l), Sealed: sealed, ExpiresAt: now.Add(HandoverTTL)})
	if err != nil {
		return fmt.Errorf("holding the key of license %s: %w", l, err)
	}
	return nil
}

// Take returns the key held for session and license and forgets it, or
// ErrNoHandover when none waits.
func (h *Handovers) Take(ctx context.Context, session, license string) (string, error) {
	if h.sealer == nil {
		return "", errNoSealer
	}
	ho, err := h.store.TakeHandover(ctx, handoverID(session, license), h.now().UTC())
	if errors.Is(err, ErrNotFound) {
		return "", ErrNoHandover
	}
	if err != nil {
		return "", fmt.Errorf("taking the key of license %s: %w", license, err)
	}
	key, _, err := h.sealer.Open(ho.Sealed, handoverAAD(session, license))
	if err != nil {
		return "", fmt.Errorf("opening the key of license %s: %w", license, err)
	}
	return string(key), nil
}
