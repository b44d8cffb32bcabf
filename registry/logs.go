package registry

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
)

// routeLogs sends distribution's logging (it logs through the global logrus
// logger) into Berth's slog logger. distribution is chatty: it logs every
// request at info and every 4xx answer — a client's anonymous ping, a HEAD
// for a tag not yet pushed — as a warning or an error. Those are the
// protocol working and go to debug; 5xx and other errors stay errors.
//
// The logrus logger is one per process, so the registry started last takes
// it. A registry's notification sinks outlive its Shutdown (distribution
// never closes them) and keep retrying events to a Berth that has stopped;
// their lines name the notification URL they post to, so a line of a
// stopped registry is dropped, and one of another running registry goes to
// that registry's logger (tests run several in one process).
func routeLogs(log *slog.Logger, notifyURL string) (stop func()) {
	log = log.With("component", "registry")
	sinks.Lock()
	if notifyURL != "" {
		sinks.byURL[notifyURL] = log
	}
	sinks.Unlock()
	std := logrus.StandardLogger()
	std.SetOutput(io.Discard)
	std.SetLevel(logrus.InfoLevel)
	std.ReplaceHooks(logrus.LevelHooks{})
	std.AddHook(slogHook{log: log})
	return func() {
		sinks.Lock()
		delete(sinks.byURL, notifyURL)
		sinks.Unlock()
	}
}

// sinks maps the notification URL of each running registry to its logger.
var sinks = struct {
	sync.Mutex
	byURL map[string]*slog.Logger
}{byURL: map[string]*slog.Logger{}}

// sinkLogger returns the logger for a line of a notification sink, and
// whether the line is one: a line of a sink naming no running registry's
// URL gets a nil logger.
func sinkLogger(e *logrus.Entry) (*slog.Logger, bool) {
	if !strings.HasPrefix(e.Message, "retryingsink:") && !strings.HasPrefix(e.Message, "eventqueue:") {
		return nil, false
	}
	text := e.Message
	if err, ok := e.Data[logrus.ErrorKey].(error); ok {
		text += " " + err.Error()
	}
	sinks.Lock()
	defer sinks.Unlock()
	for url, log := range sinks.byURL {
		if strings.Contains(text, url) {
			return log, true
		}
	}
	return nil, true
}

type slogHook struct{ log *slog.Logger }

func (h slogHook) Levels() []logrus.Level { return logrus.AllLevels }

func (h slogHook) Fire(e *logrus.Entry) error {
	if log, ok := sinkLogger(e); ok {
		if log == nil {
			return nil // a stopped registry's sink, retrying to nobody
		}
		h.log = log
	}
	// distribution prints each notification endpoint with its headers, and
	// the Authorization header is Berth's notification secret.
	if strings.HasPrefix(e.Message, "configuring endpoint") {
		return nil
	}
	level := slog.LevelDebug
	switch {
	case e.Level <= logrus.ErrorLevel:
		level = slog.LevelError
	case e.Level == logrus.WarnLevel:
		level = slog.LevelWarn
	}
	if status, ok := e.Data["http.response.status"].(int); ok && status < 500 {
		level = slog.LevelDebug
	}
	if quiet(e.Message) {
		level = slog.LevelDebug
	}
	if !h.log.Enabled(context.Background(), level) {
		return nil
	}
	attrs := make([]any, 0, 2*len(e.Data))
	for k, v := range e.Data {
		if k == "go.version" {
			continue
		}
		attrs = append(attrs, k, v)
	}
	h.log.Log(context.Background(), level, e.Message, attrs...)
	return nil
}

// quietMessages start messages distribution logs as warnings or errors
// without a response status that are the protocol working: a refused
// token; a client's malformed digest, or content that does not match its
// digest (answered 400), and the cleanup of its upload; a blob looked up
// by its sha512 digest; and the index check Berth's gate does instead
// (embedded.go).
var quietMessages = []string{
	"error authorizing context",
	"error parsing digest",
	"canonical digest does match provided digest", // sic
	"payload digest does not match",
	"error canceling upload after error",
	"looking up blob with canonical target",
	"Image index completeness validation has been disabled",
}

func quiet(message string) bool {
	for _, prefix := range quietMessages {
		if strings.HasPrefix(message, prefix) {
			return true
		}
	}
	return false
}
