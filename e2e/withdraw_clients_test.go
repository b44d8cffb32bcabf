package e2e

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// TestClientsTellWithdrawal pulls a withdrawn tag with the real clients a
// buyer uses, logged in with a license key: skopeo and the Docker Engine
// print the publisher's reason, not only "manifest unknown".
func TestClientsTellWithdrawal(t *testing.T) {
	w := newPublisherWorld(t)
	digest := w.pushStaging(t, "4.0", builtImage(t, nil, "4.0", "echo clients"))
	w.sign(t, digest, w.key)
	if status, reason := w.upload(t, "4.0"); status != "promoted" {
		t.Fatalf("upload: %s (%s)", status, reason)
	}
	const reason = "ships a debug build by mistake; use 4.0.1"
	if status := w.in.call("POST", "/api/v1/publishers/ottosoft/images/otto/app/tags/4.0/withdraw", "ottmar", "ottmar-password",
		map[string]any{"reason": reason}, nil); status != http.StatusCreated {
		t.Fatalf("withdrawing: %d", status)
	}
	image := w.in.Registry + "/otto/app:4.0"
	said := func(client, got string, err error) {
		t.Helper()
		t.Logf("%s printed: %s", client, strings.TrimSpace(got))
		if err == nil || !strings.Contains(got, "manifest unknown") || !strings.Contains(got, "withdrawn by its publisher") || !strings.Contains(got, reason) {
			t.Errorf("%s on the withdrawn tag: %v, %q; want it to fail saying it was withdrawn and why", client, err, got)
		}
	}
	out, err := exec.Command("skopeo", "inspect", "--tls-verify=false", "--creds", "bob:"+w.buyerKey, "docker://"+image).CombinedOutput()
	said("skopeo inspect", string(out), err)

	needDocker(t)
	dir := t.TempDir()
	if got, err := docker(t, dir, w.buyerKey, "login", w.in.Registry, "-u", "bob", "--password-stdin"); err != nil {
		t.Fatalf("docker login: %v\n%s", err, got)
	}
	got, err := docker(t, dir, "", "pull", image)
	said("docker pull", got, err)
}
