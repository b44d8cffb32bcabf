package builds_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/berth/berth/builds"
)

// TestServiceSettings: secrets are sealed at rest; a PUT without
// credentials keeps the stored token; an ssh source gets a deploy key it
// keeps; rotating changes the hook secret; bad input names its fields.
func TestServiceSettings(t *testing.T) {
	w := newSettingsWorld(t)
	ctx := context.Background()
	if _, err := w.svc.Settings(ctx, "acme/app"); !errors.Is(err, builds.ErrNotFound) {
		t.Fatalf("Settings before any = %v, want ErrNotFound", err)
	}
	cfg := builds.Config{Source: builds.Source{URL: "https://git.example.com/acme/app.git", Token: "tok-secret-1"},
		Rules: []builds.Rule{{Type: builds.Branch, Source: "main", Dockerfile: "Dockerfile", Context: ".", Tag: "latest"}}}
	st, err := w.svc.SetConfig(ctx, "acme/app", cfg)
	if err != nil {
		t.Fatal(err)
	}
	hook := st.HookSecret.Reveal()
	if !strings.HasPrefix(hook, "bhk_") {
		t.Fatalf("hook secret %q", hook)
	}
	raw, err := w.store.Settings(ctx, "acme/app")
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"tok-secret-1", hook} {
		if bytes.Contains(raw.Token, []byte(plain)) || bytes.Contains(raw.HookSecret, []byte(plain)) || len(raw.Token) == 0 {
			t.Errorf("%q is stored in the clear", plain)
		}
	}
	cfg.Source.Token = "" // the form never echoes it back
	cfg.Rules[0].Tag = "edge"
	st, err = w.svc.SetConfig(ctx, "acme/app", cfg)
	if err != nil || st.Config.Source.Token.Reveal() != "tok-secret-1" || st.HookSecret.Reveal() != hook || st.Config.Rules[0].Tag != "edge" {
		t.Errorf("after a PUT without the token: %+v, %v; want the token and hook secret kept", st, err)
	}
	rot, err := w.svc.RotateHookSecret(ctx, "acme/app")
	if err != nil || rot.HookSecret.Reveal() == hook {
		t.Errorf("RotateHookSecret = %v; the secret did not change", err)
	}
	cfg.Source = builds.Source{URL: "ssh://git@git.example.com/acme/app.git"}
	st, err = w.svc.SetConfig(ctx, "acme/app", cfg)
	if err != nil || !strings.HasPrefix(st.DeployKeyPublic, "ssh-ed25519 ") || st.Config.Source.Token != "" {
		t.Fatalf("ssh source: %+v, %v; want a deploy key and no token", st, err)
	}
	again, err := w.svc.SetConfig(ctx, "acme/app", cfg)
	if err != nil || again.DeployKeyPublic != st.DeployKeyPublic {
		t.Errorf("the deploy key changed on a second PUT: %q, %q", st.DeployKeyPublic, again.DeployKeyPublic)
	}
	got, err := w.svc.Settings(ctx, "acme/app")
	if err != nil || got.Config.Source.DeployKey == nil || !strings.Contains(got.Config.Source.DeployKey.Private.Reveal(), "OPENSSH PRIVATE KEY") {
		t.Errorf("Settings = %+v, %v; want the deploy key's private half opened", got, err)
	}
	_, err = w.svc.SetConfig(ctx, "acme/app", builds.Config{Source: builds.Source{URL: "ftp://x"}})
	var fe builds.FieldErrors
	if !errors.As(err, &fe) || len(fe) < 2 {
		t.Errorf("SetConfig of a bad config = %v, want field errors for the URL and the rules", err)
	}
}
