package webhooks_test

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/jobs"
	"github.com/berth/berth/webhooks"
)

// TestFailedDeliveriesShowOnlyAGenericReason: whatever went wrong, the
// stored delivery (what the portal and the API show the publisher) says
// it in a fixed phrase, never with the resolver's, dialer's or TLS
// library's text; the log keeps the detail for operators, below ERROR and
// without the URL's token.
func TestFailedDeliveriesShowOnlyAGenericReason(t *testing.T) {
	badGateway := newCounter(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	release := make(chan struct{})
	slow := newCounter(t, func(http.ResponseWriter, *http.Request) { <-release })
	t.Cleanup(func() { close(release) }) // runs before slow closes: cleanups run last first
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := netip.MustParseAddrPort(closed.Addr().String()).Port()
	closed.Close()

	for _, tc := range []struct {
		name, url, reason string
		status            int
		detail            string        // in the log only
		timeout           time.Duration // short only where the endpoint never answers
	}{
		{"5xx", fmt.Sprintf("http://127.0.0.1:%d/hook", badGateway.port()), "the endpoint answered HTTP 502", 502, "", 0},
		{"unknown name", "https://internal.corp.example/hook", "could not connect to the endpoint", 0, "10.9.8.7:53", 0},
		{"closed port", fmt.Sprintf("http://127.0.0.1:%d/hook", closedPort), "could not connect to the endpoint", 0, "connection refused", 0},
		{"not TLS", fmt.Sprintf("https://127.0.0.1:%d/hook", badGateway.port()), "could not connect to the endpoint", 0, "HTTP response to HTTPS client", 0},
		{"timeout", fmt.Sprintf("http://127.0.0.1:%d/hook", slow.port()), "timed out", 0, "Client.Timeout exceeded", 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, webhooks.Config{AllowPrivate: true, Timeout: tc.timeout}, nil)
			del, _ := h.deliverOnce(t, tc.url+"?token=sekrit")
			if del.LastError != tc.reason || del.LastStatus != tc.status || del.Status != webhooks.DeliveryPending {
				t.Errorf("delivery %s, last %d %q; want pending, %d %q", del.Status, del.LastStatus, del.LastError, tc.status, tc.reason)
			}
			logs := h.logs.String()
			if !strings.Contains(logs, "level=DEBUG") || !strings.Contains(logs, tc.detail) ||
				strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "sekrit") {
				t.Errorf("want a DEBUG line with %q and without the URL's token:\n%s", tc.detail, logs)
			}
		})
	}
}

// TestGivingUpIsLoggedAtInfo: the last attempt marks the delivery failed
// and tells operators at Info.
func TestGivingUpIsLoggedAtInfo(t *testing.T) {
	h := newHarnessWith(t, webhooks.Config{}, jobs.Config{MaxAttempts: 1}, nil)
	del, _ := h.deliverOnce(t, "https://gone.example.test/hook")
	if del.Status != webhooks.DeliveryFailed || del.LastError != "could not connect to the endpoint" {
		t.Errorf("delivery %s %q, want failed, could not connect", del.Status, del.LastError)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "level=INFO") || !strings.Contains(logs, "gave_up=true") {
		t.Errorf("want an INFO line saying Berth gave up:\n%s", logs)
	}
}

// TestRedirectsAreNotFollowed: a 3xx is the endpoint's answer, recorded as
// a failure; the place it points to gets nothing.
func TestRedirectsAreNotFollowed(t *testing.T) {
	target := newCounter(t, func(http.ResponseWriter, *http.Request) {})
	redirector := newCounter(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusTemporaryRedirect)
	})
	h := newHarness(t, webhooks.Config{AllowPrivate: true}, nil)
	del, _ := h.deliverOnce(t, redirector.URL+"/hook")
	if del.LastError != "the endpoint answered HTTP 307" || del.LastStatus != 307 || redirector.count() != 1 || target.count() != 0 {
		t.Errorf("delivery %d %q, redirector %d, target %d; want 307 recorded, the target untouched",
			del.LastStatus, del.LastError, redirector.count(), target.count())
	}
}

// TestNoProxyFromEnvironment: HTTP_PROXY and HTTPS_PROXY do not reroute
// deliveries (a proxy would resolve and connect out of the dial check's
// sight). net/http reads the proxy variables once per process, so the
// delivery runs in a child process started with them set; the proxy and
// the receiver run here. The endpoint is a name, as ProxyFromEnvironment
// never proxies loopback literals.
func TestNoProxyFromEnvironment(t *testing.T) {
	if port := os.Getenv("BERTH_WEBHOOKS_TEST_RECEIVER_PORT"); port != "" {
		h := newHarness(t, webhooks.Config{AllowPrivate: true},
			map[string][]netip.Addr{"hooks.example.test": addrs("127.0.0.1")})
		del, _ := h.deliverOnce(t, "http://hooks.example.test:"+port+"/hook")
		t.Logf("delivery %s %d %q", del.Status, del.LastStatus, del.LastError)
		return
	}
	proxy := newCounter(t, func(http.ResponseWriter, *http.Request) {})
	receiver := newCounter(t, func(http.ResponseWriter, *http.Request) {})
	child := exec.Command(os.Args[0], "-test.run=^TestNoProxyFromEnvironment$", "-test.count=1", "-test.v")
	child.Env = append(os.Environ(), "BERTH_WEBHOOKS_TEST_RECEIVER_PORT="+strconv.Itoa(int(receiver.port())),
		"HTTP_PROXY="+proxy.URL, "HTTPS_PROXY="+proxy.URL, "http_proxy="+proxy.URL, "https_proxy="+proxy.URL,
		"NO_PROXY=", "no_proxy=")
	out, err := child.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestNoProxyFromEnvironment") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if receiver.count() != 1 || proxy.count() != 0 {
		t.Errorf("receiver %d, proxy %d; want the delivery straight to the receiver\n%s", receiver.count(), proxy.count(), out)
	}
}
