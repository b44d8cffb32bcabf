package builds_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/berth/berth/builds"
)

// BenchmarkBuildahSmallImage builds and pushes a one-RUN image on the
// busybox base through a loopback registry: the builder's share of the
// time from webhook to pullable image.
func BenchmarkBuildahSmallImage(b *testing.B) {
	env := newBuildEnv(b, builds.BuildahConfig{})
	dir := repoDir(b, map[string]string{"Dockerfile": "FROM " + env.host + "/library/base:1\nRUN echo hi > /hi.txt\n"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := env.b.Build(context.Background(), builds.Job{Dir: dir, Dockerfile: "Dockerfile", Context: ".",
			Image: fmt.Sprintf("%s/acme/app:%d", env.host, i), Auth: env.auth}, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkShallowClone clones a branch tip over git:// from loopback.
func BenchmarkShallowClone(b *testing.B) {
	r := newGitRepo(b)
	url := serveGitDaemon(b, r)
	f := fetcher(b, true)
	main := builds.Ref{Type: builds.Branch, Name: "main"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		co, err := f.Clone(context.Background(), builds.Source{URL: url}, main, r.commits[2])
		if err != nil {
			b.Fatal(err)
		}
		_ = co.Remove()
	}
}
