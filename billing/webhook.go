package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/berth/berth/internal/failpoint"
	"github.com/berth/berth/licensing"
)

// HandleWebhook verifies a Stripe event and applies it exactly once.
//
// The event ID is recorded first (the idempotency key); an event processed
// completely before is acknowledged and ignored. Every step of processing
// is idempotent and keyed by the order, so an event whose processing failed
// or was cut short by a crash is simply processed again when Stripe retries
// it: the order's license ID is fixed at checkout, so at most one license
// can ever come of it. An error means "retry": the caller answers 5xx.
func (s *Service) HandleWebhook(ctx context.Context, payload []byte, signature string) error {
	if s.cfg.WebhookSecret == "" {
		return ErrNotConfigured
	}
	ev, err := webhook.ConstructEventWithOptions(payload, signature, s.cfg.WebhookSecret,
		webhook.ConstructEventOptions{Tolerance: s.cfg.Tolerance, IgnoreAPIVersionMismatch: true})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	done, err := s.store.ClaimEvent(ctx, ev.ID, string(ev.Type), s.now().UTC())
	if err != nil {
		return fmt.Errorf("recording event %s: %w", ev.ID, err)
	}
	if done {
		return nil
	}
	if err := s.apply(ctx, ev); err != nil {
		return fmt.Errorf("processing %s %s: %w", ev.Type, ev.ID, err)
	}
	failpoint.Hit("billing-before-finish")
	return s.store.FinishEvent(ctx, ev.ID, s.now().UTC())
}

// apply dispatches an event; types Berth does not act on are acknowledged.
func (s *Service) apply(ctx context.Context, ev stripe.Event) error {
	at := time.Unix(ev.Created, 0).UTC()
	switch ev.Type {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded":
		var cs stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
			return err
		}
		return s.sessionCompleted(ctx, &cs, at)
	case "checkout.session.async_payment_failed", "checkout.session.expired":
		var cs stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
			return err
		}
		return s.sessionFailed(ctx, &cs)
	case "invoice.paid":
		var inv stripe.Invoice
		if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil {
			return err
		}
		return s.invoicePaid(ctx, &inv, at)
	case "invoice.payment_failed":
		var inv stripe.Invoice
		if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil {
			return err
		}
		return s.invoiceFailed(ctx, &inv, at)
	case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
		var sub stripe.Subscription
		if err := json.Unmarshal(ev.Data.Raw, &sub); err != nil {
			return err
		}
		return s.subscriptionChanged(ctx, &sub, ev.Type == "customer.subscription.deleted", at)
	case "charge.refunded":
		var ch stripe.Charge
		if err := json.Unmarshal(ev.Data.Raw, &ch); err != nil {
			return err
		}
		return s.chargeRefunded(ctx, &ch, at)
	}
	return nil
}

// withOrder runs change on the order the metadata or the lookup names
// through changeOrder: events of one order that arrive at once, at one
// Berth instance or at several sharing a database, take effect one at a
// time, and every one lands. An event about an order Berth never made (another integration
// on the same Stripe account) is acknowledged and ignored.
func (s *Service) withOrder(ctx context.Context, meta map[string]string, lookup func() (Order, error), change func(*Order) error) error {
	var o Order
	var err error
	if id := meta["order_id"]; id != "" {
		o, err = s.store.Order(ctx, id)
	} else if lookup != nil {
		o, err = lookup()
	} else {
		err = ErrNotFound
	}
	if errors.Is(err, ErrNotFound) {
		s.log.Info("stripe event for no Berth order: ignored", "order", meta["order_id"])
		return nil
	} else if err != nil {
		return err
	}
	return s.changeOrder(ctx, o.ID, change)
}

func (s *Service) sessionCompleted(ctx context.Context, cs *stripe.CheckoutSession, at time.Time) error {
	lookup := func() (Order, error) { return s.store.OrderBySession(ctx, cs.ID) }
	return s.withOrder(ctx, cs.Metadata, lookup, func(o *Order) error {
		o.SessionID = cs.ID
		if cs.Customer != nil && cs.Customer.ID != "" {
			o.CustomerID = cs.Customer.ID
		}
		if cs.Subscription != nil && cs.Subscription.ID != "" {
			o.SubscriptionID = cs.Subscription.ID
		}
		if cs.PaymentIntent != nil && cs.PaymentIntent.ID != "" {
			o.PaymentIntent = cs.PaymentIntent.ID
		}
		if cs.AmountTotal > 0 {
			o.Amount = cs.AmountTotal
		}
		if cs.PaymentStatus == stripe.CheckoutSessionPaymentStatusUnpaid {
			return nil // an asynchronous payment: wait for its outcome
		}
		trial := cs.PaymentStatus == stripe.CheckoutSessionPaymentStatusNoPaymentRequired
		if err := s.fulfil(ctx, o, cs.Metadata, trial, at); err != nil {
			return err
		}
		if o.Mode == "payment" && o.Status == OrderPaid {
			return s.recordSale(ctx, o, "session:"+cs.ID, o.Amount, at)
		}
		return nil
	})
}

// fulfil marks a paid order paid and issues its license, unless the order
// was refunded or failed meanwhile (events out of order).
func (s *Service) fulfil(ctx context.Context, o *Order, meta map[string]string, trial bool, at time.Time) error {
	if o.Status == OrderRefunded {
		return nil
	}
	if o.Status == OrderPending || o.Status == OrderFailed {
		o.Status = OrderPaid
	}
	var expires time.Time
	if o.Mode == "subscription" {
		end := o.PeriodEnd
		if end.IsZero() {
			// Until the first invoice says otherwise: one period from now.
			end = addInterval(s.now().UTC(), o.Interval)
		}
		expires = end.Add(s.cfg.Grace)
	}
	terms, _ := strconv.Atoi(meta["terms_version"])
	l, created, err := s.licenses.IssueOrder(ctx, licensing.OrderGrant{LicenseID: o.LicenseID, OrderID: o.ID, Owner: o.Owner,
		Product: o.Product, Tier: o.Tier, Quantity: o.Quantity, ExpiresAt: expires, Trial: trial, TermsVersion: terms})
	if err != nil {
		return fmt.Errorf("issuing the license: %w", err)
	}
	if created {
		s.log.Info("license issued for a paid order", "order", o.ID, "license", l.ID)
		if s.OnPurchase != nil {
			s.OnPurchase(ctx, *o)
		}
	}
	failpoint.Hit("billing-after-issue")
	return nil
}

func (s *Service) sessionFailed(ctx context.Context, cs *stripe.CheckoutSession) error {
	lookup := func() (Order, error) { return s.store.OrderBySession(ctx, cs.ID) }
	return s.withOrder(ctx, cs.Metadata, lookup, func(o *Order) error {
		if o.Status == OrderPending {
			o.Status = OrderFailed
		}
		return nil
	})
}

// invoiceMeta is the order metadata an invoice carries: a subscription's,
// or, for one-time payments, the invoice's own.
func invoiceMeta(inv *stripe.Invoice) map[string]string {
	if inv.SubscriptionDetails != nil && inv.SubscriptionDetails.Metadata["order_id"] != "" {
		return inv.SubscriptionDetails.Metadata
	}
	return inv.Metadata
}

// periodEnd is the end of the latest period an invoice pays for.
func periodEnd(inv *stripe.Invoice) time.Time {
	end := inv.PeriodEnd
	if inv.Lines != nil {
		for _, line := range inv.Lines.Data {
			if line.Period != nil && line.Period.End > end {
				end = line.Period.End
			}
		}
	}
	return time.Unix(end, 0).UTC()
}

func (s *Service) subscriptionLookup(ctx context.Context, sub *stripe.Subscription) func() (Order, error) {
	if sub == nil || sub.ID == "" {
		return nil
	}
	return func() (Order, error) { return s.store.OrderBySubscription(ctx, sub.ID) }
}

func (s *Service) invoicePaid(ctx context.Context, inv *stripe.Invoice, at time.Time) error {
	meta := invoiceMeta(inv)
	return s.withOrder(ctx, meta, s.subscriptionLookup(ctx, inv.Subscription), func(o *Order) error {
		o.InvoiceID = inv.ID
		if inv.HostedInvoiceURL != "" {
			o.ReceiptURL = inv.HostedInvoiceURL
		}
		if o.Mode != "subscription" {
			return nil // a one-time payment's receipt; its sale came with the session
		}
		if inv.Subscription != nil && inv.Subscription.ID != "" {
			o.SubscriptionID = inv.Subscription.ID
		}
		if end := periodEnd(inv); end.After(o.PeriodEnd) {
			o.PeriodEnd = end
		}
		if o.Status == OrderPastDue {
			o.Status = OrderPaid
		}
		// Paid is paid: the license exists from now on even if the
		// session's completion has not arrived yet.
		if err := s.fulfil(ctx, o, meta, inv.AmountPaid == 0, at); err != nil {
			return err
		}
		if o.Status == OrderRefunded || o.Status == OrderCanceled {
			return nil
		}
		if _, err := s.extend(ctx, o.LicenseID, o.PeriodEnd.Add(s.cfg.Grace)); err != nil {
			return err
		}
		if inv.AmountPaid > 0 {
			return s.recordSale(ctx, o, "invoice:"+inv.ID, inv.AmountPaid, at)
		}
		return nil
	})
}

// extend moves a license's end later, never earlier: an older renewal
// arriving late cannot shorten a newer one.
func (s *Service) extend(ctx context.Context, licenseID string, until time.Time) (licensing.License, error) {
	l, err := s.licenses.License(ctx, licenseID)
	if err != nil {
		return licensing.License{}, err
	}
	if !l.ExpiresAt.IsZero() && !until.After(l.ExpiresAt) {
		return l, nil
	}
	return s.licenses.SetExpiry(ctx, licenseID, until)
}

func (s *Service) invoiceFailed(ctx context.Context, inv *stripe.Invoice, at time.Time) error {
	return s.withOrder(ctx, invoiceMeta(inv), s.subscriptionLookup(ctx, inv.Subscription), func(o *Order) error {
		if o.Mode != "subscription" || o.Status != OrderPaid {
			return nil
		}
		o.Status = OrderPastDue
		// The grace period: the license keeps working this long after
		// the failure (or to its paid period's end, if later).
		l, err := s.licenses.License(ctx, o.LicenseID)
		if errors.Is(err, licensing.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		grace := at.Add(s.cfg.Grace)
		if l.ExpiresAt.IsZero() || l.ExpiresAt.After(grace) {
			_, err = s.licenses.SetExpiry(ctx, l.ID, maxTime(grace, o.PeriodEnd))
		}
		return err
	})
}

func (s *Service) subscriptionChanged(ctx context.Context, sub *stripe.Subscription, deleted bool, at time.Time) error {
	return s.withOrder(ctx, sub.Metadata, s.subscriptionLookup(ctx, sub), func(o *Order) error {
		if at.Before(o.EventAt) {
			return nil // older than what the order already reflects
		}
		o.EventAt = at
		o.SubscriptionID = sub.ID
		if sub.CurrentPeriodEnd > 0 {
			o.PeriodEnd = time.Unix(sub.CurrentPeriodEnd, 0).UTC()
		}
		if o.Status == OrderRefunded {
			return nil
		}
		if _, err := s.licenses.License(ctx, o.LicenseID); errors.Is(err, licensing.ErrNotFound) {
			return nil // not paid yet: the session or the invoice will issue it
		} else if err != nil {
			return err
		}
		ended := deleted || sub.Status == stripe.SubscriptionStatusCanceled || sub.Status == stripe.SubscriptionStatusIncompleteExpired
		switch {
		case ended:
			o.Status = OrderCanceled
			end := o.PeriodEnd
			if sub.EndedAt > 0 {
				end = time.Unix(sub.EndedAt, 0).UTC()
			}
			_, err := s.licenses.SetExpiry(ctx, o.LicenseID, end)
			return err
		case sub.CancelAtPeriodEnd:
			_, err := s.licenses.SetExpiry(ctx, o.LicenseID, o.PeriodEnd)
			return err
		}
		if sub.Items != nil && len(sub.Items.Data) > 0 {
			item := sub.Items.Data[0]
			tier := o.Tier
			if item.Price != nil && item.Price.Metadata["tier"] != "" {
				tier = item.Price.Metadata["tier"]
			}
			if q := int(item.Quantity); q > 0 && (q != o.Quantity || tier != o.Tier) {
				if _, err := s.licenses.ChangeTier(ctx, o.LicenseID, tier, q); err != nil {
					return err
				}
				o.Quantity, o.Tier = q, tier
			}
		}
		if sub.Status == stripe.SubscriptionStatusActive || sub.Status == stripe.SubscriptionStatusTrialing {
			if o.Status == OrderPastDue {
				o.Status = OrderPaid
			}
			_, err := s.extend(ctx, o.LicenseID, o.PeriodEnd.Add(s.cfg.Grace))
			return err
		}
		return nil
	})
}

func (s *Service) chargeRefunded(ctx context.Context, ch *stripe.Charge, at time.Time) error {
	lookup := func() (Order, error) {
		if ch.PaymentIntent == nil || ch.PaymentIntent.ID == "" {
			return Order{}, ErrNotFound
		}
		return s.store.OrderByPaymentIntent(ctx, ch.PaymentIntent.ID)
	}
	meta := ch.Metadata
	if meta["order_id"] == "" && ch.Invoice != nil && ch.Invoice.SubscriptionDetails != nil {
		meta = ch.Invoice.SubscriptionDetails.Metadata
	}
	return s.withOrder(ctx, meta, lookup, func(o *Order) error {
		if ch.Refunds != nil {
			for _, r := range ch.Refunds.Data {
				if err := s.recordSale(ctx, o, "refund:"+r.ID, -r.Amount, at); err != nil {
					return err
				}
			}
		}
		if !ch.Refunded { // partly refunded: the license stands
			return nil
		}
		o.Status = OrderRefunded
		if _, err := s.licenses.Revoke(ctx, o.LicenseID); err != nil && !errors.Is(err, licensing.ErrNotFound) {
			return err
		}
		return nil
	})
}

// recordSale records a payment or refund in the publisher's earnings.
func (s *Service) recordSale(ctx context.Context, o *Order, id string, gross int64, at time.Time) error {
	fee := int64(math.Round(float64(gross) * s.cfg.FeePercent / 100))
	return s.store.AddSale(ctx, Sale{ID: id, Publisher: o.Publisher, OrderID: o.ID, Product: o.Product, Tier: o.Tier,
		Gross: gross, Fee: fee, Net: gross - fee, Currency: o.Currency, At: at})
}

func addInterval(t time.Time, interval string) time.Time {
	if interval == "year" {
		return t.AddDate(1, 0, 0)
	}
	return t.AddDate(0, 1, 0)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
