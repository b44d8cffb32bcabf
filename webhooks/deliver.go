package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/berth/berth/jobs"
)

// The reasons a publisher sees for a failed attempt (Delivery.LastError).
// They are generic on purpose: the dial, DNS and TLS errors behind them
// would let a publisher map the network Berth runs in. Operators find the
// detail in the log.
const (
	reasonRefused    = "refused: the address is not public"
	reasonTimeout    = "timed out"
	reasonNoConnect  = "could not connect to the endpoint"
	reasonNoEndpoint = "the endpoint was deleted"
)

// answeredReason is the reason for an answer outside 2xx.
func answeredReason(status int) string {
	return fmt.Sprintf("the endpoint answered HTTP %d", status)
}

// deliveryJob is a delivery job's payload: the delivery as Emit made it,
// enough to write its record again if Emit stopped before it did.
type deliveryJob struct {
	ID        string    `json:"id"`
	Endpoint  string    `json:"endpoint"`
	Publisher string    `json:"publisher"`
	Event     string    `json:"event"`
	Body      []byte    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

func jobOf(d Delivery) deliveryJob {
	return deliveryJob{ID: d.ID, Endpoint: d.Endpoint, Publisher: d.Publisher, Event: d.Event, Body: d.Payload, CreatedAt: d.CreatedAt}
}

// deliveryJobID is the ID of the job that posts the delivery with id.
func deliveryJobID(id string) string { return "webhook-delivery:" + id }

// Deliver is the handler of DeliveryJob: it makes one attempt at the
// delivery and records it in the delivery's history. A failed attempt is
// returned as an error the queue retries with its backoff; on the queue's
// last attempt the delivery is marked failed, and the job becomes a dead
// letter an administrator can retry. A delivery already delivered (its job
// ran again because the worker's report was lost) is not posted again.
func (d *Dispatcher) Deliver(ctx context.Context, payload []byte) error {
	var j deliveryJob
	if err := json.Unmarshal(payload, &j); err != nil || j.ID == "" {
		return jobs.Permanent(fmt.Errorf("webhook delivery job: payload does not decode: %v", err))
	}
	del, err := d.store.Delivery(ctx, j.ID)
	if errors.Is(err, ErrNotFound) {
		now := d.now().UTC()
		del = Delivery{ID: j.ID, Endpoint: j.Endpoint, Publisher: j.Publisher, Event: j.Event, Payload: j.Body,
			Status: DeliveryPending, NextAttemptAt: now, CreatedAt: j.CreatedAt, UpdatedAt: now}
		err = d.store.AddDeliveries(ctx, []Delivery{del})
	}
	if err != nil {
		return err
	}
	if del.Status == DeliveryDelivered {
		return nil
	}
	attempt, _ := jobs.AttemptOf(ctx)
	ep, found, err := d.endpoint(ctx, del)
	if err != nil {
		return err
	}
	var failure error
	if !found {
		del.Status, del.LastError = DeliveryFailed, reasonNoEndpoint
		failure = jobs.Permanent(errors.New(reasonNoEndpoint))
	} else if !d.attempt(ctx, ep, &del, attempt) {
		failure = errors.New(del.LastError)
	}
	del.UpdatedAt = d.now().UTC()
	// Recorded even when the run is being stopped: the attempt was made.
	if err := d.store.UpdateDelivery(context.WithoutCancel(ctx), del); err != nil {
		return err
	}
	return jobs.Expected(failure)
}

// endpoint finds the delivery's endpoint, and reports whether it still
// exists.
func (d *Dispatcher) endpoint(ctx context.Context, del Delivery) (Endpoint, bool, error) {
	eps, err := d.store.Endpoints(ctx, del.Publisher)
	if err != nil {
		return Endpoint{}, false, err
	}
	i := slices.IndexFunc(eps, func(e Endpoint) bool { return e.ID == del.Endpoint })
	if i < 0 {
		return Endpoint{}, false, nil
	}
	return eps[i], true, nil
}

// attempt posts one delivery, records the outcome in del and reports
// whether the endpoint took it. The queue's attempt says whether a failure
// is the last.
func (d *Dispatcher) attempt(ctx context.Context, ep Endpoint, del *Delivery, a jobs.Attempt) bool {
	del.Attempts++
	del.LastStatus = 0
	now := d.now()
	status, err := d.post(ctx, ep, del, now)
	del.LastStatus = status
	if err == nil && status >= 200 && status < 300 {
		del.Status, del.LastError = DeliveryDelivered, ""
		return true
	}
	if err != nil {
		del.LastError = failureReason(err)
	} else {
		del.LastError = answeredReason(status)
	}
	d.logFailure(ctx, ep, del, err, a.Last)
	if a.Last {
		del.Status = DeliveryFailed
		return false
	}
	// When the queue will try again (approximately: it reads its own
	// clock).
	del.Status, del.NextAttemptAt = DeliveryPending, now.UTC().Add(jobs.Backoff(a.Number))
	return false
}

// post sends the delivery, signed at now, and returns the endpoint's
// status, or the error that kept it from answering.
func (d *Dispatcher) post(ctx context.Context, ep Endpoint, del *Delivery, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(del.Payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Berth-Webhooks/1")
	req.Header.Set("Berth-Event", del.Event)
	req.Header.Set("Berth-Delivery", del.ID)
	req.Header.Set("Berth-Signature", Sign(d.Secret(ep.ID), now, del.Payload))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// failureReason is what a publisher is told about err.
func failureReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, errNotPublic):
		return reasonRefused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return reasonTimeout
	}
	return reasonNoConnect
}

// logFailure tells operators why an attempt failed: at Info when Berth
// refused the address or gave up, at Debug for a failure it will retry.
// It names the endpoint's host, never its URL, whose path or query may
// hold the publisher's token.
func (d *Dispatcher) logFailure(ctx context.Context, ep Endpoint, del *Delivery, err error, gaveUp bool) {
	level := slog.LevelDebug
	if gaveUp || errors.Is(err, errNotPublic) {
		level = slog.LevelInfo
	}
	host := ""
	if u, perr := url.Parse(ep.URL); perr == nil {
		host = u.Host
	}
	detail := del.LastError
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // url.Error's text repeats the whole URL
	}
	if err != nil {
		detail = err.Error()
	}
	d.log.Log(ctx, level, "webhook delivery attempt failed", "delivery", del.ID,
		"endpoint", ep.ID, "host", host, "attempt", del.Attempts, "gave_up", gaveUp,
		"reason", del.LastError, "detail", detail)
}
