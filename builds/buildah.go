package builds

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// BuildahConfig sets how Buildah runs builds.
type BuildahConfig struct {
	// Path is the buildah binary (default "buildah" on PATH).
	Path string
	// Workspaces is where each build's image storage is made and removed
	// (default the system's temporary directory).
	Workspaces string
	// Timeout bounds one build and its push (default 30 minutes).
	Timeout time.Duration
	// LogLimit caps a build's log in bytes (default 4 MiB); what follows
	// is dropped after a marker line.
	LogLimit int64
	// PlainHTTP talks to registries over http without TLS (tests and
	// loopback installations).
	PlainHTTP bool
}

// RegistryAuth is the account a build pulls its bases and pushes its
// image with. The password is written to a 0600 auth file in the build's
// workspace, never put on a command line.
type RegistryAuth struct {
	Host     string
	Username string
	Password Secret
}

// Job is one build: a checkout, the rule's Dockerfile, context and build
// arguments, and the image reference to push to.
type Job struct {
	Dir        string
	Dockerfile string
	Context    string
	BuildArgs  map[string]string
	// Image is where the result goes: "host/ns/repo:tag".
	Image string
	Auth  RegistryAuth
}

// BuildError is a build or push that ran and failed; the log says why.
// It matches ErrBuildFailed.
type BuildError struct {
	Stage    string // "build" or "push"
	ExitCode int
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("%s failed with exit status %d", e.Stage, e.ExitCode)
}

// Is makes a BuildError match ErrBuildFailed.
func (e *BuildError) Is(target error) bool { return target == ErrBuildFailed }

// Buildah runs builds with the buildah CLI, chroot isolation and vfs
// storage, each in image storage of its own that is removed afterwards.
type Buildah struct {
	cfg BuildahConfig
}

// NewBuildah returns a builder with cfg's defaults filled in.
func NewBuildah(cfg BuildahConfig) *Buildah {
	if cfg.Path == "" {
		cfg.Path = "buildah"
	}
	defaultLimits(&cfg.Timeout, &cfg.LogLimit)
	return &Buildah{cfg: cfg}
}

// Build builds job and pushes the image, writing buildah's output to log
// (capped at LogLimit), and returns the pushed manifest's digest. A
// failed build or push is a *BuildError; a cancelled or timed-out one
// returns the context's error once the whole process group is killed.
func (b *Buildah) Build(ctx context.Context, job Job, log io.Writer) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	dockerfile, contextDir, err := job.paths()
	if err != nil {
		return "", err
	}
	ws, err := os.MkdirTemp(b.cfg.Workspaces, "berth-buildah-")
	if err != nil {
		return "", fmt.Errorf("making build workspace: %w", err)
	}
	defer os.RemoveAll(ws)
	authFile, err := writeAuthFile(ws, job.Auth)
	if err != nil {
		return "", err
	}
	out := &cappedWriter{w: log, limit: b.cfg.LogLimit}
	local := "localhost/berth-build:latest"
	build := append(b.global(ws), "build", "--isolation", "chroot", "--layers=false", "--pull=always",
		"--authfile", authFile, b.tlsVerify(), "-f", dockerfile, "-t", local)
	build = append(append(build, buildArgs(job.BuildArgs)...), contextDir)
	if err := b.run(ctx, ws, "build", build, out); err != nil {
		return "", err
	}
	digestFile := filepath.Join(ws, "digest")
	push := append(b.global(ws), "push", "--authfile", authFile, b.tlsVerify(), "--digestfile", digestFile,
		local, "docker://"+job.Image)
	if err := b.run(ctx, ws, "push", push, out); err != nil {
		return "", err
	}
	digest, err := os.ReadFile(digestFile)
	if err != nil {
		return "", fmt.Errorf("reading pushed digest: %w", err)
	}
	return strings.TrimSpace(string(digest)), nil
}

// global is the flags that keep a build's storage its own.
func (b *Buildah) global(ws string) []string {
	return []string{"--root", filepath.Join(ws, "root"), "--runroot", filepath.Join(ws, "runroot"), "--storage-driver", "vfs"}
}

func (b *Buildah) tlsVerify() string {
	return fmt.Sprintf("--tls-verify=%t", !b.cfg.PlainHTTP)
}

// run runs buildah in its own process group with a clean environment,
// killing the group when ctx ends.
func (b *Buildah) run(ctx context.Context, ws, stage string, args []string, out io.Writer) error {
	cmd := exec.CommandContext(ctx, b.cfg.Path, args...)
	cmd.Dir = ws
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + ws, "TMPDIR=" + ws, "BUILDAH_ISOLATION=chroot"}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("%s stopped: %w", stage, ctx.Err())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &BuildError{Stage: stage, ExitCode: exit.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("running buildah %s: %w", stage, err)
	}
	return nil
}

// buildArgs turns args into --build-arg flags, in name order.
func buildArgs(args map[string]string) []string {
	names := make([]string, 0, len(args))
	for k := range args {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []string
	for _, k := range names {
		out = append(out, "--build-arg", k+"="+args[k])
	}
	return out
}

// insideDir joins rel to dir and resolves symlinks, refusing a result
// outside dir: a repository's symlink must not lead the build to the
// host's files.
func insideDir(dir, rel string) (string, error) {
	if !filepath.IsLocal(rel) && filepath.Clean(rel) != "." {
		return "", fmt.Errorf("%q is not inside the repository", rel)
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	p, err := filepath.EvalSymlinks(filepath.Join(root, rel))
	if err != nil {
		return "", fmt.Errorf("%q: %w", rel, err)
	}
	if r, err := filepath.Rel(root, p); err != nil || !filepath.IsLocal(r) && r != "." {
		return "", fmt.Errorf("%q leads outside the repository", rel)
	}
	return p, nil
}

// writeAuthFile writes a containers-auth.json holding a's credentials,
// readable by its owner only.
func writeAuthFile(ws string, a RegistryAuth) (string, error) {
	auths := map[string]any{}
	if a.Host != "" {
		token := base64.StdEncoding.EncodeToString([]byte(a.Username + ":" + a.Password.Reveal()))
		auths[a.Host] = map[string]string{"auth": token}
	}
	b, err := json.Marshal(map[string]any{"auths": auths})
	if err != nil {
		return "", err
	}
	p := filepath.Join(ws, "auth.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return "", fmt.Errorf("writing registry auth file: %w", err)
	}
	return p, nil
}
