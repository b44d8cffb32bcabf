package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowserBuildPages opens a running build's page in Chromium and
// watches its log grow and its status turn to succeeded without a reload
// (EventSource, /static/builds.js), the log ending exactly as stored; the
// copy buttons copy the hook secret; and the Builds tab, a refused
// configuration and the build page fit a 390 px phone and a 1366 px
// desktop with no serious or critical axe-core finding.
func TestBrowserBuildPages(t *testing.T) {
	w := newBuildPagesWorld(t)
	w.configure(t)
	ctx := browserFor(t, 10*time.Minute)
	signIn(t, ctx, w.in, "bria", "bria-password", "/r/bria/app/builds")

	id := w.trigger(t)
	open(t, ctx, w.in.URL+"/r/bria/app/builds/"+id)
	deadline := time.Now().Add(3 * time.Minute)
	sawRunning := false
	var seen []string
	for {
		status := evaluate[string](t, ctx, `document.querySelector('#build-status .build-status')?.textContent ?? ''`)
		logText := evaluate[string](t, ctx, `document.getElementById('build-log').textContent`)
		if status == "running" && strings.Contains(logText, "marker-first") && !strings.Contains(logText, "marker-second") {
			sawRunning = true
		}
		seen = append(seen, fmt.Sprintf("%s/%d", status, len(logText)))
		if status == "succeeded" || status == "failed" || status == "cancelled" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 3 minutes the page shows %q and the log %q", status, logText)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !sawRunning {
		t.Errorf("the page never showed marker-first while the build ran: the log did not follow live (status/log length seen: %s)", strings.Join(seen, " "))
	}
	stored, err := w.in.srv.Backend.Builds.Log(t.Context(), "bria/app", id, 0)
	must(t, err)
	shown := evaluate[string](t, ctx, `document.getElementById('build-log').textContent`)
	if strings.TrimLeft(shown, "\n") != strings.TrimLeft(string(stored), "\n") {
		t.Errorf("the live log differs from the stored log:\nshown  %q\nstored %q", shown, stored)
	}
	if status := evaluate[string](t, ctx, `document.querySelector('#build-status .build-status').textContent`); status != "succeeded" {
		t.Errorf("the build ended %s; want succeeded", status)
	}
	if hidden := evaluate[bool](t, ctx, `document.getElementById('cancel-form')?.hidden ?? true`); !hidden {
		t.Errorf("Cancel is still offered after the build ended")
	}

	wk := &walker{t: t, ctx: ctx, in: w.in, axe: axeScript(t), dir: filepath.Join(artifactsDir(t), "builds"), journey: "builds"}
	must(t, os.MkdirAll(wk.dir, 0o755))
	defer wk.writeSummary()
	wk.walk(stop{name: "build", path: "/r/bria/app/builds/" + id})
	wk.walk(stop{name: "builds-tab", path: "/r/bria/app/builds"})
	grantClipboard(t, ctx, w.in.URL)
	st, err := w.in.srv.Backend.Builds.Settings(t.Context(), "bria/app")
	must(t, err)
	if got, said := copyAndRead(t, ctx, "hook-secret"); got != st.HookSecret.Reveal() || said != "Copied" {
		t.Errorf("copying the hook secret copied %q and said %q; want the secret, Copied", got, said)
	}
	evaluate[bool](t, ctx, `(document.querySelector('input[name="rules.0.dockerfile"]').value = '../Dockerfile', true)`)
	submit(t, ctx, `form[action="/r/bria/app/builds/config"] button[type=submit]:not(.default-submit):not([name])`)
	if got := evaluate[string](t, ctx, `document.querySelector('input[name="rules.0.dockerfile"]').getAttribute('aria-describedby')`); got != "error-config-rules-0-dockerfile" {
		t.Errorf("the refused Dockerfile field is described by %q; want its error", got)
	}
	wk.walk(stop{name: "builds-config-refused"})
}
