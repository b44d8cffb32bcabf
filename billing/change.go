package billing

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

const (
	// claimFor is how long an event's claim on an order lasts: far longer
	// than applying one event takes (milliseconds), and short enough that
	// an event retried after its instance died waits little.
	claimFor = 2 * time.Second
	// waitFor bounds how long changeOrder waits for other events' claims
	// and retries refused updates. Past it the caller gets an error: a
	// webhook answers 5xx and Stripe delivers the event again later.
	waitFor = 2 * claimFor
)

// ErrBusy means an order stayed claimed by other events, or its claim was
// taken away, for longer than changeOrder waits: try again later.
var ErrBusy = errors.New("the order is busy with other Stripe events")

// changeOrder applies change, side effects and all, to order id as stored
// now, one event at a time across every Berth instance sharing the
// database. No lock is held in any process: the order's version and its
// claim, both in the database, do it.
//
//  1. Claim: store the order as read with ClaimedUntil set, by
//     UpdateOrder's compare-and-swap on the version. If the order is
//     claimed by another event, wait; if another writer stored it first
//     (ErrStale), read it again. Either way after a short random pause.
//  2. Apply change to the claimed order: its license writes, sales and
//     hooks run while no other event of the order runs its own.
//  3. Store the result with the claim cleared, again by compare-and-swap
//     at the claimed version. It is refused only if the claim ran out
//     and another event took the order; then the result is dropped and the
//     caller gets ErrBusy, and Stripe delivers the event again.
//
// The side effects must still be idempotent, for an event delivered again
// after its instance died mid-way or lost its claim: the license is issued
// under the ID fixed at checkout (licensing.IssueOrder creates it at most
// once, even when two instances race, since the ID is unique, and reports
// created only then, so OnPurchase fires once per license); sales are keyed
// by the session, invoice or refund they record; revoking twice revokes
// once; expiries and tiers are set from the order as it is now.
func (s *Service) changeOrder(ctx context.Context, id string, change func(*Order) error) error {
	claimed, err := s.claim(ctx, id)
	if err != nil {
		return err
	}
	o := claimed
	if err := change(&o); err != nil {
		s.release(ctx, claimed)
		return err
	}
	unclaimed := claimed
	o.ClaimedUntil, unclaimed.ClaimedUntil = time.Time{}, time.Time{}
	if o != unclaimed {
		o.UpdatedAt = s.now().UTC()
	}
	err = s.store.UpdateOrder(ctx, o)
	if errors.Is(err, ErrStale) {
		return fmt.Errorf("order %s: its claim ran out before the change was stored (%w): %w", id, err, ErrBusy)
	}
	return err
}

// claim stores order id claimed for claimFor and returns it as stored.
func (s *Service) claim(ctx context.Context, id string) (Order, error) {
	deadline := s.now().Add(waitFor)
	for attempt := 1; ; attempt++ {
		o, err := s.store.Order(ctx, id)
		if err != nil {
			return Order{}, err
		}
		now := s.now().UTC()
		if !o.ClaimedUntil.After(now) {
			o.ClaimedUntil = now.Add(claimFor)
			err = s.store.UpdateOrder(ctx, o)
			if err == nil {
				o.Version++
				return o, nil
			} else if !errors.Is(err, ErrStale) {
				return Order{}, err
			}
		}
		if now.After(deadline) {
			return Order{}, fmt.Errorf("order %s: claimed by other events for %s: %w", id, waitFor, ErrBusy)
		}
		if err := pause(ctx, attempt); err != nil {
			return Order{}, err
		}
	}
}

// release clears a claim whose change failed, so that the next event need
// not wait for it to run out; if the order moved on, there is nothing to
// clear.
func (s *Service) release(ctx context.Context, claimed Order) {
	claimed.ClaimedUntil = time.Time{}
	if err := s.store.UpdateOrder(ctx, claimed); err != nil && !errors.Is(err, ErrStale) {
		s.log.Warn("releasing the claim on an order", "order", claimed.ID, "err", err)
	}
}

// pause waits a random time of up to a millisecond per attempt made (at
// most 20 ms), so that events that collided spread out rather than
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
