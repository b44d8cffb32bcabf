package webhooks

import (
	"context"
	"encoding/json"
	"net/netip"
)

// GuardDials gives tests the last word on every address d's dialer is about
// to connect to, after the private-address check: a test returns an error
// for anything but loopback, so that no test ever sends a packet out, even
// with the check broken.
func GuardDials(d *Dispatcher, guard func(netip.AddrPort) error) {
	d.guard.Last = guard
}

// EnqueueOnly enqueues del's job without writing its record, as Emit
// leaves things when its process stops between the two.
func EnqueueOnly(ctx context.Context, d *Dispatcher, del Delivery) error {
	job, err := json.Marshal(jobOf(del))
	if err != nil {
		return err
	}
	_, err = d.queue.Enqueue(ctx, DeliveryJob, deliveryJobID(del.ID), job)
	return err
}
