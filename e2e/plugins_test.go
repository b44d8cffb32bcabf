package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/plugin"
	"github.com/berth/berth/signing"
	dockertypes "github.com/docker/docker/api/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// walkStep is one registry request a client made, as a recordingProxy saw
// it: the scope is what the bearer token it carried grants.
type walkStep struct {
	Method, Path, Scope string
	Status              int
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
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		// The registry answered before reading the body (a 401 to an
		// upload without a token) and the proxy could not finish sending
		// it: the client sees the 502 and retries.
		w.Header().Set("X-Proxy-Error", err.Error())
		w.WriteHeader(http.StatusBadGateway)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		proxy.ServeHTTP(sw, r)
		path := r.URL.Path
		if r.URL.RawQuery != "" {
			path += "?" + r.URL.RawQuery
		}
		rec.mu.Lock()
		scope := tokenScope(r.Header.Get("Authorization"))
		if e := sw.Header().Get("X-Proxy-Error"); e != "" {
			scope += " [proxy: " + e + "]"
		}
		rec.steps = append(rec.steps, walkStep{Method: r.Method, Path: path, Scope: scope, Status: sw.status})
		rec.mu.Unlock()
	})}
	go func() { _ = srv.Serve(&sniffListener{Listener: ln, tls: selfSigned(t)}) }()
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
	// The Engine calls the enabled driver: its entrypoint answers.
	vol := "berth-e2e-plugin-volume-" + strings.ReplaceAll(registry, ":", "-")
	t.Cleanup(func() { _, _ = docker(t, buyer, "", "volume", "rm", "--force", vol) })
	if got, err := docker(t, buyer, "", "volume", "create", "--driver", volume, vol); err != nil || strings.TrimSpace(got) != vol {
		t.Errorf("docker volume create with the plugin's driver: %v\n%s", err, got)
	}

	// A log driver, logged in with its own license key, installed enabled.
	if got, err := docker(t, buyer, key["log-shipper"], "login", registry, "-u", "anything", "--password-stdin"); err != nil {
		t.Fatalf("docker login with the log-shipper key: %v\n%s", err, got)
	}
	rec.take()
	logs := registry + "/berthlabs/log-shipper:1.9.2"
	t.Cleanup(func() { _, _ = docker(t, buyer, "", "plugin", "rm", "--force", logs) })
	got, err = docker(t, buyer, "", "plugin", "install", "--grant-all-permissions", logs)
	logWalk(t, "docker plugin install "+logs, rec.take())
	if err != nil {
		t.Fatalf("docker plugin install %s: %v\n%s", logs, err, got)
	}
	got, err = docker(t, buyer, "", "plugin", "inspect", "--format", "{{.Enabled}} {{range .Config.Interface.Types}}{{.}}{{end}} {{.PluginReference}}", logs)
	if err != nil || strings.TrimSpace(got) != "true docker.logdriver/1.0 "+logs {
		t.Errorf("docker plugin inspect %s: %v %q, want enabled, a log driver, from %s", logs, err, got, logs)
	}
	if ls, _ := docker(t, buyer, "", "plugin", "ls", "--format", "{{.Name}} {{.Enabled}}"); !strings.Contains(ls, volume+" true") || !strings.Contains(ls, logs+" true") {
		t.Errorf("docker plugin ls:\n%s\nwant both plugins enabled", ls)
	}
}

// sniffListener serves TLS and plain HTTP on one port, telling them apart
// by the first byte (a TLS handshake record starts with 0x16). The Docker
// Engine tries a localhost registry over HTTPS first, without verifying
// its certificate, then over HTTP; what it prints for a refusal is the
// first host's answer, so the proxy answers both.
type sniffListener struct {
	net.Listener
	tls *tls.Config
}

func (l *sniffListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	pc := &peekedConn{Conn: c, r: br}
	if err == nil && first[0] == 0x16 {
		return tls.Server(pc, l.tls), nil
	}
	return pc, nil
}

// peekedConn is a connection whose first bytes were peeked.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// selfSigned returns a TLS config with a fresh self-signed certificate
// for localhost.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// TestDockerPluginInstallRefusals installs plugins the buyer's licenses do
// not let through: the Engine refuses each, what it prints names the
// reason, and nothing is installed.
func TestDockerPluginInstallRefusals(t *testing.T) {
	needDocker(t)
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := t.Context()
	eve, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "eve", Email: "eve@example.com", Password: "eve-password"})
	must(t, err)
	standard, err := in.srv.Backend.Licenses.Grant(ctx, licensing.Grant{Owner: eve.ID, Product: "northwind-s3-volume", Tier: "standard"})
	must(t, err)
	registry, rec := recordingProxy(t, in.Registry)
	password, key := t.TempDir(), t.TempDir()
	for dir, creds := range map[string][2]string{password: {"eve", "eve-password"}, key: {"anything", standard.Key}} {
		if got, err := docker(t, dir, creds[1], "login", registry, "-u", creds[0], "--password-stdin"); err != nil {
			t.Fatalf("docker login as %s: %v\n%s", creds[0], err, got)
		}
	}
	rec.take()
	refused := func(dir, ref string, reasons ...string) {
		t.Helper()
		t.Cleanup(func() { _, _ = docker(t, dir, "", "plugin", "rm", "--force", ref) })
		got, err := docker(t, dir, "", "plugin", "install", "--grant-all-permissions", "--disable", ref)
		logWalk(t, "refused docker plugin install "+ref, rec.take())
		if err == nil {
			t.Fatalf("docker plugin install %s succeeded:\n%s", ref, got)
		}
		t.Logf("docker plugin install %s printed: %s", ref, strings.TrimSpace(got))
		for _, r := range reasons {
			if !strings.Contains(got, r) {
				t.Errorf("docker plugin install %s printed %q; want it to say %q", ref, got, r)
			}
		}
		if ls, _ := docker(t, dir, "", "plugin", "ls", "--format", "{{.Name}}"); strings.Contains(ls, ref) {
			t.Errorf("a refused plugin is installed: %s", ls)
		}
	}
	// No license: no pull is in the token, and the registry says so.
	refused(password, registry+"/northwind/nfs-volume:2.4.1", "insufficient_scope")
	// A license whose versions leave the tag out, by key and by password.
	for _, dir := range []string{key, password} {
		refused(dir, registry+"/northwind/s3-volume:0.9.0", "does not cover 0.9.0", ">=1.0.0 <2.0.0")
	}
	// A revoked license: logged in with a password, the token says why;
	// logged in with the key, the token endpoint refuses the key itself,
	// and the Engine prints only that status.
	_, err = in.srv.Backend.Licenses.Revoke(ctx, standard.License.ID)
	must(t, err)
	refused(password, registry+"/northwind/s3-volume:1.0.0", "revoked")
	refused(key, registry+"/northwind/s3-volume:1.0.0", "401 Unauthorized")
}

// engineAccept is the Accept header containerd's resolver, which the
// Docker Engine pulls plugins with, sends when it resolves a tag.
const engineAccept = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, */*"

// TestPluginWireWalk pulls a demo plugin the way the Docker Engine does,
// one request at a time: the challenge, a token for the plugin scope
// class, HEAD and GET of the manifest with the Engine's Accept headers,
// the config and every layer. It recomputes every digest from the bytes,
// decodes the config into the Engine's PluginConfig (unknown fields
// refused) and matches its diff_ids to the uncompressed layers, and logs
// the walk.
func TestPluginWireWalk(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	if got := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "buyer", "email": "buyer@example.com", "password": "s3cret-passw0rd"}, nil); got != http.StatusCreated {
		t.Fatalf("sign-up: status %d", got)
	}
	var lic struct{ License licenseJSON }
	if got := in.call("POST", "/api/v1/products/log-shipper/checkout", "buyer", "s3cret-passw0rd", map[string]any{"tier": "express", "accept_terms": true}, &lic); got != http.StatusCreated {
		t.Fatalf("express checkout: status %d", got)
	}
	registry, rec := recordingProxy(t, in.Registry)
	const repo, tag = "berthlabs/log-shipper", "1.9.2"
	var walk []walkStep
	get := func(method, path, token string, accept ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+registry+"/v2/"+repo+path, nil)
		for _, a := range accept {
			req.Header.Add("Accept", a)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		must(t, err)
		walk = append(walk, rec.take()...)
		return resp, body
	}

	// The challenge, then a token for the scope class the Engine asks.
	resp, _ := get("HEAD", "/manifests/"+tag, "", engineAccept)
	challenge := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(challenge, `realm="`+in.URL+`/token"`) {
		t.Fatalf("anonymous HEAD: %d %q, want 401 naming the token realm", resp.StatusCode, challenge)
	}
	scope := "repository(plugin):" + repo + ":pull"
	q := url.Values{"service": {in.Registry}, "scope": {scope}}
	req, _ := http.NewRequest("GET", in.URL+"/token?"+q.Encode(), nil)
	req.SetBasicAuth("anything", lic.License.Key)
	var tok struct{ Token string }
	status := doJSON(t, req, &tok)
	walk = append(walk, walkStep{Method: "GET", Path: "/token?scope=" + scope, Scope: tokenScope("Bearer " + tok.Token), Status: status})
	if status != http.StatusOK {
		t.Fatalf("token: %d", status)
	}
	if got := tokenScope("Bearer " + tok.Token); got != scope {
		t.Errorf("the token grants %q, want %q", got, scope)
	}

	resp, _ = get("HEAD", "/manifests/"+tag, tok.Token, engineAccept)
	digest := resp.Header.Get("Docker-Content-Digest")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.docker.distribution.manifest.v2+json" || digest == "" {
		t.Fatalf("HEAD %s: %d %s %s", tag, resp.StatusCode, resp.Header.Get("Content-Type"), digest)
	}
	// The Engine's fallback sends each media type as its own Accept header.
	resp, manifest := get("GET", "/manifests/"+digest, tok.Token, "application/vnd.docker.distribution.manifest.v2+json",
		"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json")
	if resp.StatusCode != http.StatusOK || sha256Hex(manifest) != digest {
		t.Fatalf("GET manifest %s: %d, body digest %s", digest, resp.StatusCode, sha256Hex(manifest))
	}
	var m struct {
		SchemaVersion int
		MediaType     string
		Config        struct {
			MediaType, Digest string
			Size              int
		}
		Layers []struct {
			MediaType, Digest string
			Size              int
		}
	}
	must(t, json.Unmarshal(manifest, &m))
	if m.SchemaVersion != 2 || m.MediaType != "application/vnd.docker.distribution.manifest.v2+json" || m.Config.MediaType != "application/vnd.docker.plugin.v1+json" || len(m.Layers) == 0 {
		t.Fatalf("manifest %s: want schema 2 with a plugin config and layers", manifest)
	}
	resp, config := get("GET", "/blobs/"+m.Config.Digest, tok.Token)
	if resp.StatusCode != http.StatusOK || sha256Hex(config) != m.Config.Digest || len(config) != m.Config.Size {
		t.Fatalf("config blob: %d, %s of %d bytes, manifest names %s of %d", resp.StatusCode, sha256Hex(config), len(config), m.Config.Digest, m.Config.Size)
	}
	var cfg dockertypes.PluginConfig
	dec := json.NewDecoder(bytes.NewReader(config))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("the config does not decode into the Engine's PluginConfig: %v\n%s", err, config)
	}
	if cfg.Rootfs == nil || cfg.Rootfs.Type != "layers" || len(cfg.Rootfs.DiffIds) != len(m.Layers) {
		t.Fatalf("config rootfs %+v for %d layers", cfg.Rootfs, len(m.Layers))
	}
	if len(cfg.Interface.Types) != 1 || cfg.Interface.Types[0].String() != "docker.logdriver/1.0" || cfg.Interface.Socket != "log-shipper.sock" || len(cfg.Entrypoint) == 0 {
		t.Errorf("config interface %+v entrypoint %v, want a log driver on log-shipper.sock", cfg.Interface, cfg.Entrypoint)
	}
	for i, l := range m.Layers {
		resp, blob := get("GET", "/blobs/"+l.Digest, tok.Token)
		if resp.StatusCode != http.StatusOK || sha256Hex(blob) != l.Digest || len(blob) != l.Size || l.MediaType != "application/vnd.docker.image.rootfs.diff.tar.gzip" {
			t.Fatalf("layer %d: %d, %s of %d bytes (%s), manifest names %s of %d", i, resp.StatusCode, sha256Hex(blob), len(blob), l.MediaType, l.Digest, l.Size)
		}
		zr, err := gzip.NewReader(bytes.NewReader(blob))
		must(t, err)
		raw, err := io.ReadAll(zr)
		must(t, err)
		if sha256Hex(raw) != cfg.Rootfs.DiffIds[i] {
			t.Errorf("layer %d uncompressed is %s, rootfs.diff_ids[%d] is %s", i, sha256Hex(raw), i, cfg.Rootfs.DiffIds[i])
		}
	}
	logWalk(t, "the Engine's walk for "+repo+":"+tag+", by hand", walk)
}

// sha256Hex returns the sha256 digest string of b.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TestDockerPluginPush is a publisher pushing a plugin the way the Engine
// does: `docker plugin create` from a root filesystem and a config.json,
// then `docker plugin push` to its staging repository, logged in with its
// push token. The registry takes it, and the manifest it holds is the
// plugin the Engine built.
func TestDockerPluginPush(t *testing.T) {
	needDocker(t)
	w := newPublisherWorld(t)
	_, err := w.in.srv.Backend.Stores.Catalog.PutProduct(t.Context(), catalog.Product{Slug: "otto-driver", Name: "Otto Driver", Publisher: "ottosoft",
		Kind: catalog.KindPlugin, Repositories: []string{"otto/driver"},
		Tiers: []catalog.Tier{{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{"otto/driver"}}}})
	must(t, err)
	registry, rec := recordingProxy(t, w.in.Registry)
	publisher := t.TempDir()
	if got, err := docker(t, publisher, w.token, "login", registry, "-u", "ottmar", "--password-stdin"); err != nil {
		t.Fatalf("docker login with the push token: %v\n%s", err, got)
	}

	// The plugin's files: a driver that answers the plugin protocol, and
	// the config `docker plugin create` reads.
	dir := t.TempDir()
	cfg := dockertypes.PluginConfig{Description: "Otto volume driver", Documentation: "https://example.com/otto",
		Entrypoint: []string{"/bin/otto-driver"}, WorkDir: "/",
		Interface: dockertypes.PluginConfigInterface{Socket: "otto.sock", Types: []dockertypes.PluginInterfaceType{{Prefix: "docker", Capability: "volumedriver", Version: "1.0"}}},
		Network:   dockertypes.PluginConfigNetwork{Type: "host"}, Linux: dockertypes.PluginConfigLinux{Capabilities: []string{"CAP_SYS_ADMIN"}}}
	exe, err := plugin.Stub("/run/docker/plugins/otto.sock", []byte(`{"Implements":["VolumeDriver"],"Err":""}`))
	must(t, err)
	must(t, os.MkdirAll(filepath.Join(dir, "rootfs", "bin"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "rootfs", "bin", "otto-driver"), exe, 0o755))
	raw, err := json.Marshal(cfg)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "config.json"), raw, 0o644))

	ref := registry + "/staging/otto/driver:1.0.0"
	t.Cleanup(func() { _, _ = docker(t, publisher, "", "plugin", "rm", "--force", ref) })
	if got, err := docker(t, publisher, "", "plugin", "create", ref, dir); err != nil {
		t.Fatalf("docker plugin create: %v\n%s", err, got)
	}
	rec.take()
	got, err := dockerWithin(t, time.Minute, publisher, "", "plugin", "push", ref)
	logWalk(t, "docker plugin push "+ref, rec.take())
	if err != nil && strings.Contains(err.Error(), "killed") {
		// The Engine's plugin push (containerd's pusher) sends each blob
		// PUT without a token first and retries it after the 401; under
		// load it has been seen to stall there for good. What a user
		// does: push again.
		t.Logf("docker plugin push stalled; pushing again:\n%s", got)
		got, err = dockerWithin(t, time.Minute, publisher, "", "plugin", "push", ref)
		logWalk(t, "docker plugin push (again) "+ref, rec.take())
	}
	if err != nil {
		t.Fatalf("docker plugin push: %v\n%s", err, got)
	}
	t.Logf("docker plugin push printed:\n%s", got)

	desc, err := remote.Get(w.repo(t, "staging/otto/driver").Tag("1.0.0"), w.pushAuth())
	must(t, err)
	img, err := desc.Image()
	must(t, err)
	pushed, err := plugin.Verify(img)
	if err != nil {
		t.Fatalf("the pushed plugin: %v\n%s", err, desc.Manifest)
	}
	if !strings.Contains(got, desc.Digest.Hex[:12]) {
		t.Errorf("docker plugin push printed %q, the registry holds %s", got, desc.Digest)
	}
	if pushed.Description != cfg.Description || pushed.Interface.Socket != "otto.sock" || len(pushed.Linux.Capabilities) != 1 {
		t.Errorf("the registry holds config %+v, want the one created", pushed)
	}
	// The Engine names its gzip rootfs blob's digest as the diff ID (moby
	// CreateFromContext); plugin.Verify takes that, as the Engine does.
	layers, err := img.Layers()
	must(t, err)
	blob, err := layers[0].Digest()
	must(t, err)
	if len(pushed.Rootfs.DiffIds) != 1 || pushed.Rootfs.DiffIds[0] != blob.String() {
		t.Errorf("diff_ids %v, layer blob %s: the Engine's create no longer names the blob; revisit plugin.Verify", pushed.Rootfs.DiffIds, blob)
	}

	// Signed, it goes through the pipeline to the buyer-facing repository,
	// timed beside an image of the same size.
	start := time.Now()
	w.signIn(t, "staging/otto/driver", desc.Digest.String())
	if status, reason := w.upload(t, "1.0.0"); status != "promoted" {
		t.Fatalf("the signed plugin upload: %s (%s); want promoted", status, reason)
	}
	pluginTook := time.Since(start)
	reader, err := w.in.srv.Backend.Tokens.Sign("test-reader", []licensing.Access{{Type: "repository", Name: "otto/driver", Actions: []string{"pull"}}})
	must(t, err)
	promoted, err := remote.Get(w.repo(t, "otto/driver").Tag("1.0.0"), remote.WithAuth(&authn.Bearer{Token: reader.Token}))
	if err != nil || promoted.Digest != desc.Digest {
		t.Fatalf("otto/driver:1.0.0 after promotion: %v %v, want %s", err, promoted, desc.Digest)
	}
	// A buyer of the plugin verifies Berth's counter-signature with cosign,
	// from the .sig tag and through the referrers API.
	buyerID, err := w.in.srv.Backend.Accounts.UserByUsername(t.Context(), "bob")
	must(t, err)
	lic, err := w.in.srv.Backend.Licenses.Grant(t.Context(), licensing.Grant{Owner: buyerID.ID, Product: "otto-driver", Tier: "express"})
	must(t, err)
	cosign := realTool(t, "cosign")
	buyer := newToolUser(t, "COSIGN_EXPERIMENTAL=1")
	buyer.must(t, lic.Key, cosign, "login", w.in.Registry, "-u", "bob", "--password-stdin")
	for _, extra := range [][]string{nil, {"--experimental-oci11"}} {
		args := append([]string{"verify", "--key", w.in.URL + "/.well-known/cosign.pub", "--insecure-ignore-tlog"}, extra...)
		out := buyer.must(t, "", cosign, append(args, w.in.Registry+"/otto/driver:1.0.0")...)
		if !strings.Contains(out, `"docker-manifest-digest":"`+desc.Digest.String()+`"`) {
			t.Errorf("cosign %s on the plugin: output does not name %s:\n%s", strings.Join(args, " "), desc.Digest, out)
		}
	}

	size, err := layers[0].Size()
	must(t, err)
	same, err := random.Image(size, 1)
	must(t, err)
	digest := w.pushStaging(t, "9.0.0", same)
	start = time.Now()
	w.sign(t, digest, w.key)
	if status, reason := w.upload(t, "9.0.0"); status != "promoted" {
		t.Fatalf("the signed image upload: %s (%s); want promoted", status, reason)
	}
	t.Logf("pipeline, signature pushed to promoted (polled every 100 ms): plugin of %d layer bytes %v, image of %d layer bytes %v",
		size, pluginTook.Round(time.Millisecond), size, time.Since(start).Round(time.Millisecond))
}

// signIn signs digest in the staging repository repo the way `cosign sign
// --key` does.
func (w *publisherWorld) signIn(t *testing.T, repo, digest string) {
	t.Helper()
	staging := w.repo(t, repo)
	must(t, signing.Attach(t.Context(), staging, digest, staging.Name(), w.key, w.pushAuth()))
}
