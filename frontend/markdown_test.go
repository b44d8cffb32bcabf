package frontend

import (
	"strings"
	"testing"
)

func TestMarkdownIsSafe(t *testing.T) {
	md := newMarkdown()
	tests := []struct{ in, want, never string }{
		{in: "## Features\n\n- **fast**", want: "<h2>Features</h2>", never: "##"},
		{in: "<script>alert(1)</script>", want: "raw HTML omitted", never: "<script>"},
		{in: "[x](javascript:alert(1))", want: "<a href=\"\">x</a>", never: "javascript:"},
		{in: "<img src=x onerror=alert(1)>", want: "", never: "onerror"},
		{in: "~~~sh\ndocker pull x\n~~~", want: "<pre><code class=\"language-sh\">docker pull x", never: "~~~"},
	}
	for _, tt := range tests {
		got := string(md.render(tt.in))
		if !strings.Contains(got, tt.want) || strings.Contains(got, tt.never) {
			t.Errorf("render(%q) = %q; want it to contain %q and never %q", tt.in, got, tt.want, tt.never)
		}
	}
}
