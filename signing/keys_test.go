package signing

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

// The testdata keys are throwaway test keys written by openssl 3:
//
//	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256  (ecdsa-pkcs8)
//	openssl ecparam -name prime256v1 -genkey                         (ecdsa-sec1)
//	openssl genpkey -algorithm ed25519                               (ed25519)
//	openssl genpkey -algorithm RSA / EC P-384                        (rsa, p384)
//
// with each .pub from "openssl pkey -pubout".

func TestParseKeys(t *testing.T) {
	tests := []struct {
		name    string
		wantErr string // substring of the error; "" for success
	}{
		{name: "ecdsa-pkcs8"},
		{name: "ecdsa-sec1"},
		{name: "ed25519"},
		{name: "rsa", wantErr: "got RSA"},
		{name: "p384", wantErr: "got ECDSA P-384"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			priv, privErr := ParsePrivateKey(readTestdata(t, tt.name+".key"))
			pub, pubErr := ParsePublicKey(readTestdata(t, tt.name+".pub"))
			if tt.wantErr != "" {
				for _, err := range []error{privErr, pubErr} {
					if !errors.Is(err, ErrUnsupportedKey) || !strings.Contains(err.Error(), tt.wantErr) {
						t.Errorf("error = %v, want ErrUnsupportedKey saying %q", err, tt.wantErr)
					}
				}
				return
			}
			if privErr != nil || pubErr != nil {
				t.Fatalf("ParsePrivateKey: %v, ParsePublicKey: %v", privErr, pubErr)
			}
			if !priv.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
				t.Fatal("public key does not match the private key")
			}
			sig, err := Sign(priv, Payload(testRef, testDigest))
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(pub, Payload(testRef, testDigest), sig); err != nil {
				t.Errorf("Verify with the parsed public key: %v", err)
			}
		})
	}
}

func TestParseKeyErrors(t *testing.T) {
	block := func(typ string) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: []byte("not a key")})
	}
	priv := []struct {
		name, in, wantErr string
	}{
		{"not pem", "hello", "no PEM private key block"},
		{"cosign encrypted", string(block("ENCRYPTED SIGSTORE PRIVATE KEY")), "not supported"},
		{"pkcs8 encrypted", string(block("ENCRYPTED PRIVATE KEY")), "not supported"},
		{"public key", string(readTestdata(t, "ed25519.pub")), `"PUBLIC KEY"`},
		{"corrupt pkcs8", string(block("PRIVATE KEY")), "parsing private key"},
	}
	for _, tt := range priv {
		if _, err := ParsePrivateKey([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParsePrivateKey(%s) = %v, want error saying %q", tt.name, err, tt.wantErr)
		}
	}
	pub := []struct {
		name, in, wantErr string
	}{
		{"not pem", "hello", "no PEM block"},
		{"private key", string(readTestdata(t, "ed25519.key")), `"PRIVATE KEY"`},
		{"corrupt", string(block("PUBLIC KEY")), "parsing public key"},
	}
	for _, tt := range pub {
		if _, err := ParsePublicKey([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParsePublicKey(%s) = %v, want error saying %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestMarshalPublicKeyAndFingerprint(t *testing.T) {
	for _, name := range []string{"ecdsa-pkcs8", "ed25519"} {
		file := readTestdata(t, name+".pub")
		pub, err := ParsePublicKey(file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := MarshalPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(file) {
			t.Errorf("%s: MarshalPublicKey =\n%s\nwant the openssl file\n%s", name, got, file)
		}
		block, _ := pem.Decode(file)
		sum := sha256.Sum256(block.Bytes)
		if fp := Fingerprint(pub); fp != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: Fingerprint = %s, want SHA-256 of the PKIX DER", name, fp)
		}
	}
	rsa, err := pemPublicKeyAnyType(readTestdata(t, "rsa.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MarshalPublicKey(rsa); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("MarshalPublicKey(RSA) = %v, want ErrUnsupportedKey", err)
	}
	if fp := Fingerprint(struct{}{}); fp != "" {
		t.Errorf("Fingerprint of a non-key = %q, want empty", fp)
	}
}

// pemPublicKeyAnyType parses a PKIX public key of any type, bypassing the
// checks under test.
func pemPublicKeyAnyType(b []byte) (any, error) {
	block, _ := pem.Decode(b)
	return x509.ParsePKIXPublicKey(block.Bytes)
}
