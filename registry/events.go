package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// EventsMediaType is the media type of a registry notification envelope.
const EventsMediaType = "application/vnd.docker.distribution.events.v2+json"

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
