package e2e

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
)

// needDockerEngine skips when no Docker Engine answers here, or git or
// busybox are missing.
func needDockerEngine(t *testing.T) {
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		t.Skipf("no Docker Engine here (docker info: %v: %s)", err, bytes.TrimSpace(out))
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("/bin/busybox is missing (apt-get install busybox-static)")
	}
}

// TestAutomatedBuildsOnBuildKit is the other builder: Berth started with
// BERTH_BUILDER=buildkit and BERTH_BUILDKIT_ADDR=dockerd:// builds
// through the local Docker Engine's BuildKit. A manual trigger builds a
// multi-stage Dockerfile FROM alice's private base with her rights, and
// crane's library pulls the result with every step's files.
func TestAutomatedBuildsOnBuildKit(t *testing.T) {
	needDockerEngine(t)
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	cfg.AllowPrivateNetworks = true
	cfg.Builder, cfg.BuildKitAddr = "buildkit", "dockerd://"
	in := start(t, cfg)
	ctx := context.Background()
	b := in.srv.Backend
	_, err := b.Accounts.Register(ctx, account.SignUp{Username: "alice", Email: "alice@example.com", Password: "alice-password"})
	must(t, err)
	aliceAuth := &authn.Basic{Username: "alice", Password: "alice-password"}
	for _, name := range []string{"base", "app"} {
		_, err := b.Repositories.Create(ctx, catalog.NewRepository{Namespace: "alice", Name: name, Private: true})
		must(t, err)
	}
	must(t, remote.Write(ref(t, in.Registry, "alice/base", "1"), busyboxImage(t), remote.WithAuth(aliceAuth)))
	git := startGitServer(t)
	url, commit := git.repo(t, "app-bk", map[string]string{
		"hello.txt": "hello from buildkit\n",
		"Dockerfile": "ARG BASE\nFROM $BASE AS stage\nRUN echo built-in-stage > /stage.txt\n" +
			"FROM $BASE\nCOPY hello.txt /hello.txt\nCOPY --from=stage /stage.txt /from-stage.txt\n"})
	var out map[string]any
	if status := in.call("PUT", "/api/v1/repositories/alice/app/builds/config", "alice", "alice-password", map[string]any{
		"source": map[string]any{"url": url},
		"rules": []map[string]any{{"type": "branch", "source": "main", "dockerfile": "Dockerfile", "context": ".",
			"tag": "bk", "autobuild": true, "build_args": map[string]string{"BASE": in.Registry + "/alice/base:1"}}},
	}, &out); status != http.StatusOK {
		t.Fatalf("PUT build config: %d %v", status, out)
	}
	var trig map[string]any
	if status := in.call("POST", "/api/v1/repositories/alice/app/builds", "alice", "alice-password", map[string]any{"ref": "main"}, &trig); status != http.StatusAccepted {
		t.Fatalf("trigger answered %d %v", status, trig)
	}
	built := waitBuild(t, in, "alice/app", trig["id"].(string), 4*time.Minute)
	if built.Status != "succeeded" || built.Commit != commit || built.Digest == "" {
		t.Fatalf("build ended %+v\n%s", built, buildLog(t, in, "alice/app", built.ID))
	}
	if log := buildLog(t, in, "alice/app", built.ID); !strings.Contains(log, "#push "+in.Registry+"/alice/app:bk") {
		t.Errorf("the build did not run on the Engine's BuildKit (no #push line):\n%s", log)
	}
	files, _ := imageFiles(t, in.Registry, "alice/app", "bk", aliceAuth, "/hello.txt", "/from-stage.txt", "/bin/busybox")
	if files["/hello.txt"] != "hello from buildkit\n" || files["/from-stage.txt"] != "built-in-stage\n" || len(files["/bin/busybox"]) < 100_000 {
		t.Errorf("the BuildKit-built image holds %q, %q and a busybox of %d bytes", files["/hello.txt"], files["/from-stage.txt"], len(files["/bin/busybox"]))
	}
	img, err := remote.Head(ref(t, in.Registry, "alice/app", "bk"), remote.WithAuth(aliceAuth))
	must(t, err)
	if img.Digest.String() != built.Digest {
		t.Errorf("the build recorded %s, the registry holds %s", built.Digest, img.Digest)
	}
}
