package plugin_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/berth/berth/plugin"
)

// TestStubAnswersThePluginProtocol runs the generated executable and talks
// to it over its unix socket as the Engine's plugin client does.
func TestStubAnswersThePluginProtocol(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the stub is a linux/amd64 executable")
	}
	dir, err := os.MkdirTemp("", "stub") // short: a socket path has 107 bytes at most
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "p.sock")
	body := `{"Implements":["VolumeDriver"],"Volumes":[],"Capabilities":{"Scope":"local"},"Err":""}`
	exe, err := plugin.Stub(sock, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "stub")
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()

	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		for {
			c, err := d.DialContext(ctx, "unix", sock)
			if err == nil || ctx.Err() != nil {
				return c, err
			}
		}
	}}}
	for _, call := range []string{"/Plugin.Activate", "/VolumeDriver.Capabilities", "/VolumeDriver.List", "/Plugin.Activate"} {
		res, err := client.Post("http://plugin"+call, "application/vnd.docker.plugins.v1+json", strings.NewReader(strings.Repeat("{}", 3000)))
		if err != nil {
			t.Fatalf("%s: %v", call, err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(got) != body {
			t.Errorf("%s: %d %s, want 200 %s", call, res.StatusCode, got, body)
		}
	}
}
