package licensing

import (
	"context"
	"sync"
	"time"
)

// versionReads shares reads of the licenses' version among concurrent
// token requests without ever answering a request with a read that began
// before it arrived: at most one read runs, and the requests that arrive
// meanwhile wait together for the next one, which starts after the last
// of them arrived. A revocation stored before a request arrives is
// therefore always seen by it, on every instance, while a busy instance
// reads the version a few times less often than it issues tokens.
type versionReads struct {
	read func(context.Context) (int64, error)

	mu      sync.Mutex
	running bool
	pending *versionRead
}

// versionRead is one read of the version, shared by those waiting on done.
type versionRead struct {
	done    chan struct{}
	version int64
	err     error
}

// get returns the licenses' version, read after the call began.
func (g *versionReads) get(ctx context.Context) (int64, error) {
	g.mu.Lock()
	if g.pending == nil {
		g.pending = &versionRead{done: make(chan struct{})}
	}
	r := g.pending
	if !g.running {
		g.running, g.pending = true, nil
		go g.run(r)
	}
	g.mu.Unlock()
	select {
	case <-r.done:
		return r.version, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// run reads the version for r, then for whichever requests arrived while
// it read, until none wait.
func (g *versionReads) run(r *versionRead) {
	for r != nil {
		// The read is shared: no one caller's context may cancel it.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r.version, r.err = g.read(ctx)
		cancel()
		close(r.done)
		g.mu.Lock()
		r, g.pending = g.pending, nil
		g.running = r != nil
		g.mu.Unlock()
	}
}
