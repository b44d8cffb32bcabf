package plaintext_test

import (
	"strings"
	"testing"

	"github.com/berth/berth/internal/plaintext"
)

func TestLineAndText(t *testing.T) {
	for _, tc := range []struct {
		in         string
		line, text string // "" passes, else the error names this
	}{
		{"Otto DB", "", ""},
		{"Ünïcødé 数据库 👩‍💻", "U+200D", ""}, // a zero-width joiner: fine in text, not in a name
		{"nul\x00byte", "U+0000", "U+0000"},
		{"bell\a", "U+0007", "U+0007"},
		{"two\nlines\ttabbed\r\n", "U+000A", ""},
		{"evil\u202Egnp.exe", "U+202E", "U+202E"},
		{"isolate\u2066x\u2069", "U+2066", "U+2066"},
		{"byte order\uFEFF", "U+FEFF", ""},
		{"c1 \u0085 control", "U+0085", "U+0085"},
		{"bad \xff utf-8", "UTF-8", "UTF-8"},
		{"truncated \xe2\x82", "UTF-8", "UTF-8"},
		{"the replacement character \uFFFD itself", "", ""},
	} {
		for _, c := range []struct {
			name string
			fn   func(string) error
			want string
		}{{"Line", plaintext.Line, tc.line}, {"Text", plaintext.Text, tc.text}} {
			err := c.fn(tc.in)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("%s(%q) = %v; want nil", c.name, tc.in, err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("%s(%q) = %v; want an error naming %s", c.name, tc.in, err, c.want)
			}
		}
	}
}
