package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/berth/berth/jobs"
)

// EventsMediaType is the media type of a registry notification envelope.
const EventsMediaType = "application/vnd.docker.distribution.events.v2+json"

// EventJob is the kind of the job that applies one registry event.
const EventJob = "registry.event"

// Event is one registry notification, the fields Berth uses.
type Event struct {
	ID        string    `json:"id"`
	Timestamp time.Time `json:"timestamp"`
	Action    string    `json:"action"` // push, pull, delete, mount
	Target    struct {
		MediaType  string `json:"mediaType"`
		Digest     string `json:"digest"`
		Size       int64  `json:"size"`
		Repository string `json:"repository"`
		Tag        string `json:"tag"`
	} `json:"target"`
	Request struct {
		Method    string `json:"method"`
		UserAgent string `json:"useragent"`
	} `json:"request"`
	Actor struct {
		Name string `json:"name"`
	} `json:"actor"`
}

// ParseEvents decodes a notification envelope.
func ParseEvents(body []byte) ([]Event, error) {
	var env struct {
		Events []Event `json:"events"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("decoding registry events: %w", err)
	}
	return env.Events, nil
}

// manifestTypes are the manifest media types, true for those of one image:
// a pull counts once, on its image manifest (a multi-platform pull fetches
// the index, then one image).
var manifestTypes = map[string]bool{
	"application/vnd.oci.image.manifest.v1+json":                true,
	"application/vnd.oci.image.index.v1+json":                   false,
	"application/vnd.docker.distribution.manifest.v2+json":      true,
	"application/vnd.docker.distribution.manifest.list.v2+json": false,
}

// IsImagePull reports a pull of one image's manifest: what counts as a pull.
func (e Event) IsImagePull() bool {
	return e.Action == "pull" && manifestTypes[e.Target.MediaType]
}

// Wanted reports whether Berth does anything with e: a manifest pushed, an
// image pulled by anyone but Berth itself (whose tokens' subjects start
// with internalSubject), a manifest or tag deleted. Blob events and the
// rest are not stored.
func (e Event) Wanted(internalSubject string) bool {
	_, manifest := manifestTypes[e.Target.MediaType]
	switch {
	case e.ID == "" || e.Target.Repository == "":
		return false
	case e.Action == "push":
		return manifest
	case e.IsImagePull():
		return !strings.HasPrefix(e.Actor.Name, internalSubject)
	case e.Action == "delete":
		return e.Target.Digest != "" || e.Target.Tag != ""
	}
	return false
}

// Queue is where the intake stores events: the durable job queue.
type Queue interface {
	Enqueue(ctx context.Context, kind, id string, payload []byte) (bool, error)
}

// MaxDeliveries bounds how often the registry may deliver one event that
// Berth fails to store. distribution v3.1 retries an unaccepted event for
// ever, holding up every event behind it; after this many failed
// deliveries Berth accepts the event without storing it and logs what was
// lost (`berth` resynchronises the catalog's tags at its next start).
const MaxDeliveries = 20

// Intake takes the registry's notifications: each wanted event is stored
// as a job keyed by the event's ID before the registry is answered, so
// that an event survives a restart and one delivered twice (a retry whose
// first answer was lost) is applied once.
type Intake struct {
	queue    Queue
	internal string
	log      *slog.Logger
	mu       sync.Mutex
	failures map[string]int // event ID → failed deliveries
}

// NewIntake returns an intake storing into queue; internalSubject starts
// the subjects of Berth's own tokens, whose pulls are not counted.
func NewIntake(queue Queue, internalSubject string, log *slog.Logger) *Intake {
	return &Intake{queue: queue, internal: internalSubject, log: log, failures: map[string]int{}}
}

// Accept stores the wanted events of one delivery. An error means an event
// could not be stored and the delivery should be answered 5xx, for the
// registry to retry it.
func (in *Intake) Accept(ctx context.Context, events []Event) error {
	for _, e := range events {
		if !e.Wanted(in.internal) {
			continue
		}
		payload, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encoding registry event %s: %w", e.ID, err)
		}
		if _, err := in.queue.Enqueue(ctx, EventJob, e.ID, payload); err != nil {
			if in.giveUp(e.ID) {
				in.log.Error("dropping a registry event Berth failed to store", "deliveries", MaxDeliveries,
					"event", e.ID, "action", e.Action, "repository", e.Target.Repository, "tag", e.Target.Tag,
					"digest", e.Target.Digest, "err", err)
				continue
			}
			return err
		}
		in.forget(e.ID)
	}
	return nil
}

// giveUp counts a failed delivery of event id and reports whether it was
// the last one allowed.
func (in *Intake) giveUp(id string) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.failures) > 10000 {
		clear(in.failures) // a long outage: forget counts rather than grow
	}
	in.failures[id]++
	if in.failures[id] >= MaxDeliveries {
		delete(in.failures, id)
		return true
	}
	return false
}

func (in *Intake) forget(id string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	delete(in.failures, id)
}

// EventHandler returns the job handler of EventJob: it decodes the stored
// event and hands it to apply.
func EventHandler(apply func(ctx context.Context, e Event) error) jobs.Handler {
	return func(ctx context.Context, payload []byte) error {
		var e Event
		if err := json.Unmarshal(payload, &e); err != nil {
			return jobs.Permanent(fmt.Errorf("decoding a stored registry event: %w", err))
		}
		return apply(ctx, e)
	}
}

// Ping checks that the registry at baseURL answers its API version check. A
// registry with token auth answers 401 to an anonymous ping: that is healthy.
func Ping(ctx context.Context, client *http.Client, baseURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/v2/", nil)
	if err != nil {
		return fmt.Errorf("building registry ping: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("pinging registry: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("pinging registry: status %d", resp.StatusCode)
	}
	return nil
}
