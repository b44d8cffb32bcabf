package builds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	dockerclient "github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
	bkclient "github.com/moby/buildkit/client"

	// docker-container:// addresses reach buildkitd through `docker exec`.
	_ "github.com/moby/buildkit/client/connhelper/dockercontainer"
)

// worker is one build's connection to a daemon; engine is set when the
// daemon is a Docker Engine's own BuildKit.
type worker struct {
	*bkclient.Client
	engine *engine
}

func (w *worker) Close() error {
	err := w.Client.Close()
	if w.engine != nil {
		err = errors.Join(err, w.engine.api.Close())
	}
	return err
}

// connect dials the configured daemon and checks that it answers, so
// that an unreachable worker is ErrWorkerUnavailable, not a failed build.
func (b *BuildKit) connect(ctx context.Context) (*worker, error) {
	w, err := b.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWorkerUnavailable, err)
	}
	if _, err := w.ListWorkers(ctx); err != nil {
		w.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("build stopped: %w", ctx.Err())
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrWorkerUnavailable, b.cfg.Addr, err)
	}
	return w, nil
}

// dial makes the client for the configured daemon.
func (b *BuildKit) dial(ctx context.Context) (*worker, error) {
	var opts []bkclient.ClientOpt
	if t := b.cfg.TLS; t != nil {
		if t.CACert != "" {
			opts = append(opts, bkclient.WithServerConfig(t.ServerName, t.CACert))
		} else {
			opts = append(opts, bkclient.WithServerConfigSystem(t.ServerName))
		}
		if t.Cert != "" {
			opts = append(opts, bkclient.WithCredentials(t.Cert, t.Key))
		}
	}
	scheme, rest := trimScheme(b.cfg.Addr)
	if scheme != "dockerd" {
		c, err := bkclient.New(ctx, b.cfg.Addr, opts...)
		if err != nil {
			return nil, fmt.Errorf("connecting to buildkit at %s: %w", b.cfg.Addr, err)
		}
		return &worker{Client: c}, nil
	}
	api, err := b.dockerAPI(rest)
	if err != nil {
		return nil, err
	}
	// The Engine upgrades /grpc to BuildKit's control API and /session to
	// the build's session, both over HTTP/2 without TLS inside the
	// (possibly TLS) Docker API connection; the BuildKit client must not
	// add TLS of its own.
	c, err := bkclient.New(ctx, "",
		bkclient.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return api.DialHijack(ctx, "/grpc", "h2c", nil)
		}),
		bkclient.WithSessionDialer(func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			return api.DialHijack(ctx, "/session", proto, meta)
		}))
	if err != nil {
		api.Close()
		return nil, fmt.Errorf("connecting to the Docker Engine's buildkit at %s: %w", b.cfg.Addr, err)
	}
	return &worker{Client: c, engine: &engine{api: api}}, nil
}

// dockerAPI is a Docker API client for host (default the local socket).
func (b *BuildKit) dockerAPI(host string) (*dockerclient.Client, error) {
	if host == "" {
		host = dockerclient.DefaultDockerHost
	}
	opts := []dockerclient.Opt{dockerclient.WithHost(host), dockerclient.WithAPIVersionNegotiation()}
	if t := b.cfg.TLS; t != nil {
		opts = append(opts, dockerclient.WithTLSClientConfig(t.CACert, t.Cert, t.Key))
	}
	api, err := dockerclient.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker host %q: %w", host, err)
	}
	return api, nil
}

// engine pushes what a Docker Engine's BuildKit built. The Engine's
// BuildKit (20.10 here) exports only into the Engine's image store
// ("moby"), a file tree ("local") or a tar of it ("tar"): neither the
// "image" exporter that pushes nor the "oci" one that could send an
// image back through the session. So the Engine pushes, as buildx does
// for its docker driver, with the credentials in the API request's
// X-Registry-Auth header, and the local tag is removed afterwards.
type engine struct {
	api *dockerclient.Client
}

func (e *engine) push(ctx context.Context, job Job, out io.Writer) (string, error) {
	defer e.api.ImageRemove(context.WithoutCancel(ctx), job.Image, image.RemoveOptions{PruneChildren: true})
	authHeader, err := registry.EncodeAuthConfig(registry.AuthConfig{
		Username: job.Auth.Username, Password: job.Auth.Password.Reveal(), ServerAddress: job.Auth.Host})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(out, "#push %s\n", job.Image)
	rc, err := e.api.ImagePush(ctx, job.Image, image.PushOptions{RegistryAuth: authHeader})
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", job.Image, err)
	}
	defer rc.Close()
	digest := ""
	dec := json.NewDecoder(rc)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			if ctx.Err() != nil {
				return "", fmt.Errorf("push stopped: %w", ctx.Err())
			}
			return "", fmt.Errorf("reading push progress: %w", err)
		}
		if m.Error != nil {
			fmt.Fprintf(out, "#push ERROR: %s\n", m.Error.Message)
			return "", &BuildError{Stage: "push", ExitCode: 1}
		}
		if m.Aux != nil {
			var aux struct{ Digest string }
			if json.Unmarshal(*m.Aux, &aux) == nil && aux.Digest != "" {
				digest = aux.Digest
			}
		}
		if m.Progress == nil && m.Status != "" {
			fmt.Fprintf(out, "#push %s %s\n", m.ID, m.Status)
		}
	}
	if digest == "" {
		return "", errors.New("the Docker Engine pushed no image digest")
	}
	return digest, nil
}
