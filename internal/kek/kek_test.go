package kek_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/kek"
)

func generate(t *testing.T) *kek.Key {
	t.Helper()
	k, err := kek.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	old, cur, other := generate(t), generate(t), generate(t)
	secret := []byte("a private key, PKCS#8")
	aad := []byte("root")
	sealedOld, err := kek.NewRing(old).Seal(secret, aad)
	if err != nil {
		t.Fatal(err)
	}
	ring := kek.NewRing(cur, old)
	sealed, err := ring.Seal(secret, aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed value holds the plaintext")
	}
	if id, ok := kek.SealedBy(sealed); !ok || id != cur.ID() || id == old.ID() {
		t.Errorf("SealedBy = %q, %v; want the current KEK %s", id, ok, cur.ID())
	}
	for _, tc := range []struct {
		name   string
		ring   *kek.Ring
		stored []byte
		aad    []byte
		stale  bool
		err    error
	}{
		{"current KEK", ring, sealed, aad, false, nil},
		{"previous KEK", ring, sealedOld, aad, true, nil},
		{"in the clear", ring, secret, aad, true, nil},
		{"another record", ring, sealed, []byte("signing"), false, kek.ErrTampered},
		{"altered", ring, flipLast(sealed), aad, false, kek.ErrTampered},
		{"another KEK's value under this id", kek.NewRing(old), withID(sealed, sealedOld), aad, false, kek.ErrTampered},
		{"unknown KEK", kek.NewRing(other), sealed, aad, false, kek.ErrUnknownKEK},
		{"previous KEK dropped", kek.NewRing(cur), sealedOld, aad, false, kek.ErrUnknownKEK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, stale, err := tc.ring.Open(tc.stored, tc.aad)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Open: %v; want %v", err, tc.err)
			}
			if err == nil && (!bytes.Equal(got, secret) || stale != tc.stale) {
				t.Errorf("Open = %q, stale %v; want %q, stale %v", got, stale, secret, tc.stale)
			}
		})
	}
}

func flipLast(b []byte) []byte {
	c := bytes.Clone(b)
	c[len(c)-1] ^= 1
	return c
}

// withID returns sealed naming the KEK that from names.
func withID(sealed, from []byte) []byte {
	c := bytes.Clone(sealed)
	copy(c[5:13], from[5:13])
	return c
}

func TestParse(t *testing.T) {
	k := generate(t)
	again, err := kek.Parse("  " + k.Encode())
	if err != nil || again.ID() != k.ID() {
		t.Fatalf("Parse(Encode()) = %v, %v; want the same KEK", again, err)
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := kek.Parse(bad); err == nil || !strings.Contains(err.Error(), "openssl rand -base64 32") {
			t.Errorf("Parse(%q) = %v; want an error saying how to make one", bad, err)
		}
	}
}

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new dir", "berth.kek")
	k := generate(t)
	if err := kek.WriteFile(path, k); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]fs.FileMode{path: 0o600, filepath.Dir(path): 0o700 | fs.ModeDir} {
		if fi, err := os.Stat(name); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v (%v); want %v", name, fi.Mode(), err, want)
		}
	}
	back, err := kek.ReadFile(path)
	if err != nil || back.ID() != k.ID() {
		t.Errorf("ReadFile = %v, %v; want the KEK written", back, err)
	}
	if err := kek.WriteFile(path, generate(t)); !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteFile over an existing file: %v; want ErrExist", err)
	}
	if back, _ := kek.ReadFile(path); back == nil || back.ID() != k.ID() {
		t.Error("WriteFile replaced an existing KEK file")
	}
	if _, err := kek.ReadFile(path + ".missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of no file: %v; want ErrNotExist", err)
	}
}
