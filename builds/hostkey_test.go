package builds_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth/berth/builds"
)

// switchProxy forwards loopback connections to whichever ssh server it
// currently points at: one URL whose server changes its host key.
func switchProxy(t *testing.T, to string) (string, *atomic.Value) {
	target := &atomic.Value{}
	target.Store(to)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target.Load().(string))
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c); up.Close() }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	return l.Addr().String(), target
}

// TestBuildPinsSSHHostKeyOnFirstUse: a build of an ssh source that pins
// no host key stores the key the server showed in the repository's
// settings; saving the configuration again keeps it; once the server at
// that URL shows another key, a trigger is refused reading the source and
// the pin is unchanged. A new URL is trusted afresh.
func TestBuildPinsSSHHostKeyOnFirstUse(t *testing.T) {
	w := newWorldWith(t, builds.Options{}, 1, builds.Unavailable{Why: "no builder in this test"})
	ctx := context.Background()
	r := newGitRepo(t)
	key, err := builds.NewDeployKey("berth:acme/app")
	if err != nil {
		t.Fatal(err)
	}
	first, shown := serveSSH(t, r, key.Public)
	firstKey := strings.Join(strings.Fields(shown)[:2], " ") // without its comment
	other, _ := serveSSH(t, r, key.Public)
	addr, target := switchProxy(t, first)
	cfg := builds.Config{Source: builds.Source{URL: "ssh://git@" + addr + "/app.git", DeployKey: key},
		Rules: []builds.Rule{{Type: builds.Branch, Source: "main", Dockerfile: "Dockerfile", Context: ".", Tag: "latest"}}}
	if _, err := w.svc.SetConfig(ctx, "acme/app", cfg); err != nil {
		t.Fatal(err)
	}
	build := func() (builds.Record, string) {
		t.Helper()
		started, err := w.svc.Trigger(ctx, "acme/app", "main")
		if err != nil || len(started) != 1 {
			t.Fatalf("Trigger: %v %v", started, err)
		}
		rec := w.wait("acme/app", started[0].ID, time.Minute)
		return rec, w.log("acme/app", rec.ID)
	}
	pinned := func() string {
		st, err := w.svc.Settings(ctx, "acme/app")
		if err != nil {
			t.Fatal(err)
		}
		return st.Config.Source.HostKey
	}

	rec, log := build()
	if !strings.Contains(log, "no builder in this test") || !strings.Contains(log, "host key on first use") {
		t.Fatalf("first build %+v did not clone and pin:\n%s", rec, log)
	}
	if pinned() != firstKey {
		t.Fatalf("pinned %q after the first clone; the server's key is %q", pinned(), firstKey)
	}
	if _, err := w.svc.SetConfig(ctx, "acme/app", cfg); err != nil || pinned() != firstKey {
		t.Fatalf("saving the configuration again without a host key: %v; pinned %q", err, pinned())
	}
	if rec, log := build(); strings.Contains(log, "first use") || !strings.Contains(log, "no builder in this test") {
		t.Errorf("the second build, same server, %+v:\n%s", rec, log)
	}

	target.Store(other) // the same URL now shows another host key
	if _, err := w.svc.Trigger(ctx, "acme/app", "main"); err == nil || !strings.Contains(err.Error(), "host key mismatch") {
		t.Errorf("triggering against a server with another host key: %v; want a host key mismatch", err)
	}
	if pinned() != firstKey {
		t.Errorf("the pin changed to %q", pinned())
	}

	cfg.Source.URL = "ssh://git@" + other + "/app.git"
	if _, err := w.svc.SetConfig(ctx, "acme/app", cfg); err != nil || pinned() != "" {
		t.Fatalf("a new URL kept the old pin %q (%v)", pinned(), err)
	}
}
