package signing

import (
	"crypto"
	"errors"
	"strings"
	"testing"
)

func TestVerifyImage(t *testing.T) {
	trusted, alsoTrusted, stranger := newECDSA(t), newEd25519(t), newECDSA(t)
	keys := []crypto.PublicKey{trusted.Public(), alsoTrusted.Public()}
	sign := func(signer crypto.Signer, payload []byte) Signature {
		sig, err := Sign(signer, payload)
		if err != nil {
			t.Fatal(err)
		}
		return Signature{Payload: payload, Signature: sig}
	}
	good := Payload(testRef, testDigest)
	acceptTestRef := func(ref string) bool { return ref == testRef }

	var (
		valid       = sign(alsoTrusted, good)
		byStranger  = sign(stranger, good)
		otherDigest = sign(trusted, Payload(testRef, otherDig))
		otherRef    = sign(trusted, Payload("evil.example/acme/db", testDigest))
		notPayload  = sign(trusted, []byte(`{"critical":{"type":"something else"}}`))
		forged      = Signature{Payload: Payload(testRef, otherDig), Signature: valid.Signature}
	)
	tests := []struct {
		name      string
		sigs      []Signature
		keys      []crypto.PublicKey
		reference func(string) bool
		wantKey   int
		wantErr   *Failure
		wantMsg   string
	}{
		{name: "valid", sigs: []Signature{valid}, keys: keys, reference: acceptTestRef, wantKey: 1},
		{name: "nil reference accepts any", sigs: []Signature{otherRef}, keys: keys, wantKey: 0},
		{name: "one valid among failures", sigs: []Signature{byStranger, otherDigest, otherRef, valid}, keys: keys, reference: acceptTestRef, wantKey: 1},
		{name: "unsigned", keys: keys, wantErr: ErrUnsigned, wantMsg: "unsigned: no signatures for " + testDigest},
		{name: "unknown key", sigs: []Signature{byStranger}, keys: keys, wantErr: ErrUnknownKey, wantMsg: "none of 2 keys verifies any of the 1 signatures"},
		{name: "no keys", sigs: []Signature{valid}, wantErr: ErrUnknownKey, wantMsg: "none of 0 keys"},
		{name: "digest mismatch", sigs: []Signature{otherDigest}, keys: keys, wantErr: ErrDigestMismatch, wantMsg: "signs " + otherDig + ", not " + testDigest},
		{name: "not a payload", sigs: []Signature{notPayload}, keys: keys, wantErr: ErrDigestMismatch, wantMsg: "payload type"},
		{name: "reference mismatch", sigs: []Signature{otherRef}, keys: keys, reference: acceptTestRef, wantErr: ErrReferenceMismatch, wantMsg: `names "evil.example/acme/db"`},
		{name: "forged payload is an unknown key", sigs: []Signature{forged}, keys: keys, wantErr: ErrUnknownKey},
		{name: "digest mismatch beats unknown key", sigs: []Signature{byStranger, otherDigest, byStranger}, keys: keys, wantErr: ErrDigestMismatch},
		{name: "reference mismatch beats digest mismatch", sigs: []Signature{otherDigest, otherRef, otherDigest}, keys: keys, reference: acceptTestRef, wantErr: ErrReferenceMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := VerifyImage(tt.sigs, testDigest, tt.reference, tt.keys)
			if tt.wantErr == nil {
				if err != nil || k != tt.wantKey {
					t.Fatalf("VerifyImage = %d, %v; want key %d", k, err, tt.wantKey)
				}
				return
			}
			if k != -1 || !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifyImage = %d, %v; want -1, %v", k, err, tt.wantErr)
			}
			var f *Failure
			if !errors.As(err, &f) || f.Reason != tt.wantErr.Reason {
				t.Errorf("errors.As Failure = %v, want reason %q", f, tt.wantErr.Reason)
			}
			if !strings.HasPrefix(err.Error(), tt.wantErr.Reason+": ") || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q, want it to start with %q and say %q", err, tt.wantErr.Reason, tt.wantMsg)
			}
		})
	}
}
