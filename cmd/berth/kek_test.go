package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/licensing/sqlitestore"
	"github.com/berth/berth/server"
)

// cliEnv runs the berth command line in-process with env as its variables.
func cliEnv(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut strings.Builder
	err := run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return out.String(), err
}

// storedKeys reads the token keys straight from the SQLite file in dir.
func storedKeys(t *testing.T, dir string) []licensing.Key {
	t.Helper()
	db, err := sqldb.Open(filepath.Join(dir, "berth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := sqlitestore.New(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.Keys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// dbBytes returns the database file, its write-ahead log and its index.
func dbBytes(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(filepath.Join(dir, "berth.db"+suffix))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestKeysAtRest runs Berth on a new data directory and reads its files:
// every Berth file is its owner's only, and no private key is in the
// database's bytes, in PEM, PKCS#8 or as its bare private scalar.
func TestKeysAtRest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	serveInProcess(t, dir)
	for name, want := range map[string]fs.FileMode{
		"": fs.ModeDir | 0o700, "berth.db": 0o600, "berth.db-wal": 0o600, "berth.db-shm": 0o600, "berth.kek": 0o600,
		"keys": fs.ModeDir | 0o700, "keys/root-certs.pem": 0o600,
	} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode() != want {
			t.Errorf("%s/%s: %v (%v); want %v", filepath.Base(dir), name, fi.Mode(), err, want)
		}
	}
	ring := kek.NewRing(readKEK(t, filepath.Join(dir, "berth.kek")))
	raw := dbBytes(t, dir)
	if bytes.Contains(raw, []byte("PRIVATE KEY")) {
		t.Error(`the database holds "PRIVATE KEY" text`)
	}
	keys := storedKeys(t, dir)
	if len(keys) < 3 {
		t.Fatalf("%d keys stored; want the root, a signing key and the cosign key", len(keys))
	}
	for _, k := range keys {
		der, _, err := ring.Open(k.PrivateDER, []byte("berth token key\x00"+string(k.Kind)+"\x00"+k.ID))
		if err != nil {
			t.Fatalf("opening %s with the KEK file: %v", k.ID, err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatal(err)
		}
		scalar := priv.(*ecdsa.PrivateKey).D.FillBytes(make([]byte, 32))
		if !bytes.Contains(raw, k.CertDER) {
			t.Fatalf("the certificate of %s is not in the database's bytes: the scan reads the wrong files", k.ID)
		}
		if bytes.Contains(raw, der) || bytes.Contains(raw, scalar) {
			t.Errorf("the database's bytes hold the %s key %s in the clear", k.Kind, k.ID)
		}
	}
}

// readKEK reads a KEK file.
func readKEK(t *testing.T, path string) *kek.Key {
	t.Helper()
	k, err := kek.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestWrongKEKStops: a data directory's keys do not open with another KEK
// (given by BERTH_KEK or BERTH_KEK_FILE) or with none; each stops with a
// message naming the setting, and no key is created or changed.
func TestWrongKEKStops(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, dir, "", "keys", "list")
	before := storedKeys(t, dir)
	other, err := kek.Generate()
	if err != nil {
		t.Fatal(err)
	}
	otherFile := filepath.Join(t.TempDir(), "other.kek")
	if err := kek.WriteFile(otherFile, other); err != nil {
		t.Fatal(err)
	}
	kekFile := filepath.Join(dir, "berth.kek")
	away := filepath.Join(t.TempDir(), "saved.kek")
	for _, tc := range []struct {
		name  string
		env   map[string]string
		setup func()
		want  []string
	}{
		{"BERTH_KEK", map[string]string{"BERTH_KEK": other.Encode()}, nil, []string{"BERTH_KEK:", other.ID()}},
		{"BERTH_KEK_FILE", map[string]string{"BERTH_KEK_FILE": otherFile}, nil, []string{"BERTH_KEK_FILE (" + otherFile + ")", other.ID()}},
		{"KEK file missing", nil, func() { mustRename(t, kekFile, away) }, []string{"BERTH_KEK_FILE", kekFile + " does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			env := map[string]string{"BERTH_DATA_DIR": dir}
			for k, v := range tc.env {
				env[k] = v
			}
			_, err := cliEnv(t, env, "keys", "list")
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("keys list: %v; want an error naming %q", err, want)
				}
			}
			if diff := bytes.Compare(keyBytes(before), keyBytes(storedKeys(t, dir))); diff != 0 {
				t.Error("the stored keys changed")
			}
		})
	}
	if _, err := os.Stat(kekFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a new KEK file was made over a database sealed with another: %v", err)
	}
}

func mustRename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

// keyBytes is every stored byte of keys, to compare two listings.
func keyBytes(keys []licensing.Key) []byte {
	var b []byte
	for _, k := range keys {
		b = append(append(append(b, k.ID...), k.PrivateDER...), k.CertDER...)
	}
	return b
}

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

// verifyToken checks raw as a registry does: its x5c leaf chains to the
// root in rootPEM and signs it.
func verifyToken(t *testing.T, raw string, rootPEM []byte) {
	t.Helper()
	block, _ := pem.Decode(rootPEM)
	if block == nil {
		t.Fatal("no root certificate")
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	_, err = jwt.Parse(raw, func(tok *jwt.Token) (any, error) {
		x5c, _ := tok.Header["x5c"].([]any)
		if len(x5c) == 0 {
			return nil, errors.New("no x5c")
		}
		s, _ := x5c[0].(string)
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, err
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		return leaf.PublicKey, err
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience("registry"))
	if err != nil {
		t.Errorf("token does not verify against the root: %v", err)
	}
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
	verifyToken(t, before, rootAfter)
	verifyToken(t, after, root)
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
	verifyToken(t, before, rootAfter)
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
	verifyToken(t, before, rootAfter)
	verifyToken(t, after, root)
}

// TestDataDirTightened: a data directory an older install left open to
// others is its owner's only after the next start.
func TestDataDirTightened(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, dir, "", "keys", "list")
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir: %v (%v); want drwx------", fi.Mode(), err)
	}
}
