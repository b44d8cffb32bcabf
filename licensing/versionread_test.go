package licensing

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestVersionReadsNeverEarlier checks what makes a revocation refuse the
// next token at once even though version reads are shared: a request that
// arrives while a read runs is answered by a later read, never by the one
// already running, which may have begun before the revocation was stored.
func TestVersionReadsNeverEarlier(t *testing.T) {
	var stored atomic.Int64 // the version in the database
	stored.Store(1)
	started := make(chan struct{}, 4)
	release := make(chan struct{})
	g := versionReads{read: func(context.Context) (int64, error) {
		v := stored.Load() // the database answers as of the read's start
		started <- struct{}{}
		<-release
		return v, nil
	}}
	ctx := context.Background()
	first := make(chan int64)
	go func() { v, _ := g.get(ctx); first <- v }()
	<-started // the first read runs, having seen version 1

	stored.Store(2) // a revocation is stored, then a request arrives
	second := make(chan int64)
	go func() { v, _ := g.get(ctx); second <- v }()
	time.Sleep(10 * time.Millisecond) // let it join whatever it would join
	close(release)

	if v := <-first; v != 1 {
		t.Errorf("the first request read version %d, want 1", v)
	}
	if v := <-second; v != 2 {
		t.Errorf("a request arriving after the change was answered with version %d, want 2", v)
	}
}
