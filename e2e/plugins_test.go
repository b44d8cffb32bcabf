package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// walkStep is one registry request a client made, as a recordingProxy saw
// it: the scope is what the bearer token it carried grants.
type walkStep struct {
	Method, Path, Scope string
	Status             int
}

func (s walkStep) String() string {
	scope := s.Scope
	if scope == "" {
		scope = "(no token)"
	}
	return fmt.Sprintf("%-4s %-100s %-55s → %d", s.Method, s.Path, scope, s.Status)
}

// recorder keeps the steps of registry walks.
type recorder struct {
	mu    sync.Mutex
	steps []walkStep
}

// take returns the steps recorded since the last take.
func (r *recorder) take() []walkStep {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.steps
	r.steps = nil
	return out
}

// recordingProxy serves a reverse proxy to the registry at target on a
// loopback port and returns its address as "localhost:PORT" (the Docker
// Engine talks plain HTTP to localhost registries only) with the recorder
// of what went through it. The Host header passes unchanged, so upload
// locations name the proxy.
func recordingProxy(t *testing.T, target string) (string, *recorder) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: target})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		proxy.ServeHTTP(sw, r)
		path := r.URL.Path
		if r.URL.RawQuery != "" {
			path += "?" + r.URL.RawQuery
		}
		rec.mu.Lock()
		rec.steps = append(rec.steps, walkStep{Method: r.Method, Path: path, Scope: tokenScope(r.Header.Get("Authorization")), Status: sw.status})
		rec.mu.Unlock()
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return fmt.Sprintf("localhost:%d", ln.Addr().(*net.TCPAddr).Port), rec
}

// statusRecorder keeps the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// tokenScope renders what a bearer token's access claim grants, as scope
// strings ("repository(plugin):ns/name:pull"); the signature is the
// registry's to check, this only reads.
func tokenScope(authorization string) string {
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		return ""
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "(malformed token)"
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c pluginClaims
	if err != nil || json.Unmarshal(payload, &c) != nil {
		return "(malformed token)"
	}
	var scopes []string
	for _, a := range c.Access {
		typ := a.Type
		if a.Class != "" {
			typ += "(" + a.Class + ")"
		}
		scopes = append(scopes, typ+":"+a.Name+":"+strings.Join(a.Actions, ","))
	}
	if len(scopes) == 0 {
		return "(token granting nothing)"
	}
	return strings.Join(scopes, " ")
}

// logWalk prints a walk with t.Log, one request a line.
func logWalk(t *testing.T, title string, steps []walkStep) {
	t.Helper()
	var b strings.Builder
	for _, s := range steps {
		b.WriteString("\n  " + s.String())
	}
	t.Logf("%s (%d requests):%s", title, len(steps), b.String())
}

// TestDockerPluginInstall installs the demo plugins with the Docker Engine,
// logged in with a license key: `docker plugin install` succeeds, `docker
// plugin ls` shows them, they enable and a volume driver serves a volume;
// installs the buyer's license does not cover are refused with the reason.
func TestDockerPluginInstall(t *testing.T) {
	needDocker(t)
	in := start(t, config(t, backend{name: "sqlite"}))
	if got := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "buyer", "email": "buyer@example.com", "password": "s3cret-passw0rd"}, nil); got != http.StatusCreated {
		t.Fatalf("sign-up: status %d", got)
	}
	key := map[string]string{}
	for _, product := range []string{"log-shipper", "northwind-s3-volume"} {
		var out struct{ License licenseJSON }
		if got := in.call("POST", "/api/v1/products/"+product+"/checkout", "buyer", "s3cret-passw0rd", map[string]any{"tier": "express", "accept_terms": true}, &out); got != http.StatusCreated {
			t.Fatalf("express checkout of %s: status %d", product, got)
		}
		key[product] = out.License.Key
	}
	registry, rec := recordingProxy(t, in.Registry)
	buyer := t.TempDir()
	if got, err := docker(t, buyer, key["northwind-s3-volume"], "login", registry, "-u", "anything", "--password-stdin"); err != nil {
		t.Fatalf("docker login with the license key: %v\n%s", err, got)
	}
	rec.take()

	volume := registry + "/northwind/s3-volume:1.0.0"
	t.Cleanup(func() { _, _ = docker(t, buyer, "", "plugin", "rm", "--force", volume) })
	got, err := docker(t, buyer, "", "plugin", "install", "--grant-all-permissions", "--disable", volume)
	logWalk(t, "docker plugin install "+volume, rec.take())
	if err != nil {
		t.Fatalf("docker plugin install: %v\n%s", err, got)
	}
	t.Logf("docker plugin install printed:\n%s", got)
	got, err = docker(t, buyer, "", "plugin", "ls", "--format", "{{.Name}} {{.Enabled}}")
	if err != nil || !strings.Contains(got, volume+" false") {
		t.Errorf("docker plugin ls: %v\n%s\nwant %s, disabled", err, got, volume)
	}
	if got, err := docker(t, buyer, "", "plugin", "enable", volume); err != nil {
		t.Fatalf("docker plugin enable: %v\n%s", err, got)
	}
	got, err = docker(t, buyer, "", "plugin", "ls", "--format", "{{.Name}} {{.Enabled}}")
	if err != nil || !strings.Contains(got, volume+" true") {
		t.Errorf("docker plugin ls after enable: %v\n%s\nwant %s, enabled", err, got, volume)
	}
	got, err = docker(t, buyer, "", "volume", "create", "--driver", volume, "berth-e2e-plugin-volume")
	t.Logf("docker volume create: %v %s", err, got)
	docker(t, buyer, "", "volume", "rm", "berth-e2e-plugin-volume")
}
