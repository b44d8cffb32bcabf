package licensing

import (
	"bytes"
	"github.com/berth/berth/registry/errcode"
	"io"
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"
)

// Content addressed by a digest other than sha256 (sha512, the OCI image
// specification's other registered algorithm). distribution stores every
// blob and manifest under its sha256 digest alone:
//
//   - it verifies an upload against a sha512 digest and links the digest in
//     the repository, but names the blob by its sha256 digest in its
//     answers, and a mount links the sha256 digest only;
//   - it refuses a manifest addressed by a sha512 digest.
//
// The gate makes up the difference. Blob answers name the digest the
// client asked by. A mount of a sha512 blob also copies the blob in under
// its digest. A manifest pushed by a sha512 digest is stored under its
// sha256 digest, and its content is linked as a blob of the repository
// under the sha512 digest too: that link, kept in the registry's own
// storage, is the alias later reads, pulls and deletes resolve by, on every
// instance and across restarts.

// otherDigest parses s as a valid digest of an algorithm other than sha256.
func otherDigest(s string) (digest.Digest, bool) {
	d, err := digest.Parse(s)
	return d, err == nil && d.Algorithm() != digest.Canonical
}

// serveOtherDigest serves a request naming a digest other than sha256,
// reporting false for every other request.
func (g *Gate) serveOtherDigest(w http.ResponseWriter, r *http.Request) bool {
	rt := parseRoute(r.URL.Path)
	q := r.URL.Query()
	if d, ok := otherDigest(rt.ref); ok {
		switch {
		case rt.kind == "blobs" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			g.serve(&digestHeader{ResponseWriter: w, digest: d}, r)
		case rt.kind == "manifests" && r.Method == http.MethodPut:
			g.putOtherManifest(w, r, rt.repo, d)
		case rt.kind == "manifests":
			g.resolveOtherManifest(w, r, rt.repo, d)
		default:
			return false
		}
		return true
	}
	if d, ok := otherDigest(q.Get("digest")); ok && r.Method == http.MethodPut && uploadEnd.MatchString(r.URL.Path) {
		g.serve(&digestHeader{ResponseWriter: w, digest: d, location: true}, r)
		return true
	}
	if d, ok := otherDigest(q.Get("mount")); ok && r.Method == http.MethodPost && q.Get("from") != "" {
		if m := uploadPath.FindStringSubmatch(r.URL.Path); m != nil {
			g.mountOther(w, r, m[1], q.Get("from"), d)
			return true
		}
	}
	return false
}

// putOtherManifest stores a manifest pushed by a digest other than sha256
// under its sha256 digest, then links the other digest to it.
func (g *Gate) putOtherManifest(w http.ResponseWriter, r *http.Request, repo string, d digest.Digest) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxManifest+1))
	switch {
	case err != nil:
		errcode.Write(w, http.StatusBadRequest, "MANIFEST_INVALID", "the manifest could not be read: "+err.Error())
		return
	case len(body) > maxManifest:
		errcode.Write(w, http.StatusRequestEntityTooLarge, "MANIFEST_INVALID", "a manifest may hold at most 4 MiB")
		return
	case !verifies(d, body):
		errcode.Write(w, http.StatusBadRequest, "DIGEST_INVALID", "the manifest's "+string(d.Algorithm())+" digest is not "+d.String())
		return
	}
	canonical := r.Clone(r.Context())
	canonical.URL.Path, canonical.URL.RawPath = "/v2/"+repo+"/manifests/"+digest.FromBytes(body).String(), ""
	canonical.Body, canonical.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	buf := &bufferWriter{header: http.Header{}}
	g.serve(buf, canonical)
	if buf.status == http.StatusCreated {
		if err := g.index.linkBlob(r.Context(), repo, d, body); err != nil {
			g.log.Error("linking a manifest's digest", "repository", repo, "digest", d, "err", err)
			errcode.Write(w, http.StatusServiceUnavailable, errcode.Unavailable, "the manifest was stored under its sha256 digest, but not yet under "+d.String()+"; push it again")
			return
		}
		setDigest(buf.header, d, true)
	}
	copyAnswer(w, buf)
}

// resolveOtherManifest serves a read or delete of a manifest by a digest
// other than sha256 as one by the sha256 digest it links to. A delete
// removes the link too. An unknown digest goes to distribution as it is.
func (g *Gate) resolveOtherManifest(w http.ResponseWriter, r *http.Request, repo string, d digest.Digest) {
	ctx := r.Context()
	canonical, ok, err := g.index.resolve(ctx, repo, d)
	if err != nil {
		g.log.Error("resolving a manifest digest", "repository", repo, "digest", d, "err", err)
		errcode.Write(w, http.StatusServiceUnavailable, errcode.Unavailable, "Berth could not resolve "+d.String()+"; try again")
		return
	}
	if !ok {
		g.serve(w, r)
		return
	}
	byCanonical := r.Clone(ctx)
	byCanonical.URL.Path, byCanonical.URL.RawPath = "/v2/"+repo+"/manifests/"+canonical, ""
	rec := &statusWriter{ResponseWriter: &digestHeader{ResponseWriter: w, digest: d}}
	g.serve(rec, byCanonical)
	if r.Method == http.MethodDelete && rec.status == http.StatusAccepted {
		if err := g.index.unlinkBlob(ctx, repo, d); err != nil {
			g.log.Error("unlinking a deleted manifest's digest", "repository", repo, "digest", d, "err", err)
		}
	}
}

// mountOther mounts a blob named by a digest other than sha256 from one
// repository into another; distribution links only its sha256 digest, so
// the blob is then copied in under d.
func (g *Gate) mountOther(w http.ResponseWriter, r *http.Request, repo, from string, d digest.Digest) {
	buf := &bufferWriter{header: http.Header{}}
	g.serve(buf, r)
	if buf.status == http.StatusCreated {
		if err := g.index.copyBlob(r.Context(), from, repo, d); err != nil {
			g.log.Error("copying a mounted blob", "from", from, "repository", repo, "digest", d, "err", err)
			errcode.Write(w, http.StatusServiceUnavailable, errcode.Unavailable, "Berth could not mount "+d.String()+"; upload the blob instead")
			return
		}
		setDigest(buf.header, d, true)
	}
	copyAnswer(w, buf)
}

// verifies reports whether body has digest d.
func verifies(d digest.Digest, body []byte) bool {
	v := d.Verifier()
	_, _ = v.Write(body)
	return v.Verified()
}

// digestHeader names, in a successful answer, the digest the client asked
// by; with location set, in the Location header too.
type digestHeader struct {
	http.ResponseWriter
	digest   digest.Digest
	location bool
	wrote    bool
}

func (h *digestHeader) WriteHeader(code int) {
	if !h.wrote && code < http.StatusMultipleChoices {
		setDigest(h.Header(), h.digest, h.location)
	}
	h.wrote = true
	h.ResponseWriter.WriteHeader(code)
}

func (h *digestHeader) Write(b []byte) (int, error) {
	if !h.wrote {
		h.WriteHeader(http.StatusOK)
	}
	return h.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (h *digestHeader) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// setDigest sets Docker-Content-Digest to d and, with location set, makes
// the Location header end in d instead of the digest it names.
func setDigest(h http.Header, d digest.Digest, location bool) {
	h.Set("Docker-Content-Digest", d.String())
	if loc := h.Get("Location"); location && loc != "" {
		if i := strings.LastIndex(loc, "/"); i >= 0 {
			h.Set("Location", loc[:i+1]+d.String())
		}
	}
}
