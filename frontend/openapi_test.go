package frontend

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPIDescribesEveryRoute: every JSON API route the app serves is in
// /api/v1/openapi.json with the same method, and the document describes
// nothing the app does not serve.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	h := newAccountsHarness(t)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	raw, err := buildOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:([a-zA-Z]+)`)
	served := map[string]bool{}
	for _, r := range h.app.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/api/v1/openapi.json" || r.Method == "HEAD" || r.Method == "USE" {
			continue
		}
		p := param.ReplaceAllString(r.Path, "{$1}")
		served[strings.ToLower(r.Method)+" "+p] = true
	}
	norm := regexp.MustCompile(`\{[^}]+\}`)
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		if !strings.HasPrefix(p, "/api/v1/") {
			continue
		}
		for m := range ops {
			switch m {
			case "get", "post", "put", "patch", "delete":
				documented[m+" "+norm.ReplaceAllString(p, "{}")] = true
			}
		}
	}
	servedNorm := map[string]bool{}
	for k := range served {
		servedNorm[norm.ReplaceAllString(k, "{}")] = true
	}
	for k := range servedNorm {
		if !documented[k] {
			t.Errorf("served but not in the OpenAPI document: %s", k)
		}
	}
	for k := range documented {
		if !servedNorm[k] {
			t.Errorf("in the OpenAPI document but not served: %s", k)
		}
	}
}
