// Package bench measures Berth through its real interfaces on loopback:
// token issuance throughput and cold start. See bench/README.md.
package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/server"
)

// running starts Berth on free loopback ports in a fresh data dir, with one
// product whose free tier covers bench/app, and waits until it is ready.
func running(b *testing.B, configure ...func(*server.Config)) (*server.Server, func()) {
	b.Helper()
	cfg := server.Defaults()
	cfg.Addr, cfg.RegistryAddr, cfg.DataDir, cfg.LogLevel = "localhost:0", "localhost:0", b.TempDir(), "error"
	for _, c := range configure {
		c(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	waitReady(b, srv.PublicURL)
	return srv, func() { cancel(); <-done }
}

func waitReady(b *testing.B, url string) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	b.Fatal("berth not ready within 30s")
}

// licensed creates a user holding a license for bench/app and returns the
// user and the license key.
func licensed(b *testing.B, srv *server.Server) (account.User, string) {
	ctx := context.Background()
	_, err := srv.Backend.Stores.Catalog.PutProduct(ctx, catalog.Product{
		Slug: "bench", Name: "Bench", Publisher: "bench", Kind: catalog.KindImage, Repositories: []string{"bench/app"},
		Tiers: []catalog.Tier{{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{"bench/app"}}},
	})
	if err != nil {
		b.Fatal(err)
	}
	u, err := srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "bencher", Email: "bench@example.com", Password: "bench-password"})
	if err != nil {
		b.Fatal(err)
	}
	issued, err := srv.Backend.Licenses.Grant(ctx, licensing.Grant{Owner: u.ID, Product: "bench", Tier: "express"})
	if err != nil {
		b.Fatal(err)
	}
	return u, issued.Key
}

// request builds one token request; each benchmark prepares its own kind.
type request func() *http.Request

// benchmarkToken issues tokens in parallel over loopback HTTP with requests
// prepare builds for the licensed user, and reports tokens per second.
func benchmarkToken(b *testing.B, prepare func(b *testing.B, srv *server.Server, tokenURL string, u account.User, key string) request) {
	srv, stop := running(b)
	defer func() {
		b.StopTimer() // teardown is not what is measured
		stop()
	}()
	u, key := licensed(b, srv)
	tokenURL := srv.PublicURL + "/token?service=" + srv.RegistryURL[len("http://"):] + "&scope=repository:bench/app:pull"
	newRequest := prepare(b, srv, tokenURL, u, key)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(newRequest())
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tokens/s")
}

// basic is a GET /token with basic credentials.
func basic(tokenURL, username, password string) request {
	return func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, tokenURL, nil)
		req.SetBasicAuth(username, password)
		return req
	}
}

// BenchmarkTokenLicenseKey is the path every `docker pull` with a license
// key takes: basic credentials, one scope, a signed ES256 token.
func BenchmarkTokenLicenseKey(b *testing.B) {
	benchmarkToken(b, func(_ *testing.B, _ *server.Server, tokenURL string, _ account.User, key string) request {
		return basic(tokenURL, "ci", key)
	})
}

// BenchmarkTokenAccessToken is the same with a personal access token.
func BenchmarkTokenAccessToken(b *testing.B) {
	benchmarkToken(b, func(b *testing.B, srv *server.Server, tokenURL string, u account.User, _ string) request {
		_, pat, err := srv.Backend.Accounts.CreateToken(context.Background(), u.ID, account.NewToken{Name: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		return basic(tokenURL, "ci", pat)
	})
}

// BenchmarkTokenRefresh is docker's path after `docker login`: the OAuth2
// refresh_token grant, no password hashing.
func BenchmarkTokenRefresh(b *testing.B) {
	benchmarkToken(b, func(b *testing.B, srv *server.Server, tokenURL string, u account.User, _ string) request {
		service := srv.RegistryURL[len("http://"):]
		tok, err := srv.Backend.Tokens.Issue(context.Background(), licensing.TokenRequest{
			Service: service, Username: u.Username, Password: "bench-password", Offline: true})
		if err != nil || tok.RefreshToken == "" {
			b.Fatalf("getting a refresh token: %v", err)
		}
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "service": {service},
			"scope": {"repository:bench/app:pull"}}.Encode()
		return func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, srv.PublicURL+"/token", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return req
		}
	})
}

// BenchmarkTokenPassword is a username and password on every request: the
// argon2id verification dominates.
func BenchmarkTokenPassword(b *testing.B) {
	benchmarkToken(b, func(_ *testing.B, _ *server.Server, tokenURL string, u account.User, _ string) request {
		return basic(tokenURL, u.Username, "bench-password")
	})
}

// BenchmarkColdStart measures an empty data dir to a ready server: keys
// generated, tables created, registry up.
func BenchmarkColdStart(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_, stop := running(b)
		stop()
	}
}
