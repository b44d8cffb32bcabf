package main

import (
	"bytes"
	"context"
	"errors"
	"github.com/berth/berth/licensing/storetest"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/server"
)

// signed opens the backend with env's settings and returns a token it
// signs and its root certificate.
func signed(t *testing.T, env map[string]string) (token string, rootPEM []byte) {
	t.Helper()
	cfg := server.Defaults()
	cfg.DataDir, cfg.KEK, cfg.KEKFile = env["BERTH_DATA_DIR"], env["BERTH_KEK"], env["BERTH_KEK_FILE"]
	b, err := server.OpenBackend(context.Background(), cfg, "registry", "", "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("opening the backend: %v", err)
	}
	defer b.Close(context.Background())
	tok, err := b.Tokens.Sign("alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token, b.Keys.RootPEM()
}

// TestRotateKEK: `berth keys rotate-kek` seals every key with a new KEK in
// the KEK file; afterwards the old KEK opens nothing, the new one opens
// the same keys, and tokens signed before and after verify against the
// same root.
func TestRotateKEK(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"BERTH_DATA_DIR": dir}
	before, root := signed(t, env)
	kekFile := filepath.Join(dir, "berth.kek")
	oldFile := filepath.Join(t.TempDir(), "old.kek")
	if err := kek.WriteFile(oldFile, readKEK(t, kekFile)); err != nil {
		t.Fatal(err)
	}
	out, err := cliEnv(t, env, "keys", "rotate-kek")
	if err != nil || !strings.Contains(out, "sealed 3 private keys") || !strings.Contains(out, "other instances") {
		t.Fatalf("rotate-kek: %v\n%s", err, out)
	}
	newKEK := readKEK(t, kekFile)
	if newKEK.ID() == readKEK(t, oldFile).ID() || !strings.Contains(out, newKEK.ID()) {
		t.Fatalf("the KEK file holds %s after rotate-kek said:\n%s", newKEK.ID(), out)
	}
	if _, err := os.Stat(kekFile + ".old"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("berth.kek.old after a finished rotation: %v", err)
	}
	if fi, err := os.Stat(kekFile); err != nil || fi.Mode() != 0o600 {
		t.Errorf("berth.kek after rotating: %v (%v); want -rw-------", fi.Mode(), err)
	}
	if _, err := cliEnv(t, map[string]string{"BERTH_DATA_DIR": dir, "BERTH_KEK_FILE": oldFile}, "keys", "list"); err == nil ||
		!strings.Contains(err.Error(), "BERTH_KEK_FILE") {
		t.Errorf("keys list with the old KEK: %v; want a refusal naming BERTH_KEK_FILE", err)
	}
	after, rootAfter := signed(t, env)
	if !bytes.Equal(root, rootAfter) {
		t.Error("the root certificate changed")
	}
	storetest.VerifyToken(t, before, rootAfter)
	storetest.VerifyToken(t, after, root)
	for _, k := range storedKeys(t, dir) {
		if id, _ := kek.SealedBy(k.PrivateDER); id != newKEK.ID() {
			t.Errorf("%s key %s is sealed by %q after rotating; want %s", k.Kind, k.ID, id, newKEK.ID())
		}
	}
}

// TestRotateKEKFinishes: a rotation cut short (the new KEK in the file, the
// previous one in berth.kek.old, the keys still sealed with it) is finished
// by the next start, and the next rotate-kek removes berth.kek.old.
func TestRotateKEKFinishes(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"BERTH_DATA_DIR": dir}
	before, root := signed(t, env)
	kekFile := filepath.Join(dir, "berth.kek")
	mustRename(t, kekFile, kekFile+".old")
	next, err := kek.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := kek.WriteFile(kekFile, next); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, dir, "", "keys", "list")
	for _, k := range storedKeys(t, dir) {
		if id, _ := kek.SealedBy(k.PrivateDER); id != next.ID() {
			t.Errorf("%s key %s is sealed by %q after a start with both KEKs; want the file's %s", k.Kind, k.ID, id, next.ID())
		}
	}
	mustCLI(t, dir, "", "keys", "rotate-kek")
	if _, err := os.Stat(kekFile + ".old"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("berth.kek.old after rotate-kek: %v", err)
	}
	_, rootAfter := signed(t, env)
	if !bytes.Equal(root, rootAfter) {
		t.Error("the root certificate changed")
	}
	storetest.VerifyToken(t, before, rootAfter)
}

// TestRotateKEKFromEnv: with BERTH_KEK, rotate-kek writes the new KEK to
// --out, which it requires, and the old BERTH_KEK stops opening the keys.
func TestRotateKEKFromEnv(t *testing.T) {
	dir := t.TempDir()
	first, err := kek.Generate()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BERTH_DATA_DIR": dir, "BERTH_KEK": first.Encode()}
	before, root := signed(t, env)
	if _, err := os.Stat(filepath.Join(dir, "berth.kek")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a KEK file was written although BERTH_KEK is set: %v", err)
	}
	if _, err := cliEnv(t, env, "keys", "rotate-kek"); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Errorf("rotate-kek with BERTH_KEK and no --out: %v; want a refusal naming --out", err)
	}
	out := filepath.Join(t.TempDir(), "new.kek")
	if said, err := cliEnv(t, env, "keys", "rotate-kek", "--out", out); err != nil || !strings.Contains(said, "set BERTH_KEK") {
		t.Fatalf("rotate-kek --out: %v\n%s", err, said)
	}
	if _, err := cliEnv(t, env, "keys", "list"); err == nil || !strings.Contains(err.Error(), "BERTH_KEK:") {
		t.Errorf("keys list with the old BERTH_KEK: %v; want a refusal naming BERTH_KEK", err)
	}
	env["BERTH_KEK"] = readKEK(t, out).Encode()
	after, rootAfter := signed(t, env)
	if !bytes.Equal(root, rootAfter) {
		t.Error("the root certificate changed")
	}
	storetest.VerifyToken(t, before, rootAfter)
	storetest.VerifyToken(t, after, root)
}
