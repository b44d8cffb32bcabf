package builds_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	stdlog "log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	bkclient "github.com/moby/buildkit/client"

	"github.com/berth/berth/builds"
)

// bkEnv is a loopback registry wanting regUser's password, holding
// base:1, and a BuildKit builder for one kind of worker.
type bkEnv struct {
	kind string // "engine", "buildkitd" or "docker-container"
	host string
	auth builds.RegistryAuth
	b    *builds.BuildKit
}

// needEngine skips when no Docker Engine answers here.
func needEngine(t *testing.T) {
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		t.Skipf("no Docker Engine here (docker info: %v: %s)", err, bytes.TrimSpace(out))
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("/bin/busybox is missing (apt-get install busybox-static)")
	}
}

// forEachWorker runs f as a subtest on each kind of worker: the local
// Docker Engine's own BuildKit, buildkitd in a container reached over TCP
// with mutual TLS (see startBuildkitd), and the same reached through
// `docker exec … buildctl dial-stdio` (docker-container://).
func forEachWorker(t *testing.T, cfg builds.BuildKitConfig, f func(t *testing.T, env *bkEnv)) {
	needEngine(t)
	for _, kind := range []string{"engine", "buildkitd", "docker-container"} {
		t.Run(kind, func(t *testing.T) {
			c := cfg
			c.Addr, c.PlainHTTP = "dockerd://", true
			if _, err := exec.LookPath("buildctl"); err != nil && kind == "docker-container" {
				t.Skip("no buildctl on PATH for docker-container:// (build it as buildkitd, from ./cmd/buildctl)")
			}
			if kind != "engine" {
				addr, container := startBuildkitd(t, &c)
				if addr == "" {
					t.Skip("no buildkitd image here; see the log above")
				}
				c.Addr = addr
				if kind == "docker-container" {
					c.Addr, c.TLS = "docker-container://"+container, nil
				}
			}
			host := loopbackRegistry(t)
			f(t, &bkEnv{kind: kind, host: host, b: builds.NewBuildKit(c),
				auth: builds.RegistryAuth{Host: host, Username: regUser, Password: regPassword}})
		})
	}
}

// loopbackRegistry starts a registry that, like Berth's, wants a bearer
// token from its token endpoint, which wants regUser's password; it
// pushes base:1 to it.
func loopbackRegistry(t *testing.T) string {
	reg := registry.New(registry.Logger(stdlog.New(io.Discard, "", 0)))
	token := fmt.Sprintf("token-%d", time.Now().UnixNano())
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			if u, p, ok := r.BasicAuth(); !ok || u != regUser || p != regPassword {
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
				return
			}
			fmt.Fprintf(w, `{"token":%q,"access_token":%q}`, token, token)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="test-registry"`, srv.URL))
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	pushBase(t, host+"/library/base:1")
	return host
}

// buildkitdImage is the image startBuildkitd runs, made once per test
// process: FROM scratch with a static buildkitd and Debian's runc with
// the libraries it links, so nothing is pulled from outside.
var buildkitdImage = sync.OnceValues(func() (string, error) {
	bin, err := exec.LookPath("buildkitd")
	if err != nil {
		return "", fmt.Errorf("no buildkitd on PATH (build one: cd $(go env GOMODCACHE)/github.com/moby/buildkit@v0.34.2 && CGO_ENABLED=0 go build -o /usr/local/bin/buildkitd ./cmd/buildkitd)")
	}
	runc, err := exec.LookPath("runc")
	if err != nil {
		return "", fmt.Errorf("no runc on PATH (apt-get install runc)")
	}
	dir, err := os.MkdirTemp("", "berth-buildkitd-image-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	files := []string{bin + ":/usr/bin/buildkitd", runc + ":/usr/bin/runc"}
	if buildctl, err := exec.LookPath("buildctl"); err == nil {
		files = append(files, buildctl+":/usr/bin/buildctl")
	}
	ldd, err := exec.Command("ldd", runc).Output()
	if err != nil {
		return "", fmt.Errorf("ldd %s: %w", runc, err)
	}
	for _, f := range strings.Fields(string(ldd)) {
		if strings.HasPrefix(f, "/") {
			files = append(files, f+":"+f)
		}
	}
	for _, f := range files {
		src, dst, _ := strings.Cut(f, ":")
		if err := os.MkdirAll(filepath.Join(dir, "root", filepath.Dir(dst)), 0o755); err != nil {
			return "", err
		}
		if out, err := exec.Command("cp", "-L", src, filepath.Join(dir, "root", dst)).CombinedOutput(); err != nil {
			return "", fmt.Errorf("cp %s: %v: %s", src, err, out)
		}
	}
	for _, d := range []string{"tmp", "etc", "var/lib/buildkit", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, "root", d), 0o755); err != nil {
			return "", err
		}
	}
	df := "FROM scratch\nCOPY root/ /\nENV PATH=/usr/bin\nENTRYPOINT [\"/usr/bin/buildkitd\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		return "", err
	}
	const tag = "berth-test/buildkitd:local"
	if out, err := exec.Command("docker", "build", "-q", "-t", tag, dir).CombinedOutput(); err != nil {
		return "", fmt.Errorf("docker build: %v: %s", err, out)
	}
	return tag, nil
})

// startBuildkitd runs buildkitd in a privileged container on the host's
// network, listening on a loopback TCP port with mutual TLS and on its
// default unix socket (for docker-container://), and returns the TCP
// address, with the builder's TLS files set in cfg, and the container's
// name. It returns "" (and says why) when no buildkitd binary is at hand.
func startBuildkitd(t *testing.T, cfg *builds.BuildKitConfig) (addr, container string) {
	image, err := buildkitdImage()
	if err != nil {
		t.Logf("testing without buildkitd: %v", err)
		return "", ""
	}
	certs := t.TempDir()
	tlsFiles := writeTLS(t, certs)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = "tcp://" + l.Addr().String()
	l.Close()
	name := fmt.Sprintf("berth-test-buildkitd-%d", time.Now().UnixNano())
	out, err := exec.Command("docker", "run", "-d", "--rm", "--network", "host", "--name", name,
		// --privileged less CAP_SYS_RESOURCE, which this machine cannot grant.
		"--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE", "--security-opt", "seccomp=unconfined",
		"--security-opt", "apparmor=unconfined", "--security-opt", "systempaths=unconfined", "-v", "/sys/fs/cgroup:/sys/fs/cgroup",
		"-v", certs+":/certs:ro", "--tmpfs", "/var/lib/buildkit:exec", image,
		"--addr", "unix:///run/buildkit/buildkitd.sock", "--addr", addr, "--tlscacert", "/certs/ca.pem", "--tlscert", "/certs/server.pem", "--tlskey", "/certs/server-key.pem",
		"--oci-worker-snapshotter", "native").CombinedOutput()
	if err != nil {
		t.Fatalf("docker run buildkitd: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })
	cfg.TLS = tlsFiles
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		c, err := bkclient.New(ctx, addr, bkclient.WithServerConfig("", tlsFiles.CACert), bkclient.WithCredentials(tlsFiles.Cert, tlsFiles.Key))
		if err == nil {
			_, err = c.ListWorkers(ctx)
			c.Close()
		}
		if err == nil {
			return addr, name
		}
		if ctx.Err() != nil {
			logs, _ := exec.Command("docker", "logs", name).CombinedOutput()
			t.Fatalf("buildkitd did not answer within a minute: %v\n%s", err, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// writeTLS writes a CA, a server certificate for 127.0.0.1 and a client
// certificate into dir.
func writeTLS(t *testing.T, dir string) *builds.BuildKitTLS {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "berth test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", caDER)
	for i, name := range []string{"server", "client"} {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kb, _ := x509.MarshalPKCS8PrivateKey(key)
		writePEM(t, filepath.Join(dir, name+".pem"), "CERTIFICATE", der)
		writePEM(t, filepath.Join(dir, name+"-key.pem"), "PRIVATE KEY", kb)
	}
	return &builds.BuildKitTLS{CACert: filepath.Join(dir, "ca.pem"),
		Cert: filepath.Join(dir, "client.pem"), Key: filepath.Join(dir, "client-key.pem")}
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
