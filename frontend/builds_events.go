package frontend

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/berth/berth/builds"
)

// The live log's bounds. The stream reads the store, not this instance's
// memory, so that a build running on any instance streams to a viewer on
// any other; each viewer costs one log read and one record read per poll.
const (
	// streamPoll is how often a stream looks for new log text.
	streamPoll = 300 * time.Millisecond
	// streamMax ends a stream well inside the server's 30 s write
	// timeout; EventSource reconnects with Last-Event-ID, the log offset,
	// and the stream resumes where it stopped.
	streamMax = 20 * time.Second
	// streamChunk bounds one log event.
	streamChunk = 64 << 10
)

// statusEvent is the data of a "status" event.
type statusEvent struct {
	Status     builds.Status `json:"status"`
	Digest     string        `json:"digest,omitempty"`
	Tags       []string      `json:"tags,omitempty"`
	Error      string        `json:"error,omitempty"`
	FinishedAt *time.Time    `json:"finished_at,omitempty"`
}

// buildEvents streams a build's log as Server-Sent Events: "log" events
// carry text as it is appended (each event's id is the log offset after
// it), a "status" event comes whenever the status changes, and the
// stream ends after the final status, when the client goes, or after
// streamMax. A reconnect that has seen everything of a finished build is
// answered 204, which tells EventSource to stop.
func (h *handlers) buildEvents(c *fiber.Ctx) error {
	a, err := h.buildsRepo(c)
	if err != nil {
		return err
	}
	repo, id := utils.CopyString(a.Repo.Name), utils.CopyString(c.Params("id"))
	r, err := h.Builds.Build(c.UserContext(), repo, id)
	if err != nil {
		return err
	}
	offset, reconnect, err := streamOffset(c)
	if err != nil {
		return err
	}
	if reconnect && final(r.Status) {
		rest, err := h.Builds.Log(c.UserContext(), repo, id, offset)
		if err != nil {
			return err
		}
		if len(rest) == 0 {
			return c.SendStatus(fiber.StatusNoContent)
		}
	}
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	s := &logStream{svc: h.Builds, repo: repo, id: id, offset: offset, logf: h.Logger.Warn}
	c.Context().SetBodyStreamWriter(s.run)
	return nil
}

// streamOffset is where the client's log ends: Last-Event-ID on a
// reconnect, else ?offset= (the length of the log the page already shows).
func streamOffset(c *fiber.Ctx) (int64, bool, error) {
	raw, reconnect := c.Get("Last-Event-ID"), true
	if raw == "" {
		raw, reconnect = c.Query("offset", "0"), false
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, false, badRequest("offset", "give the log offset as a whole number of bytes, 0 or more")
	}
	return n, reconnect, nil
}

// final reports whether a build has ended.
func final(s builds.Status) bool {
	return s == builds.Succeeded || s == builds.Failed || s == builds.Cancelled
}

// logStream is one client's stream; it runs after the handler returned,
// so it holds copies of what it needs and a context of its own.
type logStream struct {
	svc        BuildService
	repo, id   string
	offset     int64
	lastStatus builds.Status
	logf       func(msg string, args ...any)
}

func (s *logStream) run(w *bufio.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), streamMax)
	defer cancel()
	fmt.Fprint(w, "retry: 2000\n\n")
	tick := time.NewTicker(streamPoll)
	defer tick.Stop()
	for {
		done, err := s.step(ctx, w)
		if err == nil {
			// Flush fails once the client has gone: stop polling for it.
			err = w.Flush()
		}
		if done || err != nil {
			if err != nil && ctx.Err() == nil && !isClientGone(err) {
				s.logf("streaming build log", "build", s.id, "err", err)
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// step sends what is new: log text, then the status when it changed. It
// reads the record before the log, so that a final status is sent only
// after every line written before it.
func (s *logStream) step(ctx context.Context, w *bufio.Writer) (bool, error) {
	r, err := s.svc.Build(ctx, s.repo, s.id)
	if err != nil {
		return true, err
	}
	for {
		chunk, err := s.svc.Log(ctx, s.repo, s.id, s.offset)
		if err != nil {
			return true, err
		}
		n := sendLog(w, chunk, s.offset)
		s.offset += int64(n)
		if n == 0 || len(chunk) <= streamChunk {
			break
		}
	}
	if r.Status != s.lastStatus {
		s.lastStatus = r.Status
		ev := statusEvent{Status: r.Status, Digest: r.Digest, Tags: r.Tags, Error: r.Error}
		if !r.FinishedAt.IsZero() {
			ev.FinishedAt = &r.FinishedAt
		}
		data, _ := json.Marshal(ev)
		fmt.Fprintf(w, "id: %d\nevent: status\ndata: %s\n\n", s.offset, data)
	}
	return final(r.Status), nil
}

// sendLog writes chunk (the log from offset) as one "log" event and
// returns how many bytes it sent: at most streamChunk, and never half of
// a UTF-8 character, whose rest the next poll brings.
func sendLog(w *bufio.Writer, chunk []byte, offset int64) int {
	if len(chunk) > streamChunk {
		chunk = chunk[:streamChunk]
	}
	chunk = chunk[:completeUTF8(chunk)]
	if len(chunk) == 0 {
		return 0
	}
	// SSE ends a line at CR, LF or CRLF; a data line per log line keeps
	// the text exact but for carriage returns, which become line ends.
	text := strings.ToValidUTF8(string(bytes.ReplaceAll(chunk, []byte("\r\n"), []byte("\n"))), "\uFFFD")
	text = strings.ReplaceAll(text, "\r", "\n")
	fmt.Fprintf(w, "id: %d\nevent: log\n", offset+int64(len(chunk)))
	for _, line := range strings.Split(text, "\n") {
		fmt.Fprintf(w, "data: %s\n", line)
	}
	w.WriteString("\n")
	return len(chunk)
}

// completeUTF8 is the length of b without a UTF-8 character cut short at
// its end.
func completeUTF8(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// isClientGone reports a write to a closed connection.
func isClientGone(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "broken pipe") || strings.Contains(msg, "connection reset") || strings.Contains(msg, "closed")
}
