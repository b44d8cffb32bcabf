// Package plain serves a stock distribution registry, anonymous and with
// deletes enabled, on a loopback port: the yardstick Berth's registry is
// measured against (the OCI conformance comparison in e2e, the pull
// overhead benchmark in bench). It is for tests and benchmarks only.
package plain

import (
	"context"
	"io"
	"net"
	"net/http"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"

	"github.com/berth/berth/internal/secret"
)

// Serve starts a plain distribution registry storing its content under dir
// and returns its host:port ("localhost:<port>") and a function that stops
// it. It logs nothing: distribution logs through the global logrus logger,
// which a Berth started earlier in the same process routed into its own log.
func Serve(dir string) (host string, stop func(), err error) {
	logrus.StandardLogger().SetOutput(io.Discard)
	logrus.StandardLogger().ReplaceHooks(logrus.LevelHooks{})
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		return "", nil, err
	}
	c := &configuration.Configuration{Version: "0.1"}
	c.Log.Level = "error"
	c.HTTP.Secret = secret.Token("")
	c.Storage = configuration.Storage{
		"filesystem": configuration.Parameters{"rootdirectory": dir},
		"delete":     configuration.Parameters{"enabled": true},
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{Handler: handlers.NewApp(ctx, c)}
	go func() { _ = srv.Serve(ln) }()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return "localhost:" + port, func() { cancel(); _ = srv.Close() }, nil
}
