package licensing

import (
	"net/http"
	"net/url"
)

// serveSinglePost completes a blob upload sent whole in its POST
// (distribution-spec "single POST"), which distribution does not take: the
// gate opens the upload with an empty POST and sends the body in its PUT,
// each with the client's own credentials. Distribution checks the digest.
func (g *Gate) serveSinglePost(w http.ResponseWriter, r *http.Request) {
	open := r.Clone(r.Context())
	q := open.URL.Query()
	d := q.Get("digest")
	q.Del("digest")
	open.URL.RawQuery = q.Encode()
	open.Body, open.ContentLength = http.NoBody, 0
	open.Header.Del("Content-Type")
	buf := &bufferWriter{header: http.Header{}}
	g.serve(buf, open)
	loc, err := url.Parse(buf.header.Get("Location"))
	if buf.status != http.StatusAccepted || err != nil {
		copyAnswer(w, buf)
		return
	}
	put := r.Clone(r.Context())
	put.Method = http.MethodPut
	lq := loc.Query()
	lq.Set("digest", d)
	put.URL.Path, put.URL.RawPath, put.URL.RawQuery = loc.Path, "", lq.Encode()
	g.ServeHTTP(w, put)
}
