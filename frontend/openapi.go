package frontend

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"

	"github.com/gofiber/fiber/v2"
)

// openapiFS holds the API description in parts: base.json (info and shared
// components) and one file of paths (and their own schemas) per area.
//
//go:embed openapi/*.json
var openapiFS embed.FS

// buildOpenAPI merges the parts into one OpenAPI document.
func buildOpenAPI() ([]byte, error) {
	var doc map[string]any
	raw, err := openapiFS.ReadFile("openapi/base.json")
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("openapi/base.json: %w", err)
	}
	paths := map[string]any{}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	files, _ := fs.Glob(openapiFS, "openapi/*.json")
	for _, f := range files {
		if path.Base(f) == "base.json" {
			continue
		}
		var part struct {
			Paths      map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		raw, _ := openapiFS.ReadFile(f)
		if err := json.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for p := range part.Paths {
			if _, dup := paths[p]; dup {
				return nil, fmt.Errorf("%s: path %s is described twice", f, p)
			}
		}
		maps.Copy(paths, part.Paths)
		maps.Copy(schemas, part.Components.Schemas)
	}
	doc["paths"] = paths
	return json.MarshalIndent(doc, "", "  ")
}

// openapi serves the API description.
func (h *handlers) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(h.openapiDoc)
}
