package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/builds"
)

// TestBuildPagesLiveLog drives automated builds through the pages a user
// sees, over real HTTP, with a real Git server and buildah: a refused
// configuration shows each problem beside its field and keeps what was
// typed; a saved one shows the forges' hook URLs and a secret that
// rotates; Trigger starts a build whose event stream delivers the log
// while the build still runs, then the final status, then ends; the
// stored log, the history, the badge and the tag page tell the same
// story; Cancel stops a running build.
func TestBuildPagesLiveLog(t *testing.T) {
	w := newBuildPagesWorld(t)

	// A refused configuration: every problem beside its field.
	resp, page := w.form(t, "/r/bria/app/builds/config", url.Values{"source.url": {"ftp://example.com/x"},
		"rules.0.type": {"branch"}, "rules.0.source": {"main"}, "rules.0.dockerfile": {"../Dockerfile"},
		"rules.0.context": {"."}, "rules.0.tag": {"latest"}, "rules.0.build_args": {"1BAD=x"}, "links": {"not a link"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a bad configuration answered %d; want 422", resp.StatusCode)
	}
	for _, want := range []string{`id="error-config-source-url"`, `id="error-config-rules-0-dockerfile"`,
		`id="error-config-rules-0-build-args"`, `id="error-config-links"`, `value="../Dockerfile"`, `value="ftp://example.com/x"`,
		`aria-describedby="error-config-rules-0-dockerfile"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused configuration form lacks %s", want)
		}
	}
	const cfgForm = "/r/bria/app/builds/config"
	describedError(t, page, cfgForm, "source.url", "use https://, ssh:// or git://")
	describedError(t, page, cfgForm, "rules.0.dockerfile", "give a path inside the repository, such as Dockerfile or docker/app.Dockerfile")
	describedError(t, page, cfgForm, "links", "name an image as namespace/repository:tag")
	notInvalid(t, page, cfgForm, "rules.0.tag")
	// "Add rule" draws the form again with a second rule, saving nothing.
	resp, page = w.form(t, "/r/bria/app/builds/config", url.Values{"source.url": {w.git}, "rules.0.type": {"branch"},
		"rules.0.source": {"main"}, "rules.0.dockerfile": {"Dockerfile"}, "rules.0.context": {"."}, "rules.0.tag": {"latest"}, "add_rule": {"1"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `name="rules.1.source"`) || strings.Contains(page, `id="hooks"`) {
		t.Errorf("Add rule: %d, second rule shown %v, saved %v; want the form again with two rules, unsaved",
			resp.StatusCode, strings.Contains(page, `name="rules.1.source"`), strings.Contains(page, `id="hooks"`))
	}

	w.configure(t)
	_, page = w.get(t, "/r/bria/app/builds")
	st, err := w.in.srv.Backend.Builds.Settings(t.Context(), "bria/app")
	must(t, err)
	secret := st.HookSecret.Reveal()
	for _, want := range []string{"/builds/hook/github", "/builds/hook/gitlab", "/builds/hook/bitbucket", "/builds/hook/gitea",
		`<code id="hook-secret">` + secret + `</code>`, `data-copy="hook-secret"`, `value="` + w.git + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the Builds tab lacks %s", want)
		}
	}
	if resp, _ := w.form(t, "/r/bria/app/builds/hook-secret", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("Rotate secret: %d; want 303", resp.StatusCode)
	}
	if st, _ := w.in.srv.Backend.Builds.Settings(t.Context(), "bria/app"); st.HookSecret.Reveal() == secret || st.HookSecret == "" {
		t.Errorf("Rotate secret kept the old secret")
	}
	if resp, page := w.form(t, "/r/bria/app/builds/trigger", url.Values{"ref": {" "}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `id="error-trigger-ref"`) {
		t.Errorf("Trigger without a ref: %d; want 422 with the error beside the field", resp.StatusCode)
	}

	id := w.trigger(t)
	events := w.stream(t, id)
	var live, final *sse
	for ev := range events {
		if ev.Event == "log" && strings.Contains(ev.Data, "marker-first") && live == nil {
			ev := ev
			live = &ev
			if r := w.record(t, id); r.Status != builds.Running {
				t.Errorf("when marker-first arrived the build was %s; want running (the log must stream live)", r.Status)
			}
		}
		if ev.Event == "status" && finalData(ev.Data) {
			ev := ev
			final = &ev
		}
	}
	r := w.record(t, id)
	switch {
	case live == nil:
		t.Fatalf("the event stream never carried marker-first (build %s: %q)", r.Status, r.Error)
	case final == nil:
		t.Fatalf("the event stream ended without a final status (build %s)", r.Status)
	case !strings.Contains(final.Data, `"status":"succeeded"`):
		t.Fatalf("the final status event says %s; want succeeded (error %q)", final.Data, r.Error)
	case !final.At.After(live.At):
		t.Errorf("the final status came before the log line")
	}
	// The text between the two lines arrived at least the sleep before the end.
	if gap := final.At.Sub(live.At); gap < 3*time.Second {
		t.Errorf("marker-first arrived %s before the end; want the RUN's sleep (6 s): the log was not streamed live", gap)
	}
	// A reconnect that has seen everything is told to stop (204); a bad
	// offset and an unknown build are refused.
	full, err := w.in.srv.Backend.Builds.Log(t.Context(), "bria/app", id, 0)
	must(t, err)
	for _, c := range []struct {
		path, lastID string
		want         int
	}{
		{"/r/bria/app/builds/" + id + "/events", strconv.Itoa(len(full)), http.StatusNoContent},
		{"/r/bria/app/builds/" + id + "/events?offset=-1", "", http.StatusBadRequest},
		{"/r/bria/app/builds/" + id + "/events?offset=x", "", http.StatusBadRequest},
		{"/r/bria/app/builds/nosuchbuild/events", "", http.StatusNotFound},
		{"/r/bria/app/builds/nosuchbuild", "", http.StatusNotFound},
	} {
		h := map[string]string{}
		if c.lastID != "" {
			h["Last-Event-ID"] = c.lastID
		}
		if resp, _ := send(t, "GET", w.in.URL+c.path, "", h, w.cookie); resp.StatusCode != c.want {
			t.Errorf("GET %s (Last-Event-ID %q): %d; want %d", c.path, c.lastID, resp.StatusCode, c.want)
		}
	}

	w.checkFinishedPages(t, id)
	w.checkCancel(t)
}

// stream follows build id's event stream as bria, as EventSource does:
// when the server ends a stream early (it bounds each one), it reconnects
// with Last-Event-ID, until the server answers 204 or ends the stream
// after a final status. The channel closes then.
func (w *buildPagesWorld) stream(t *testing.T, id string) <-chan sse {
	t.Helper()
	out := make(chan sse, 64)
	// open runs on the test's goroutine first, then on the follower's:
	// it reports with Errorf and answers nil.
	open := func(lastID string) *http.Response {
		req, err := http.NewRequest("GET", w.in.URL+"/r/bria/app/builds/"+id+"/events", nil)
		must(t, err)
		req.AddCookie(w.cookie)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("opening the event stream: %v", err)
			return nil
		}
		if resp.StatusCode != http.StatusNoContent && (resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream")) {
			t.Errorf("the event stream answered %d %s; want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
			resp.Body.Close()
			return nil
		}
		return resp
	}
	resp := open("")
	if resp == nil {
		t.FailNow()
	}
	go func() {
		defer close(out)
		lastID := ""
		for connections := 1; connections <= 30; connections++ {
			one := make(chan sse, 64)
			go func(resp *http.Response) {
				defer resp.Body.Close()
				readEvents(resp.Body, one)
			}(resp)
			ended := false
			for ev := range one {
				if ev.ID != "" {
					lastID = ev.ID
				}
				ended = ev.Event == "status" && finalData(ev.Data)
				out <- ev
			}
			if ended {
				return
			}
			if resp = open(lastID); resp == nil || resp.StatusCode == http.StatusNoContent {
				if resp != nil {
					resp.Body.Close()
				}
				return
			}
		}
	}()
	return out
}

// finalData reports whether a status event's data names a final status.
func finalData(data string) bool {
	var s struct{ Status builds.Status }
	_ = json.Unmarshal([]byte(data), &s)
	return s.Status == builds.Succeeded || s.Status == builds.Failed || s.Status == builds.Cancelled
}

// checkFinishedPages: the build page, the history, the badge and the tag
// page of a succeeded build.
func (w *buildPagesWorld) checkFinishedPages(t *testing.T, id string) {
	t.Helper()
	r := w.record(t, id)
	_, page := w.get(t, "/r/bria/app/builds/"+id)
	for _, want := range []string{"marker-first", "marker-second", "status-succeeded", r.Digest, r.Commit} {
		if !strings.Contains(page, want) {
			t.Errorf("the build page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="cancel-form"`) {
		t.Errorf("the page of a finished build offers Cancel")
	}
	_, page = w.get(t, "/r/bria/app/builds")
	for _, want := range []string{`href="/r/bria/app/builds/` + id + `"`, "<td>manual</td>", "<code>" + r.Commit[:7] + "</code>",
		`href="/images/bria/app/tags/latest"`, r.Digest[:len("sha256:")+12]} {
		if !strings.Contains(page, want) {
			t.Errorf("the build history lacks %s", want)
		}
	}
	resp, badge := send(t, "GET", w.in.URL+"/r/bria/app/builds/badge.svg", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(badge, ">succeeded<") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/svg+xml") {
		t.Errorf("the public badge: %d %s %q; want an SVG saying succeeded", resp.StatusCode, resp.Header.Get("Content-Type"), badge)
	}
	if resp, _ := send(t, "GET", w.in.URL+"/r/bria/hidden/builds/badge.svg", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a private repository's badge, anonymously: %d; want 404", resp.StatusCode)
	}
	if _, badge := w.get(t, "/r/bria/hidden/builds/badge.svg"); !strings.Contains(badge, ">none<") {
		t.Errorf("the badge of a repository that never built: %q; want none", badge)
	}
	_, page = w.get(t, "/images/bria/app/tags/latest")
	if !strings.Contains(page, "Built from commit") || !strings.Contains(page, `href="/r/bria/app/builds/`+id+`"`) || !strings.Contains(page, r.Commit[:7]) {
		t.Errorf("the tag page does not say which commit and build made it")
	}
}

// checkCancel: Cancel on a running build's page stops it.
func (w *buildPagesWorld) checkCancel(t *testing.T) {
	t.Helper()
	id := w.trigger(t)
	w.waitStatus(t, id, 2*time.Minute, builds.Running)
	if _, page := w.get(t, "/r/bria/app/builds/"+id); !strings.Contains(page, `id="cancel-form"`) {
		t.Errorf("a running build's page offers no Cancel")
	}
	resp, _ := w.form(t, "/r/bria/app/builds/"+id+"/cancel", url.Values{})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/r/bria/app/builds/"+id {
		t.Errorf("Cancel: %d to %q; want 303 to the build's page", resp.StatusCode, resp.Header.Get("Location"))
	}
	r := w.waitStatus(t, id, time.Minute, builds.Cancelled, builds.Succeeded, builds.Failed)
	if r.Status != builds.Cancelled {
		t.Errorf("the cancelled build ended %s; want cancelled", r.Status)
	}
	var last sse
	for ev := range w.stream(t, id) {
		last = ev
	}
	if last.Event != "status" || !strings.Contains(last.Data, `"cancelled"`) {
		t.Errorf("a cancelled build's stream ends with %+v; want its cancelled status", last)
	}
}
