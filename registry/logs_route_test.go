package registry

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

// TestSinkLinesReachTheirRegistry: with two registries in one process, a
// notification sink's retry line goes to the logger of the registry whose
// URL it names, and once that registry has stopped, nowhere; other lines
// go to the registry started last.
func TestSinkLinesReachTheirRegistry(t *testing.T) {
	var first, second bytes.Buffer
	logger := func(b *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }
	stopFirst := routeLogs(logger(&first), "http://127.0.0.1:1111/internal/registry/events")
	stopSecond := routeLogs(logger(&second), "http://127.0.0.1:2222/internal/registry/events")
	defer stopSecond()
	retry := func(url string) {
		err := errors.New("httpSink{" + url + "}: error posting: connection refused")
		logrus.WithError(err).Errorf("retryingsink: error writing event, retrying")
	}

	retry("http://127.0.0.1:1111/internal/registry/events")
	if !strings.Contains(first.String(), "retryingsink") || strings.Contains(second.String(), "retryingsink") {
		t.Fatalf("a running registry's sink line: first %q, second %q", first.String(), second.String())
	}
	stopFirst()
	first.Reset()
	retry("http://127.0.0.1:1111/internal/registry/events")
	if first.Len() != 0 || second.Len() != 0 {
		t.Errorf("a stopped registry's sink line was logged: first %q, second %q", first.String(), second.String())
	}
	logrus.Error("storage failed")
	if !strings.Contains(second.String(), "storage failed") || first.Len() != 0 {
		t.Errorf("other lines: first %q, second %q", first.String(), second.String())
	}
}
