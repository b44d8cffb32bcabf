package licensing

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// versionReads shares reads of the licenses' version among concurrent
// token requests without ever answering a request with a read that began
// before it arrived: one reader goroutine reads, and the requests that
// arrive while it reads wait together for its next read, which starts
// after the last of them arrived. A revocation stored before a request
// arrives is therefore always seen by it, on every instance, while a busy
// instance reads the version less often than it issues tokens.
type versionReads struct {
	read func(context.Context) (int64, error)

	mu      sync.Mutex
	pending *versionRead  // the read the requests arriving now wait for
	reading bool          // the reader goroutine lives
	wake    chan struct{} // tells the reader a read is pending
}

// versionRead is one read of the version, shared by those waiting on done.
type versionRead struct {
	done    chan struct{}
	version int64
	err     error
}

// readerLingers is how long the reader goroutine waits for the next
// request before it ends; a busy server keeps one, so its stack, grown by
// the database driver, is not grown again for each read.
const readerLingers = time.Second

// get returns the licenses' version, read after the call began.
func (g *versionReads) get(ctx context.Context) (int64, error) {
	g.mu.Lock()
	if g.pending == nil {
		g.pending = &versionRead{done: make(chan struct{})}
	}
	r := g.pending
	if !g.reading {
		if g.wake == nil {
			g.wake = make(chan struct{}, 1)
		}
		g.reading = true
		go g.run()
	}
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default: // the reader has been told already
	}
	select {
	case <-r.done:
		return r.version, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// run reads the version whenever a read is pending, and ends after
// readerLingers without one.
func (g *versionReads) run() {
	idle := time.NewTimer(readerLingers)
	defer idle.Stop()
	for {
		// Let the requests that are being parsed now join this read.
		runtime.Gosched()
		g.mu.Lock()
		r := g.pending
		g.pending = nil
		g.mu.Unlock()
		if r != nil {
			// The read is shared: no one caller's context may cancel it.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			r.version, r.err = g.read(ctx)
			cancel()
			close(r.done)
			continue
		}
		idle.Reset(readerLingers)
		select {
		case <-g.wake:
		case <-idle.C:
			g.mu.Lock()
			if g.pending == nil {
				g.reading = false
				g.mu.Unlock()
				return
			}
			g.mu.Unlock()
		}
	}
}
