package licensing

import (
	"bytes"
	"net/http"
	"strings"
)

// statusWriter remembers the status the wrapped handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// clientIP is the peer address without its port. The registry listener is
// reached directly, not through a proxy Berth trusts.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndex(host, ":"); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// bufferWriter is a ResponseWriter that keeps the answer in memory.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// copyAnswer sends a buffered answer.
func copyAnswer(w http.ResponseWriter, buf *bufferWriter) {
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.WriteHeader(buf.status)
	_, _ = w.Write(buf.body.Bytes())
}

// manifestBody is the part of an image manifest or index the gate reads.
type manifestBody struct {
	MediaType    string `json:"mediaType"`
	ArtifactType string `json:"artifactType"`
	Config       struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
	} `json:"config"`
	Layers []struct {
		Digest string   `json:"digest"`
		URLs   []string `json:"urls"`
	} `json:"layers"`
	Manifests []struct {
		Digest string `json:"digest"`
	} `json:"manifests"`
	Subject *struct {
		Digest string `json:"digest"`
	} `json:"subject"`
	Annotations map[string]string `json:"annotations"`
}

// subject returns the digest the manifest's subject names, or "".
func (m manifestBody) subject() string {
	if m.Subject == nil {
		return ""
	}
	return m.Subject.Digest
}

// manifestRefs is what one manifest names: an image its config and layers,
// an index its child manifests.
type manifestRefs struct {
	digest   string
	config   string
	layers   []string
	children []string
}

func (m manifestBody) refs(digest string) manifestRefs {
	r := manifestRefs{digest: digest, config: m.Config.Digest}
	for _, l := range m.Layers {
		r.layers = append(r.layers, l.Digest)
	}
	for _, c := range m.Manifests {
		r.children = append(r.children, c.Digest)
	}
	return r
}
