package e2e

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/berth/berth/account"
	"github.com/berth/berth/licensing"
)

// TestLicenseFile downloads a signed license file and checks it offline the
// two ways buyers would: with Berth's root certificate, and with any JWT
// library and the key published at /.well-known/berth-license-keys.json.
// A tampered file and a registry token passed off as a license fail.
func TestLicenseFile(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	u, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "lena", Email: "lena@example.com", Password: "lena-password"})
	must(t, err)
	product, free, _ := pickFreeTier(t, in)
	issued, err := in.srv.Backend.Licenses.CheckoutFree(ctx, u.ID, product.Slug, free.ID)
	must(t, err)

	req, _ := http.NewRequest("GET", in.URL+"/api/v1/licenses/"+issued.License.ID+"/file", nil)
	req.SetBasicAuth("lena", "lena-password")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	doc := string(body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/jwt" {
		t.Fatalf("license file: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	c, err := licensing.VerifyLicenseFile(doc, in.srv.Backend.Keys.RootPEM())
	if err != nil {
		t.Fatalf("verifying with the root certificate: %v", err)
	}
	if c.ID != issued.License.ID || c.Subject != "lena" || c.Product != product.Slug || c.Tier != free.ID || c.Status != licensing.StatusActive {
		t.Errorf("license file states %+v", c)
	}

	var set licensing.JWKS
	in.call("GET", "/.well-known/berth-license-keys.json", "", "", nil, &set)
	if len(set.Keys) != 1 {
		t.Fatalf("license keys = %+v", set)
	}
	jwkKey := set.Keys[0]
	_, err = jwt.Parse(doc, func(tok *jwt.Token) (any, error) {
		if tok.Header["kid"] != jwkKey.Kid {
			t.Errorf("the file names kid %v, the JWKS %s", tok.Header["kid"], jwkKey.Kid)
		}
		return publicKeyOf(t, jwkKey), nil
	}, jwt.WithValidMethods([]string{"ES256"}))
	if err != nil {
		t.Errorf("a plain JWT library with the published key: %v", err)
	}

	parts := strings.Split(doc, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), free.ID, "enterprise", 1))) + "." + parts[2]
	if _, err := licensing.VerifyLicenseFile(forged, in.srv.Backend.Keys.RootPEM()); err == nil {
		t.Error("a tampered license file verified")
	}
	token := issueRaw(t, in, "lena", issued.Key, "repository:"+free.Repositories[0]+":pull")
	if _, err := licensing.VerifyLicenseFile(token, in.srv.Backend.Keys.RootPEM()); err == nil {
		t.Error("a registry token passed as a license file")
	}
	req, _ = http.NewRequest("GET", in.URL+"/api/v1/licenses/"+issued.License.ID+"/file", nil)
	req.SetBasicAuth("lena", "wrong")
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("license file with a wrong password: %d", resp.StatusCode)
	}
}

// publicKeyOf reads the key of a JWK from its certificate chain.
func publicKeyOf(t *testing.T, k licensing.JWK) any {
	t.Helper()
	der, err := base64.StdEncoding.DecodeString(k.X5c[0])
	must(t, err)
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	return cert.PublicKey
}
