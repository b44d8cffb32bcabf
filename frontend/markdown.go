package frontend

import (
	"bytes"
	"html/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders publisher-written Markdown for product pages. goldmark
// in its default (safe) mode drops raw HTML and refuses javascript: and
// other dangerous link targets, so the output may be trusted as HTML.
type markdown struct{ md goldmark.Markdown }

func newMarkdown() markdown {
	return markdown{md: goldmark.New(goldmark.WithExtensions(extension.GFM))}
}

func (m markdown) render(src string) template.HTML {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(buf.String()) //nolint:gosec // goldmark's safe mode output, see above
}
