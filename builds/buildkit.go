package builds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/docker/cli/cli/config/types"
	bkclient "github.com/moby/buildkit/client"
	gatewaypb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrWorkerUnavailable: the BuildKit daemon could not be reached or went
// away mid-build. Nothing is wrong with the build itself, so it may be
// tried again; it never matches ErrBuildFailed.
var ErrWorkerUnavailable = errors.New("build worker unavailable")

// BuildKitConfig says which BuildKit daemon runs builds and how Berth
// talks to it.
type BuildKitConfig struct {
	// Addr is the daemon: "unix:///run/buildkit/buildkitd.sock",
	// "tcp://worker.example:1234", "docker-container://buildkitd" (a
	// buildkitd container on the local Docker Engine), or "dockerd://"
	// optionally followed by a Docker host ("dockerd://unix:///var/run/docker.sock",
	// "dockerd://tcp://worker:2376"): that Docker Engine's own BuildKit,
	// reached through its /grpc endpoint as buildx's "docker" driver does.
	Addr string
	// TLS authenticates a tcp:// daemon (or a tcp:// Docker host); nil
	// talks in the clear.
	TLS *BuildKitTLS
	// Timeout bounds one build and its push (default 30 minutes).
	Timeout time.Duration
	// LogLimit caps a build's log in bytes (default 4 MiB), as for Buildah.
	LogLimit int64
	// ShareCache lets a build reuse the worker's cache of earlier
	// builds' steps. Off, every step runs afresh, as with Buildah: a
	// shared cache is faster but hands one build's RUN results to any
	// other build with the same steps, so turn it on only for workers
	// whose builds trust each other.
	ShareCache bool
	// PlainHTTP pushes to the registry over http (buildkitd's image
	// exporter); pulls from loopback registries use http on their own.
	PlainHTTP bool
}

// BuildKitTLS is the certificate files for a daemon that wants TLS.
type BuildKitTLS struct {
	CACert     string // verifies the daemon; empty uses the system roots
	Cert, Key  string // Berth's client certificate, when the daemon asks for one
	ServerName string // the name in the daemon's certificate, if not the address's host
}

// BuildKit runs builds on a BuildKit daemon, which may be on another
// machine: the checkout's context and Dockerfile go to it through the
// session, bases are pulled with job.Auth served by the session, and the
// image is pushed to Berth's registry.
type BuildKit struct {
	cfg BuildKitConfig
}

// NewBuildKit returns a builder with cfg's defaults filled in. It does not
// connect: each build dials the daemon, so a worker that restarts costs
// one build, not the builder.
func NewBuildKit(cfg BuildKitConfig) *BuildKit {
	defaultLimits(&cfg.Timeout, &cfg.LogLimit)
	return &BuildKit{cfg: cfg}
}

// Build sends job to the daemon, streams its progress as plain text to
// log (capped at LogLimit), pushes the image and returns the pushed
// manifest's digest. A build that ran and failed is a *BuildError; a
// cancelled or timed-out one returns the context's error.
func (b *BuildKit) Build(ctx context.Context, job Job, log io.Writer) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	dockerfile, contextDir, err := job.paths()
	if err != nil {
		return "", err
	}
	out := &cappedWriter{w: log, limit: b.cfg.LogLimit}
	w, err := b.connect(ctx)
	if err != nil {
		return "", err
	}
	defer w.Close()
	opt, err := b.solveOpt(job, dockerfile, contextDir, w.engine != nil)
	if err != nil {
		return "", err
	}
	resp, err := solve(ctx, w.Client, opt, out)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("build stopped: %w", ctx.Err())
		}
		fmt.Fprintf(out, "ERROR: %v\n", err)
		if status.Code(err) == codes.Unavailable {
			return "", fmt.Errorf("%w: %s: %v", ErrWorkerUnavailable, b.cfg.Addr, err)
		}
		return "", buildError(err)
	}
	if w.engine != nil {
		return w.engine.push(ctx, job, out)
	}
	digest := resp.ExporterResponse["containerimage.digest"]
	if digest == "" {
		return "", errors.New("the daemon pushed no image digest")
	}
	return digest, nil
}

// solveOpt is the dockerfile frontend's request: the two local
// directories, the build arguments, the session's registry credentials
// and the export. The Engine's BuildKit keeps the image in the Engine
// (its "moby" exporter), which then pushes it; buildkitd pushes itself.
func (b *BuildKit) solveOpt(job Job, dockerfile, contextDir string, engine bool) (bkclient.SolveOpt, error) {
	ctxFS, err := fsutil.NewFS(contextDir)
	if err != nil {
		return bkclient.SolveOpt{}, fmt.Errorf("context: %w", err)
	}
	dfFS, err := fsutil.NewFS(filepath.Dir(dockerfile))
	if err != nil {
		return bkclient.SolveOpt{}, fmt.Errorf("dockerfile: %w", err)
	}
	// "cmdline" present keeps the worker's built-in Dockerfile frontend:
	// a "# syntax=" line would otherwise make the worker pull and run a
	// frontend image from outside Berth's registry.
	attrs := map[string]string{"filename": filepath.Base(dockerfile), "image-resolve-mode": "pull", "cmdline": ""}
	if !b.cfg.ShareCache {
		attrs["no-cache"] = ""
	}
	for k, v := range job.BuildArgs {
		attrs["build-arg:"+k] = v
	}
	export := bkclient.ExportEntry{Type: bkclient.ExporterImage, Attrs: map[string]string{
		"name": job.Image, "push": "true", "registry.insecure": strconv.FormatBool(b.cfg.PlainHTTP)}}
	if engine {
		export = bkclient.ExportEntry{Type: "moby", Attrs: map[string]string{"name": job.Image}}
	}
	return bkclient.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: attrs,
		LocalMounts:   map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
		Session:       []session.Attachable{registryAuth(job.Auth)},
		Exports:       []bkclient.ExportEntry{export},
	}, nil
}

// registryAuth serves job's registry account to the daemon through the
// session, for that host only: the password never leaves Berth's process
// other than in answer to the daemon's own request.
func registryAuth(a RegistryAuth) session.Attachable {
	return authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: func(_ context.Context, host string, _ []string, _ authprovider.ExpireCachedAuthCheck) (types.AuthConfig, error) {
			if a.Host == "" || host != a.Host {
				return types.AuthConfig{}, nil
			}
			return types.AuthConfig{ServerAddress: host, Username: a.Username, Password: a.Password.Reveal()}, nil
		},
	})
}

// solve runs the build, writing the daemon's progress to out in
// buildx's plain format as it comes.
func solve(ctx context.Context, c *bkclient.Client, opt bkclient.SolveOpt, out io.Writer) (*bkclient.SolveResponse, error) {
	display, err := progressui.NewDisplay(out, progressui.PlainMode)
	if err != nil {
		return nil, err
	}
	ch := make(chan *bkclient.SolveStatus)
	var resp *bkclient.SolveResponse
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		resp, err = c.Solve(gctx, nil, opt, ch)
		return err
	})
	g.Go(func() error {
		// The display drains ch until Solve closes it; its own error
		// is only ever the context's.
		_, _ = display.UpdateFrom(context.WithoutCancel(gctx), ch)
		return nil
	})
	return resp, g.Wait()
}

var exitCodeRE = regexp.MustCompile(`exit code: (\d+)`)

// buildError turns a failed solve into a BuildError with the failing
// step's exit code when the daemon reports one.
func buildError(err error) error {
	code := 1
	var ee *gatewaypb.ExitError
	if errors.As(err, &ee) {
		code = int(ee.ExitCode)
	} else if m := exitCodeRE.FindStringSubmatch(err.Error()); m != nil {
		code, _ = strconv.Atoi(m[1])
	}
	return &BuildError{Stage: "build", ExitCode: code}
}

// trimScheme splits "scheme://rest".
func trimScheme(addr string) (scheme, rest string) {
	scheme, rest, ok := strings.Cut(addr, "://")
	if !ok {
		return "", addr
	}
	return scheme, rest
}
