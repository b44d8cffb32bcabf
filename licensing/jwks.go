package licensing

import (
	"crypto/ecdsa"
	"encoding/base64"
)

// JWKS is a JSON Web Key Set (RFC 7517) as served at /.well-known/jwks.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWK is one public EC key with its certificate chain.
type JWK struct {
	Kty string   `json:"kty"`
	Crv string   `json:"crv"`
	X   string   `json:"x"`
	Y   string   `json:"y"`
	Kid string   `json:"kid,omitempty"`
	Use string   `json:"use,omitempty"`
	Alg string   `json:"alg,omitempty"`
	X5c []string `json:"x5c,omitempty"`
}

func jwkOf(pub *ecdsa.PublicKey, kid string, chain [][]byte) JWK {
	size := (pub.Curve.Params().BitSize + 7) / 8
	j := JWK{
		Kty: "EC",
		Crv: pub.Curve.Params().Name,
		X:   base64.RawURLEncoding.EncodeToString(pub.X.FillBytes(make([]byte, size))),
		Y:   base64.RawURLEncoding.EncodeToString(pub.Y.FillBytes(make([]byte, size))),
		Kid: kid,
	}
	if kid != "" {
		j.Use, j.Alg = "sig", "ES256"
	}
	for _, der := range chain {
		j.X5c = append(j.X5c, base64.StdEncoding.EncodeToString(der))
	}
	return j
}
