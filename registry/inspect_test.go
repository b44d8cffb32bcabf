package registry

import "testing"

func TestCommand(t *testing.T) {
	for in, want := range map[string]string{
		"/bin/sh -c #(nop)  CMD [\"app\"]":                `CMD ["app"]`,
		"/bin/sh -c apk add curl":                         "RUN apk add curl",
		"RUN /bin/sh -c apt-get update # buildkit":        "RUN apt-get update",
		"COPY app /usr/local/bin/ # buildkit":             "COPY app /usr/local/bin/",
		"|2 VERSION=1.2 TARGET=x /bin/sh -c make install": "RUN make install",
		"/bin/sh -c #(nop) ADD file:abc in / ":            "ADD file:abc in /",
		"ENTRYPOINT [\"/usr/local/bin/app\"]":             `ENTRYPOINT ["/usr/local/bin/app"]`,
	} {
		if got := command(in); got != want {
			t.Errorf("command(%q) = %q, want %q", in, got, want)
		}
	}
}
