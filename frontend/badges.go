package frontend

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
)

// badgeKinds are the badges of a tag, each /badge/{ns}/{repo}/{tag}/{kind}.svg.
var badgeKinds = []string{"size", "layers", "version", "signed", "license"}

// badge serves an SVG badge for a README. Unknown tags get a grey "not
// found" badge rather than an error, so an embedded image never breaks.
func (h *handlers) badge(c *fiber.Ctx) error {
	kind, ok := strings.CutSuffix(c.Params("file"), ".svg")
	if !ok || !slicesContains(badgeKinds, kind) {
		return pathNotFound("badges are " + strings.Join(badgeKinds, ", ") + " (.svg)")
	}
	label, value, color := kind, "not found", "#9f9f9f"
	img, t, err := h.imageTag(c)
	switch {
	case isNotFound(err):
	case err != nil:
		return err
	default:
		value, color = badgeValue(kind, img, t)
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml; charset=utf-8")
	// Short enough for a new tag to show soon, long enough for README views.
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	return c.SendString(badgeSVG(label, value, color))
}

func slicesContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// badgeValue is what a badge says of a tag, and its colour.
func badgeValue(kind string, img image, t catalog.Tag) (string, string) {
	const blue, green, orange = "#007ec6", "#44cc11", "#fe7d37"
	main := mainPlatform(t)
	switch kind {
	case "size":
		return humanBytes(main.Size), blue
	case "layers":
		return strconv.Itoa(len(main.Layers)), blue
	case "version":
		if v := main.Labels["org.opencontainers.image.version"]; v != "" {
			return v, blue
		}
		return t.Name, blue
	case "signed":
		if t.Signed {
			return "signed by Berth", green
		}
		return "unsigned", orange
	case "license":
		switch p := img.Product; {
		case p.Slug == "":
			return "none", "#9f9f9f"
		case p.HasFree() && p.HasPaid():
			return "free + paid tiers", green
		case p.HasFree():
			return "free", green
		default:
			return "paid", blue
		}
	}
	return "?", "#9f9f9f"
}

// mainPlatform is the platform a badge describes: linux/amd64 when the tag
// has it, else its first.
func mainPlatform(t catalog.Tag) catalog.Platform {
	for _, p := range t.Platforms {
		if p.OS == "linux" && p.Architecture == "amd64" {
			return p
		}
	}
	if len(t.Platforms) > 0 {
		return t.Platforms[0]
	}
	return catalog.Platform{}
}

// humanBytes renders a size the way registries do: 12.3 MB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// textWidth estimates the width of s in 11px Verdana, as badges use.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case strings.ContainsRune("il.,:;|!'", r):
			w += 4
		case strings.ContainsRune("mwMW", r):
			w += 10
		case r >= 'A' && r <= 'Z':
			w += 8
		case r == ' ':
			w += 4
		default:
			w += 7
		}
	}
	return w
}

// badgeSVG draws a flat two-part badge.
func badgeSVG(label, value, color string) string {
	lw, vw := textWidth(label)+12, textWidth(value)+12
	esc := template.HTMLEscapeString
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s: %s">`+
		`<title>%s: %s</title>`+
		`<linearGradient id="s" x2="0" y2="100%%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`+
		`<clipPath id="r"><rect width="%d" height="20" rx="3" fill="#fff"/></clipPath>`+
		`<g clip-path="url(#r)"><rect width="%d" height="20" fill="#555"/><rect x="%d" width="%d" height="20" fill="%s"/><rect width="%d" height="20" fill="url(#s)"/></g>`+
		`<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`+
		`<text x="%d" y="15" fill="#010101" fill-opacity=".3">%s</text><text x="%d" y="14">%s</text>`+
		`<text x="%d" y="15" fill="#010101" fill-opacity=".3">%s</text><text x="%d" y="14">%s</text></g></svg>`,
		lw+vw, esc(label), esc(value), esc(label), esc(value),
		lw+vw, lw, lw, vw, color, lw+vw,
		lw/2, esc(label), lw/2, esc(label), lw+vw/2, esc(value), lw+vw/2, esc(value))
}

// pullChart draws daily pulls as bars, server-side, oldest day left.
func pullChart(days []catalog.DayCount) template.HTML { return barChart(days, "pulls") }

// barChart draws counts per period as bars, oldest left, each titled with
// its period and count in unit.
func barChart(days []catalog.DayCount, unit string) template.HTML {
	const w, h, gap = 300, 60, 1
	var peak int64 = 1
	var total int64
	for _, d := range days {
		peak = max(peak, d.Pulls)
		total += d.Pulls
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%d %s over %d periods">`,
		w, h+14, w, h+14, total, unit, len(days))
	bw := float64(w)/float64(max(len(days), 1)) - gap
	for i, d := range days {
		bh := float64(d.Pulls) / float64(peak) * h
		x := float64(i) * (bw + gap)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#0b6bcb"><title>%s: %d %s</title></rect>`,
			x, h-bh, bw, max(bh, 0.5), d.Day, d.Pulls, unit)
	}
	if len(days) > 0 {
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="10" fill="#555">%s</text><text x="%d" y="%d" font-size="10" fill="#555" text-anchor="end">%s</text>`,
			h+12, days[0].Day, w, h+12, days[len(days)-1].Day)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
