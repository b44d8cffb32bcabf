package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
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

// attempt posts one delivery and records the outcome.
func (d *Dispatcher) attempt(ctx context.Context, ep Endpoint, del *Delivery) {
	del.Attempts++
	del.LastStatus = 0
	now := d.now()
	status, err := d.post(ctx, ep, del, now)
	del.LastStatus = status
	if err == nil && status >= 200 && status < 300 {
		del.Status, del.LastError = DeliveryDelivered, ""
		return
	}
	if err != nil {
		del.LastError = failureReason(err)
	} else {
		del.LastError = answeredReason(status)
	}
	gaveUp := del.Attempts >= d.cfg.MaxAttempts
	d.logFailure(ctx, ep, del, err, gaveUp)
	if gaveUp {
		del.Status = DeliveryFailed
		return
	}
	// 1 s, 2 s, 4 s … up to an hour.
	del.NextAttemptAt = now.UTC().Add(min(time.Second<<min(del.Attempts-1, 12), time.Hour))
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
