// Command s3 stands in for MinIO in the compose stack's CI override: an
// in-memory S3 server (gofakes3) that checks no signatures, with the
// registry's bucket created at start.
//
//	s3 [-listen 0.0.0.0:9000] [-bucket NAME]...
//	s3 healthcheck [-url http://127.0.0.1:9000/NAME]   exit 0 when it answers 200
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "s3:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(ctx, args[1:])
	}
	return serve(ctx, args)
}

// buckets is a repeatable -bucket flag.
type buckets []string

func (b *buckets) String() string     { return strings.Join(*b, ",") }
func (b *buckets) Set(v string) error { *b = append(*b, v); return nil }

// serve runs the S3 server until ctx ends.
func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("s3", flag.ContinueOnError)
	listen := fs.String("listen", "0.0.0.0:9000", "listen address")
	var names buckets
	fs.Var(&names, "bucket", "a bucket to create at start (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store := s3mem.New()
	for _, b := range names {
		if err := store.CreateBucket(b); err != nil {
			return fmt.Errorf("creating bucket %s: %w", b, err)
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: gofakes3.New(store, gofakes3.WithLogger(gofakes3.DiscardLog())).Server(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	slog.Info("s3 listening", "addr", *listen, "buckets", names.String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// healthcheck asks for url (by default the bucket list) and wants a 200.
func healthcheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:9000/", "URL that must answer 200: the service, or a bucket in it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d", *url, resp.StatusCode)
	}
	return nil
}
