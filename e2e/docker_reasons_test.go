package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// docker runs the docker CLI with its own configuration directory (so that
// logins stay within the test), stdin as its input, and returns what it
// printed.
func docker(t *testing.T, configDir, stdin string, args ...string) (string, error) {
	t.Helper()
	return dockerWithin(t, 2*time.Minute, configDir, stdin, args...)
}

// dockerWithin is docker, killed after limit.
func dockerWithin(t *testing.T, limit time.Duration, configDir, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", append([]string{"--config", configDir}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// needDocker skips the test when no Docker Engine answers here.
func needDocker(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker CLI")
	}
	if out, err := docker(t, t.TempDir(), "", "version", "--format", "{{.Server.Version}}"); err != nil {
		t.Skipf("no Docker Engine: %v %s", err, out)
	}
}

// TestDockerPullNamesTheReason pulls with the Docker Engine, logged in
// with a license key and with a password, where a license no longer lets
// the pull through: what docker prints names the reason the user must act
// on and where, not a generic authentication failure.
func TestDockerPullNamesTheReason(t *testing.T) {
	needDocker(t)
	w := newEntitlementWorld(t)
	ctx := context.Background()
	dora := w.user(t, "dora")
	var out struct{ License licenseJSON }
	if status := w.in.call("POST", "/api/v1/products/vendor-app/checkout", "dora", "dora-password", map[string]any{"tier": "lts2", "accept_terms": true}, &out); status != 201 {
		t.Fatalf("taking lts2: %d", status)
	}
	keyLogin, userLogin := t.TempDir(), t.TempDir()
	for dir, creds := range map[string][2]string{keyLogin: {"anything", out.License.Key}, userLogin: {"dora", "dora-password"}} {
		if got, err := docker(t, dir, creds[1], "login", w.in.Registry, "-u", creds[0], "--password-stdin"); err != nil {
			t.Fatalf("docker login as %s: %v\n%s", creds[0], err, got)
		}
	}
	pull := func(dir, tag string) string {
		t.Helper()
		got, err := docker(t, dir, "", "pull", w.in.Registry+"/"+entRepo+":"+tag)
		if err == nil {
			t.Fatalf("docker pull %s succeeded:\n%s", tag, got)
		}
		t.Logf("docker pull %s printed: %s", tag, strings.TrimSpace(got))
		return got
	}
	licensePage := "/licenses/" + out.License.ID

	// A tag outside the tier's range.
	for _, dir := range []string{keyLogin, userLogin} {
		if got := pull(dir, "3.0.0"); !strings.Contains(got, "3.0.0") || !strings.Contains(got, ">=2.0.0 <3.0.0") {
			t.Errorf("pulling a tag outside the license's versions printed %q; want the tag and the range", got)
		}
	}

	// New terms published since the holder accepted.
	setTerms(t, w, 1)
	got := pull(keyLogin, "2.0.0")
	if !strings.Contains(got, "new license terms") || !strings.Contains(got, licensePage) {
		t.Errorf("pulling under terms not accepted printed %q; want the terms and where to accept them", got)
	}

	// A pull quota used up.
	metered := t.TempDir()
	quota := w.grant(t, dora.ID, "quota", time.Time{})
	if got, err := docker(t, metered, quota.Key, "login", w.in.Registry, "-u", "anything", "--password-stdin"); err != nil {
		t.Fatalf("docker login with the metered license: %v\n%s", err, got)
	}
	// Two pulls of images the Engine lacks use up the quota; a pull of an
	// image it has is a HEAD, which is no pull.
	for _, tag := range []string{"2.0.0", "2.1.0"} {
		image := w.in.Registry + "/" + entRepo + ":" + tag
		t.Cleanup(func() { _, _ = docker(t, metered, "", "rmi", "--force", image) })
		if got, err := docker(t, metered, "", "pull", image); err != nil {
			t.Fatalf("pull of %s within the quota: %v\n%s", tag, err, got)
		}
		if got, err := docker(t, metered, "", "rmi", "--force", image); err != nil {
			t.Fatalf("removing %s: %v\n%s", tag, err, got)
		}
	}
	if got := pull(metered, "2.0.0"); !strings.Contains(got, "quota") || !strings.Contains(got, "used up") {
		t.Errorf("pulling past the quota printed %q; want the quota named", got)
	}

	// A revoked license.
	_, err := w.in.srv.Backend.Licenses.Revoke(ctx, out.License.ID)
	must(t, err)
	for dir, who := range map[string]string{keyLogin: "the license key", userLogin: "a password"} {
		if got := pull(dir, "2.0.0"); !strings.Contains(got, "revoked") {
			t.Errorf("pulling with %s after the license was revoked printed %q; want it to say revoked", who, got)
		}
	}
}

// setTerms publishes version of the lts2 tier's terms, and waits out the
// token server's cache of terms versions.
func setTerms(t *testing.T, w *entitlementWorld, version int) {
	t.Helper()
	store := w.in.srv.Backend.Stores.Catalog
	p, err := store.ProductBySlug(context.Background(), "vendor-app")
	must(t, err)
	for i := range p.Tiers {
		if p.Tiers[i].ID == "lts2" {
			p.Tiers[i].Terms, p.Tiers[i].TermsVersion = "The terms, version "+string(rune('0'+version))+".", version
		}
	}
	_, err = store.PutProduct(context.Background(), p)
	must(t, err)
	time.Sleep(3 * time.Second) // termsFresh is 2 s
}
