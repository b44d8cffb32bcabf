package billing

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// changeAttempts bounds how often changeOrder applies a change whose
// update other writers keep beating. Past it the caller gets an error: a
// webhook answers 5xx and Stripe delivers the event again later.
const changeAttempts = 16

// changeOrder applies change to order id as stored now and stores the result
// with UpdateOrder's compare-and-swap on the version. If another writer (an
// event handled beside this one, here or on another Berth instance) stored
// the order first, the update is refused with ErrStale and the change is
// applied again to the order as that writer left it, after a short random
// pause, so that no writer's change is lost and no lock is held anywhere
// but in the database.
//
// change may run several times, its side effects with it, so they must
// be idempotent. The license is issued under the ID fixed at checkout:
// licensing.IssueOrder creates it at most once, even when two instances
// race (the license ID is unique), and reports created only then, so
// OnPurchase fires once per license. Sales are keyed by the session,
// invoice or refund they record, and revoking twice revokes once.
//
// What the version does not order are the license writes of two events
// applied at once (SetExpiry, ChangeTier, extend, Revoke): each is a
// read-modify-write of the license, and a change whose update is refused
// has already made them. The one applied again on the newer order usually
// makes them again, but not when the newer order tells it to skip them (an
// older subscription event, a refunded or cancelled order).
func (s *Service) changeOrder(ctx context.Context, id string, change func(*Order) error) error {
	for attempt := 1; ; attempt++ {
		fresh, err := s.store.Order(ctx, id)
		if err != nil {
			return err
		}
		before := fresh
		if err := change(&fresh); err != nil {
			return err
		}
		if fresh == before {
			return nil
		}
		fresh.UpdatedAt = s.now().UTC()
		err = s.store.UpdateOrder(ctx, fresh)
		if !errors.Is(err, ErrStale) {
			return err
		}
		if attempt == changeAttempts {
			return fmt.Errorf("order %s changed under each of %d attempts to apply the change: %w", id, attempt, err)
		}
		if err := pause(ctx, attempt); err != nil {
			return err
		}
	}
}

// pause waits a random time of up to a millisecond per attempt made (at
// most 20 ms), so that writers who collided spread out rather than
// collide again.
func pause(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(min(attempt, 20)) * int64(time.Millisecond)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
