package builds

import (
	"context"
	"sync"
)

// storeLog appends a running build's log to the store in chunks, so that
// any instance can stream it while it runs. Writes are buffered and
// flushed when a chunk fills or Flush is called (every Options.Poll); a
// chunk whose append failed is appended again, at the same offset, by the
// next flush, which the store keeps once.
type storeLog struct {
	mu      sync.Mutex
	store   Store
	id      string
	offset  int64 // where pending starts
	pending []byte
	err     error
}

// logChunk is the size at which a write flushes at once.
const logChunk = 32 << 10

func (l *storeLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append(l.pending, p...)
	if len(l.pending) >= logChunk {
		l.flush(context.Background())
	}
	return len(p), nil
}

// Flush appends what is pending.
func (l *storeLog) Flush(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flush(ctx)
	return l.err
}

func (l *storeLog) flush(ctx context.Context) {
	if len(l.pending) == 0 {
		return
	}
	if l.err = l.store.AppendLog(ctx, l.id, l.offset, l.pending); l.err != nil {
		return
	}
	l.offset += int64(len(l.pending))
	l.pending = nil
}
