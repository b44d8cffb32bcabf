package frontend

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// TestSendLogKeepsTextExact: a log chunk becomes one "log" event whose
// data lines join back to the text (CRLF read as LF), whose id is the
// offset after what was sent, and that never sends half a UTF-8
// character: the rest waits for the next poll.
func TestSendLogKeepsTextExact(t *testing.T) {
	for _, c := range []struct {
		name, chunk, data string
		sent              int
	}{
		{"lines", "STEP 1/2\nok\n", "STEP 1/2\nok\n", 12},
		{"no newline yet", "half a li", "half a li", 9},
		{"crlf", "a\r\nb", "a\nb", 4},
		{"cut character", "caf\xc3", "caf", 3},
		{"whole character", "café", "café", 5},
		{"empty", "", "", 0},
	} {
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		n := sendLog(w, []byte(c.chunk), 100)
		w.Flush()
		if n != c.sent {
			t.Errorf("%s: sent %d bytes; want %d", c.name, n, c.sent)
		}
		if n == 0 {
			if buf.Len() != 0 {
				t.Errorf("%s: wrote %q for nothing", c.name, buf.String())
			}
			continue
		}
		var id string
		var data []string
		for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n\n"), "\n") {
			switch {
			case strings.HasPrefix(line, "id: "):
				id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				data = append(data, strings.TrimPrefix(line, "data: "))
			case line != "event: log":
				t.Errorf("%s: unexpected line %q", c.name, line)
			}
		}
		if got := strings.Join(data, "\n"); got != c.data {
			t.Errorf("%s: data %q; want %q", c.name, got, c.data)
		}
		if want := 100 + c.sent; id != strconv.Itoa(want) {
			t.Errorf("%s: id %q; want %d", c.name, id, want)
		}
	}
}
