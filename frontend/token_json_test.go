package frontend

import (
	"encoding/json"
	"testing"
)

// TestTokenResponseJSON checks the token endpoint's hand-written encoding
// against encoding/json's, byte for byte, and that a string needing
// escaping falls back to encoding/json.
func TestTokenResponseJSON(t *testing.T) {
	jwt := "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJsaWNlbnNlOmFiYyJ9.c2lnbmF0dXJl-_"
	for _, tc := range []struct {
		name  string
		resp  tokenResponse
		plain bool
	}{
		{"docker GET", tokenResponse{Token: jwt, AccessToken: jwt, ExpiresIn: 300, IssuedAt: "2026-12-03T15:00:00Z"}, true},
		{"oauth with a refresh token", tokenResponse{Token: jwt, AccessToken: jwt, ExpiresIn: 300, IssuedAt: "2026-12-03T15:00:00Z",
			Scope: "repository:acme/db:pull repository(plugin):acme/vol:pull", RefreshToken: "berth_rt_abc"}, true},
		{"empty token", tokenResponse{IssuedAt: "2026-12-03T15:00:00Z"}, true},
		{"a quote", tokenResponse{Token: `a"b`, AccessToken: `a"b`}, false},
		{"html", tokenResponse{Token: jwt, AccessToken: jwt, Scope: "repository:a<b>&c:pull"}, false},
		{"not ascii", tokenResponse{Token: jwt, AccessToken: jwt, RefreshToken: "é"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.resp.appendJSON(nil)
			if ok != tc.plain {
				t.Fatalf("appendJSON reports %v, want %v", ok, tc.plain)
			}
			if !ok {
				return
			}
			want, err := json.Marshal(tc.resp)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("appendJSON:\n got %s\nwant %s", got, want)
			}
		})
	}
}
