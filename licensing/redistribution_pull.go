package licensing

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/berth/berth/registry/errcode"
	"net/http"
)

// serveUnlicensed serves a read no license entitles (ownership, a public
// repository) under the redistribution rule: what a public repository
// holds of a paid product is not served, so that a copy made before the
// repository was made public gives nothing away either.
func (g *Gate) serveUnlicensed(w http.ResponseWriter, r *http.Request, rt route) {
	if g.red == nil || r.Method != http.MethodGet {
		// A HEAD gives nothing away, and pushing clients ask with it
		// whether a blob is already there.
		g.next.ServeHTTP(w, r)
		return
	}
	public, err := g.red.public(r.Context(), rt.repo)
	if err != nil {
		g.log.Error("checking the redistribution rule", "repository", rt.repo, "err", err)
		errcode.Write(w, http.StatusServiceUnavailable, errcode.Unavailable, unavailable)
		return
	}
	if !public {
		g.next.ServeHTTP(w, r)
		return
	}
	if rt.kind == "blobs" {
		// A blob may be large: hold back only the status and headers.
		g.next.ServeHTTP(&guardWriter{ResponseWriter: w, decide: func() (int, string, string) {
			return g.refusal(r, rt.repo, true, g.paidBlob(r.Context(), rt), pullRefused)
		}}, r)
		return
	}
	buf := &bufferWriter{header: http.Header{}}
	g.next.ServeHTTP(buf, r)
	status := buf.status
	if status == 0 {
		status = http.StatusOK
	}
	if status == http.StatusOK {
		refs := manifestRefs{digest: buf.header.Get("Docker-Content-Digest")}
		var m manifestBody
		if json.Unmarshal(buf.body.Bytes(), &m) == nil {
			refs = m.refs(refs.digest)
		}
		if g.refuse(w, r, rt.repo, true, func(p *paidSet) (paidRef, bool, error) {
			ref, bad := p.verdict(refs)
			return ref, bad, nil
		}, pullRefused) {
			return
		}
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.body.Bytes())
}

// paidBlob finds a paid blob the rule keeps in a repository: a manifest or
// config always, a layer unless a tag there reaches it through an image
// the rule accepts.
func (g *Gate) paidBlob(ctx context.Context, rt route) func(*paidSet) (paidRef, bool, error) {
	return func(p *paidSet) (paidRef, bool, error) {
		ref, layer, ok := p.blob(rt.ref)
		if !ok || !layer {
			return ref, ok, nil
		}
		idx, err := g.index.get(ctx, rt.repo, false)
		if err != nil {
			return ref, false, err
		}
		return ref, !p.servedByTag(idx, rt.ref), nil
	}
}

// errRefused stops a handler writing a body the gate refused.
var errRefused = errors.New("refused by the registry gate")

// guardWriter holds a response back until decide has ruled on it: a
// refusal replaces a successful answer, headers included; anything else
// passes as it is.
type guardWriter struct {
	http.ResponseWriter
	decide  func() (status int, code, message string)
	decided bool
	refused bool
}

func (g *guardWriter) WriteHeader(code int) {
	if g.decided {
		if !g.refused {
			g.ResponseWriter.WriteHeader(code)
		}
		return
	}
	g.decided = true
	if code < http.StatusBadRequest {
		if status, c, msg := g.decide(); status != 0 {
			g.refused = true
			clear(g.ResponseWriter.Header())
			errcode.Write(g.ResponseWriter, status, c, msg)
			return
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *guardWriter) Write(b []byte) (int, error) {
	if !g.decided {
		g.WriteHeader(http.StatusOK)
	}
	if g.refused {
		return 0, errRefused
	}
	return g.ResponseWriter.Write(b)
}
