package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// parallelRepositories bounds how many repositories are pushed at once; each
// push also runs a few blob uploads in parallel (remote's default jobs).
const parallelRepositories = 4

// pusher pushes demo images to one registry.
type pusher struct {
	registry  string
	nameOpts  []name.Option
	opts      []remote.Option
	log       *slog.Logger
	published func(ctx context.Context, repo, tag, digest string) error
}

// pushAll pushes every tag of every recipe the registry lacks, a few
// repositories at a time, and counts the tags pushed and skipped. The first
// error stops the other repositories and is the one returned.
func (p pusher) pushAll(ctx context.Context, rs []recipe) (pushed, skipped int, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, parallelRepositories)
	)
	for _, r := range rs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			np, ns, rerr := p.pushRecipe(ctx, r)
			mu.Lock()
			defer mu.Unlock()
			pushed, skipped = pushed+np, skipped+ns
			if rerr != nil && err == nil {
				err = rerr
				cancel()
			}
		})
	}
	wg.Wait()
	return pushed, skipped, err
}

// pushRecipe builds each version of r once and pushes every tag of it,
// "latest" pointing at the newest version.
func (p pusher) pushRecipe(ctx context.Context, r recipe) (pushed, skipped int, err error) {
	built := map[string]artifact{}
	for _, tag := range r.tags() {
		version := tag
		if tag == "latest" {
			version = r.versions[len(r.versions)-1]
		}
		a, ok := built[version]
		if !ok {
			if a, err = r.artifact(version); err != nil {
				return pushed, skipped, err
			}
			built[version] = a
		}
		wrote, err := p.push(ctx, r.repo+":"+tag, a)
		if err != nil {
			return pushed, skipped, err
		}
		if wrote {
			pushed++
		} else {
			skipped++
		}
	}
	return pushed, skipped, nil
}

// push writes a under ref ("namespace/name:tag") unless the tag already
// points at a's digest, hands the tag to the published callback, and
// reports whether it wrote.
func (p pusher) push(ctx context.Context, ref string, a artifact) (bool, error) {
	tag, err := name.NewTag(p.registry+"/"+ref, p.nameOpts...)
	if err != nil {
		return false, fmt.Errorf("demo reference %s: %w", ref, err)
	}
	want, err := a.Digest()
	if err != nil {
		return false, fmt.Errorf("digest of %s: %w", ref, err)
	}
	opts := append([]remote.Option{remote.WithContext(ctx)}, p.opts...)
	desc, err := remote.Head(tag, opts...)
	wrote := false
	switch {
	case err == nil && desc.Digest == want:
		p.log.DebugContext(ctx, "demo tag up to date", "ref", ref, "digest", want.String())
	case err != nil && !notFound(err):
		return false, fmt.Errorf("checking %s: %w", ref, err)
	default:
		if err := remote.Push(tag, a, opts...); err != nil {
			return false, fmt.Errorf("pushing %s: %w", ref, err)
		}
		p.log.DebugContext(ctx, "demo tag pushed", "ref", ref, "digest", want.String())
		wrote = true
	}
	if p.published != nil {
		repo := tag.Context().RepositoryStr()
		if err := p.published(ctx, repo, tag.TagStr(), want.String()); err != nil {
			return wrote, fmt.Errorf("publishing %s: %w", ref, err)
		}
	}
	return wrote, nil
}

// notFound reports whether err is the registry saying the tag or the
// repository does not exist (a HEAD response carries no error body).
func notFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}
