// Command tokenload measures Berth's token endpoint on loopback: throughput
// and latency percentiles for each credential kind (license key, personal
// access token, refresh token, password) at 1, 8 and 64 concurrent
// connections. It starts Berth in-process in a temporary data directory,
// sends only to that server, and stops after a fixed number of requests or
// a time limit per run, whichever comes first.
//
//	go run ./bench/tokenload [-requests 20000] [-limit 5s]
//
// With -serve it only starts Berth (on -addr) with the same licensed user,
// prints a wrk command that asks for license-key tokens, and runs until
// interrupted, so that an external load generator such as wrk can measure
// it beside another token server (see bench/README.md).
//
//	go run ./bench/tokenload -serve [-addr localhost:5080] [-cpuprofile cpu.out]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/server"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tokenload:", err)
		os.Exit(1)
	}
}

func run() error {
	requests := flag.Int("requests", 20000, "requests per run at most")
	limit := flag.Duration("limit", 5*time.Second, "time per run at most")
	only := flag.String("only", "", "run only this credential kind (license-key, access-token, refresh-token, password)")
	connsFlag := flag.String("conns", "1,8,64", "comma-separated connection counts")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the runs to this file")
	serve := flag.Bool("serve", false, "only serve on -addr until interrupted, and print a wrk command")
	addr := flag.String("addr", "localhost:5080", "with -serve: the address to listen on")
	flag.Parse()
	var connCounts []int
	for _, c := range strings.Split(*connsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 || n > 256 {
			return fmt.Errorf("-conns: %q is not a count from 1 to 256", c)
		}
		connCounts = append(connCounts, n)
	}
	dir, err := os.MkdirTemp("", "tokenload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := server.Defaults()
	cfg.Addr, cfg.RegistryAddr, cfg.DataDir, cfg.LogLevel = "localhost:0", "localhost:0", dir, "error"
	if *serve {
		cfg.Addr = *addr
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	srv, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	kinds, err := credentials(ctx, srv)
	if err != nil {
		return err
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *serve {
		fmt.Println(wrkCommand(kinds[0].request()))
		<-ctx.Done()
		return nil
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "credential\tconnections\trequests\ttokens/s\tp50\tp99\t")
	for _, k := range kinds {
		if *only != "" && strings.ReplaceAll(k.name, " ", "-") != *only {
			continue
		}
		for _, conns := range connCounts {
			n := *requests
			if k.name == "password" {
				// One address may have at most 20 password checks in flight
				// (the guessing limit reserves each before it runs), and
				// argon2id makes each dear: keep these runs short and narrow.
				if conns > 8 {
					continue
				}
				n = min(n, 200*conns)
			}
			r := load(k.request, conns, n, *limit)
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t\n", k.name, conns, r.n, r.perSecond, r.p50, r.p99)
			if r.failed > 0 {
				return fmt.Errorf("%s at %d connections: %d requests failed, the first with %s", k.name, conns, r.failed, r.firstFailure)
			}
		}
	}
	return tw.Flush()
}

// kind is one credential and how to ask /token with it.
type kind struct {
	name    string
	request func() *http.Request
}

// credentials makes a user with a license, an access token and a refresh
// token for a one-repository product, and returns a request for each.
func credentials(ctx context.Context, srv *server.Server) ([]kind, error) {
	b := srv.Backend
	if _, err := b.Stores.Catalog.PutProduct(ctx, catalog.Product{
		Slug: "load", Name: "Load", Publisher: "load", Kind: catalog.KindImage, Repositories: []string{"load/app"},
		Tiers: []catalog.Tier{{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{"load/app"}}},
	}); err != nil {
		return nil, err
	}
	u, err := b.Accounts.Register(ctx, account.SignUp{Username: "loader", Email: "load@example.com", Password: "load-password"})
	if err != nil {
		return nil, err
	}
	issued, err := b.Licenses.Grant(ctx, licensing.Grant{Owner: u.ID, Product: "load", Tier: "express"})
	if err != nil {
		return nil, err
	}
	_, pat, err := b.Accounts.CreateToken(ctx, u.ID, account.NewToken{Name: "load"})
	if err != nil {
		return nil, err
	}
	service := strings.TrimPrefix(srv.RegistryURL, "http://")
	tok, err := b.Tokens.Issue(ctx, licensing.TokenRequest{Service: service, Username: "loader", Password: "load-password", Offline: true})
	if err != nil {
		return nil, err
	}
	scope := "repository:load/app:pull"
	get := srv.PublicURL + "/token?" + url.Values{"service": {service}, "scope": {scope}}.Encode()
	basic := func(user, pass string) func() *http.Request {
		return func() *http.Request {
			req, _ := http.NewRequest(http.MethodGet, get, nil)
			req.SetBasicAuth(user, pass)
			return req
		}
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "service": {service}, "scope": {scope}}.Encode()
	refresh := func() *http.Request {
		req, _ := http.NewRequest(http.MethodPost, srv.PublicURL+"/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
	return []kind{
		{"license key", basic("ci", issued.Key)},
		{"access token", basic("ci", pat)},
		{"refresh token", refresh},
		{"password", basic("loader", "load-password")},
	}, nil
}

// result is one run's measurements.
type result struct {
	n, failed    int
	firstFailure string
	perSecond    float64
	p50, p99     time.Duration
}

// load sends at most n requests over conns connections for at most limit.
func load(request func() *http.Request, conns, n int, limit time.Duration) result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	var next, failed atomic.Int64
	var firstFailure atomic.Value
	latencies := make([][]time.Duration, conns)
	deadline := time.Now().Add(limit)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) && time.Now().Before(deadline) {
				t0 := time.Now()
				resp, err := client.Do(request())
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err == nil && resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
				if err != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				latencies[w] = append(latencies[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(latencies...)
	slices.Sort(all)
	r := result{n: len(all), failed: int(failed.Load()), perSecond: float64(len(all)) / elapsed.Seconds()}
	if f, ok := firstFailure.Load().(string); ok {
		r.firstFailure = f
	}
	if len(all) > 0 {
		r.p50, r.p99 = all[len(all)/2].Round(10*time.Microsecond), all[len(all)*99/100].Round(10*time.Microsecond)
	}
	return r
}

// wrkCommand prints the wrk command line that sends req (a GET with basic
// credentials) over 8 connections: the load the README's table is measured
// with.
func wrkCommand(req *http.Request) string {
	return fmt.Sprintf("wrk -t2 -c8 -d15s --latency -H 'Authorization: %s' '%s'", req.Header.Get("Authorization"), req.URL)
}
