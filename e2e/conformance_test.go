package e2e

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/account"
	"github.com/berth/berth/registry/plain"
)

// conformanceModule is the OCI distribution-spec conformance suite, pinned
// in e2e/conformance/go.mod (its own module, so that the suite's
// dependencies stay out of Berth's).
const conformanceModule = "github.com/opencontainers/distribution-spec/conformance"

// TestConformance runs the OCI distribution-spec conformance suite (pull,
// push, content discovery with referrers, content management with deletes)
// against Berth, through its own token auth with a read-write personal
// access token, and against plain distribution (anonymous, in process) for
// comparison. Berth must fail none of it, and skip only what the suite
// leaves out by default (cancelling an upload) and a mount that names no
// source repository (a registry may answer it with an ordinary upload,
// and Berth does: it would have to search the repositories the caller may
// read).
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the OCI conformance suite")
	}
	bin := buildConformance(t)

	plain := runConformance(t, bin, suiteTarget{name: "distribution", registry: plainDistribution(t)})

	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	// Berth reads each pushed tag's config and layers to record it in the
	// catalog, while the suite deletes blobs right after pushing: a blob
	// served in full and deleted before distribution's notification
	// listener stats it is logged by the registry, not an error of Berth's.
	in.expectErrors(`error resolving descriptor in ServeBlob listener: unknown blob`)
	ctx := context.Background()
	alice, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "alice", Email: "alice@example.com", Password: "alice-password"})
	must(t, err)
	_, pat, err := in.srv.Backend.Accounts.CreateToken(ctx, alice.ID, account.NewToken{Name: "conformance", Access: account.TokenReadWrite})
	must(t, err)
	berth := runConformance(t, bin, suiteTarget{name: "berth", registry: in.Registry, user: "alice", pass: pat})

	t.Logf("OCI conformance, distribution v3.1.2 (anonymous): %s", plain)
	t.Logf("OCI conformance, Berth (token auth, read-write access token): %s", berth)
	if berth.total() == 0 {
		t.Fatal("the suite ran no test against Berth")
	}
	for _, name := range berth.failed {
		t.Errorf("Berth fails %s", name)
	}
	if len(berth.passed) < len(plain.passed) {
		t.Errorf("Berth passes %d tests, plain distribution %d", len(berth.passed), len(plain.passed))
	}
	for _, name := range berth.skipped {
		if !strings.HasSuffix(name, "/blob-mount-anonymous") && !strings.HasSuffix(name, "/blob-post-cancel") {
			t.Errorf("Berth skips %s", name)
		}
	}
}

// buildConformance compiles the pinned suite with `go test -c` from the
// module cache, without the network: scripts/test downloads it first.
func buildConformance(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "conformance.test")
	cmd := exec.Command("go", "test", "-c", "-o", bin, conformanceModule)
	cmd.Dir = "conformance"
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the conformance suite (download it with `cd e2e/conformance && go mod download`): %v\n%s", err, out)
	}
	return bin
}

// suiteTarget is a registry the suite runs against.
type suiteTarget struct {
	name, registry, user, pass string
}

// suiteCounts are the suite's results by outcome, with the names of the
// tests that failed or errored.
type suiteCounts struct {
	passed, failed, skipped []string
}

func (c suiteCounts) total() int { return len(c.passed) + len(c.failed) + len(c.skipped) }

func (c suiteCounts) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped of %d", len(c.passed), len(c.failed), len(c.skipped), c.total())
}

// runConformance runs the suite in a temporary directory (it writes
// junit.xml, results.yaml and report.html there) and reads its junit.xml.
func runConformance(t *testing.T, bin string, target suiteTarget) suiteCounts {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	repo := "conformance"
	if target.user != "" {
		repo = target.user
	}
	cmd.Env = []string{
		"OCI_REGISTRY=" + target.registry,
		"OCI_TLS=disabled",
		"OCI_REPO1=" + repo + "/repo1",
		"OCI_REPO2=" + repo + "/repo2",
		"OCI_USERNAME=" + target.user,
		"OCI_PASSWORD=" + target.pass,
		"OCI_RESULTS_DIR=" + dir,
		"OCI_LOG=error",
		"HOME=" + dir,
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running the conformance suite against %s: %v", target.name, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatalf("the conformance suite against %s wrote no junit.xml: %v\n%s", target.name, err, out.String())
	}
	counts, err := parseJunit(raw)
	if err != nil {
		t.Fatalf("reading the suite's junit.xml for %s: %v", target.name, err)
	}
	if len(counts.failed) > 0 {
		t.Logf("conformance suite against %s:\n%s", target.name, out.String())
	}
	return counts
}

// parseJunit counts the test cases of a junit.xml by status.
func parseJunit(raw []byte) (suiteCounts, error) {
	var doc struct {
		Suites []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Status  string    `xml:"status,attr"`
				Failure *struct{} `xml:"failure"`
				Error   *struct{} `xml:"error"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return suiteCounts{}, err
	}
	var c suiteCounts
	for _, s := range doc.Suites {
		for _, tc := range s.Cases {
			switch {
			case tc.Status == "passed":
				c.passed = append(c.passed, tc.Name)
			case tc.Status == "skipped" || tc.Skipped != nil:
				c.skipped = append(c.skipped, tc.Name)
			default:
				c.failed = append(c.failed, tc.Name+" ("+tc.Status+")")
			}
		}
	}
	return c, nil
}

// plainDistribution serves a stock distribution registry, anonymous, with
// deletes enabled, on a loopback port, and returns its host:port.
func plainDistribution(t *testing.T) string {
	t.Helper()
	host, stop, err := plain.Serve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return host
}
