package builds

import (
	"fmt"
	"io"
	"sync"
)

// cappedWriter passes at most limit bytes to w, then one marker line, and
// drops the rest while reporting every write as done, so that the build
// goes on.
type cappedWriter struct {
	mu        sync.Mutex
	w         io.Writer
	limit     int64
	written   int64
	truncated bool
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.truncated {
		return len(p), nil
	}
	room := c.limit - c.written
	if int64(len(p)) <= room {
		n, err := c.w.Write(p)
		c.written += int64(n)
		return len(p), err
	}
	if _, err := c.w.Write(p[:room]); err != nil {
		return 0, err
	}
	c.written, c.truncated = c.limit, true
	_, err := fmt.Fprintf(c.w, "\n[berth: log truncated at %d bytes; the build goes on]\n", c.limit)
	return len(p), err
}
