package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/licensing/sqlitestore"
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
