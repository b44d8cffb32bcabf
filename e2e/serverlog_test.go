package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// serverLog is the slog handler instances log through: it passes every
// record to the handler the test chose and keeps a text line of each
// record at or above its level, so that the harness can check what the
// server said.
type serverLog struct {
	next  slog.Handler
	level slog.Level
	attrs []slog.Attr
	group string
	rec   *recordedLines
}

// recordedLines is what a serverLog and the handlers derived from it
// (WithAttrs, WithGroup) have recorded.
type recordedLines struct {
	mu    sync.Mutex
	lines []recordedLine
}

type recordedLine struct {
	level slog.Level
	text  string
}

// newServerLog returns a handler that records the lines at or above level
// and passes every record on to next.
func newServerLog(next slog.Handler, level slog.Level) *serverLog {
	return &serverLog{next: next, level: level, rec: &recordedLines{}}
}

func (h *serverLog) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level || h.next.Enabled(ctx, l)
}

func (h *serverLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= h.level {
		var buf bytes.Buffer
		var text slog.Handler = slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
		text = text.WithAttrs(h.attrs)
		if h.group != "" {
			text = text.WithGroup(h.group)
		}
		_ = text.Handle(ctx, r)
		h.rec.mu.Lock()
		h.rec.lines = append(h.rec.lines, recordedLine{level: r.Level, text: strings.TrimSpace(buf.String())})
		h.rec.mu.Unlock()
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *serverLog) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.next, c.attrs = h.next.WithAttrs(as), append(append([]slog.Attr{}, h.attrs...), as...)
	return &c
}

func (h *serverLog) WithGroup(name string) slog.Handler {
	c := *h
	c.next, c.group = h.next.WithGroup(name), strings.TrimPrefix(h.group+"."+name, ".")
	return &c
}

// lines returns the recorded lines at or above level.
func (h *serverLog) lines(level slog.Level) []string {
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	var out []string
	for _, l := range h.rec.lines {
		if l.level >= level {
			out = append(out, l.text)
		}
	}
	return out
}

// expectErrors declares the errors a test provokes on purpose: an ERROR
// line the server logs, or a 5xx answer ("5xx answer: METHOD route
// status"), matching one of the regular expressions does not fail the
// test.
func (in *instance) expectErrors(patterns ...string) {
	in.t.Helper()
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			in.t.Fatalf("expectErrors(%q): %v", p, err)
		}
		in.expected = append(in.expected, re)
	}
}

func (in *instance) isExpected(line string) bool {
	for _, re := range in.expected {
		if re.MatchString(line) {
			return true
		}
	}
	return false
}

// metricLine matches a count of web answers by method, route and status
// in the server's metrics.
var metricLine = regexp.MustCompile(`^berth_http_requests_total\{method="([^"]*)",route="([^"]*)",status="(5\d\d)"\} (\S+)$`)

// serverErrors reads the 5xx answers the web side gave (but readiness
// checks before the server was ready) from its metrics, as lines for the
// expected patterns: "5xx answer: GET /api/v1/… 500 (2 times)". The
// registry side's 5xx answers are logged at ERROR.
func (in *instance) serverErrors() []string {
	resp, err := http.Get(in.URL + "/metrics")
	if err != nil {
		return []string{fmt.Sprintf("5xx answer: reading /metrics failed: %v", err)}
	}
	defer resp.Body.Close()
	var out []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		m := metricLine.FindStringSubmatch(sc.Text())
		if m == nil || (m[2] == "/readyz" && m[3] == "503") {
			continue
		}
		out = append(out, fmt.Sprintf("5xx answer: %s %s %s (%s times)", m[1], m[2], m[3], m[4]))
	}
	return out
}

// TestServerLogRecordsWhatTheHarnessChecks: the handler instances log
// through keeps WARN and ERROR lines, attributes and groups included, and
// passes every record on; expectErrors patterns match the recorded text.
func TestServerLogRecordsWhatTheHarnessChecks(t *testing.T) {
	var passed bytes.Buffer
	h := newServerLog(slog.NewTextHandler(&passed, &slog.HandlerOptions{Level: slog.LevelDebug}), slog.LevelWarn)
	log := slog.New(h).With("component", "registry").WithGroup("req")
	log.Debug("quiet detail")
	log.Warn("slow answer", "took", "2s")
	log.Error("request failed", "path", "/token")
	errs, all := h.lines(slog.LevelError), h.lines(slog.LevelWarn)
	if len(errs) != 1 || !strings.Contains(errs[0], `msg="request failed" component=registry req.path=/token`) || len(all) != 2 {
		t.Fatalf("recorded errors %q, all %q", errs, all)
	}
	if n := strings.Count(passed.String(), "\n"); n != 3 {
		t.Errorf("the handler the test chose got %d records, want 3:\n%s", n, passed.String())
	}
	in := &instance{t: t}
	in.expectErrors(`request failed.*path=/token`)
	if !in.isExpected(errs[0]) || in.isExpected(all[0]) {
		t.Errorf("expectErrors: %q expected %v, %q expected %v", errs[0], in.isExpected(errs[0]), all[0], in.isExpected(all[0]))
	}
}
