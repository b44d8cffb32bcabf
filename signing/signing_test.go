package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	testRef    = "localhost:5000/acme/db"
	testDigest = "sha256:0b2c5e6f2b4b7e1d9c8a3f4e5d6c7b8a9f0e1d2c3b4a5968778695a4b3c2d1e0"
	otherDig   = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
)

func newECDSA(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newEd25519(t *testing.T) crypto.Signer {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPayloadIsCosignSimpleSigning(t *testing.T) {
	want := `{"critical":{"identity":{"docker-reference":"localhost:5000/acme/db"},` +
		`"image":{"docker-manifest-digest":"` + testDigest + `"},` +
		`"type":"cosign container image signature"},"optional":null}`
	if got := string(Payload(testRef, testDigest)); got != want {
		t.Errorf("Payload() =\n%s\nwant\n%s", got, want)
	}
	// The openssl-signed fixture was written from the same literal.
	if got := string(readTestdata(t, "payload.json")); got != want {
		t.Errorf("testdata/payload.json drifted from the cosign payload")
	}
}

func TestSignatureTag(t *testing.T) {
	tests := []struct {
		digest, want string
		wantErr      bool
	}{
		{digest: testDigest, want: "sha256-" + strings.TrimPrefix(testDigest, "sha256:") + ".sig"},
		{digest: "sha256:abc", wantErr: true},
		{digest: "latest", wantErr: true},
		{digest: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := SignatureTag(tt.digest)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("SignatureTag(%q) = %q, %v; want %q, error %v", tt.digest, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSignVerify(t *testing.T) {
	tests := []struct {
		name   string
		signer crypto.Signer
	}{
		{"ecdsa p-256", newECDSA(t)},
		{"ed25519", newEd25519(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := Payload(testRef, testDigest)
			sig, err := Sign(tt.signer, payload)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if err := Verify(tt.signer.Public(), payload, sig); err != nil {
				t.Fatalf("Verify of a fresh signature: %v", err)
			}

			tampered := Payload(testRef, otherDig)
			if err := Verify(tt.signer.Public(), tampered, sig); err == nil {
				t.Error("Verify accepted a tampered payload")
			}
			badSig := append([]byte(nil), sig...)
			badSig[len(badSig)-1] ^= 1
			if err := Verify(tt.signer.Public(), payload, badSig); err == nil {
				t.Error("Verify accepted a tampered signature")
			}
			other := newECDSA(t)
			if err := Verify(other.Public(), payload, sig); err == nil {
				t.Error("Verify accepted a signature under another key")
			}
		})
	}
}

// TestVerifyOpenSSLSignatures checks Verify against signatures made by an
// independent implementation, the way cosign makes them:
//
//	openssl dgst -sha256 -sign ecdsa-pkcs8.key payload.json
//	openssl pkeyutl -sign -rawin -inkey ed25519.key -in payload.json
func TestVerifyOpenSSLSignatures(t *testing.T) {
	payload := readTestdata(t, "payload.json")
	for _, key := range []string{"ecdsa-pkcs8", "ed25519"} {
		pub, err := ParsePublicKey(readTestdata(t, key+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		sig, err := base64.StdEncoding.DecodeString(string(readTestdata(t, "payload."+key+".sig")))
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(pub, payload, sig); err != nil {
			t.Errorf("%s: Verify of an openssl signature: %v", key, err)
		}
	}
}

func TestSignRejectsUnsupportedKey(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(k, []byte("x")); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("Sign with P-384 = %v, want ErrUnsupportedKey", err)
	}
	if err := Verify(&k.PublicKey, []byte("x"), []byte("y")); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("Verify with P-384 = %v, want ErrUnsupportedKey", err)
	}
}
