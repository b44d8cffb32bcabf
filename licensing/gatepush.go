package licensing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/berth/berth/registry/errcode"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"
)

// manifestPush is the body of a manifest PUT, read by the gate before it
// passes the request on.
type manifestPush struct {
	body   []byte
	m      manifestBody
	parsed bool // the body is a manifest of at most maxManifest bytes
}

// serveWrite passes a manifest write on, then forgets the repository's
// index and records a tag's release. A manifest with a subject joins the
// referrers index; a manifest deleted by digest leaves it.
func (g *Gate) serveWrite(w http.ResponseWriter, r *http.Request, rt route) {
	var push manifestPush
	if r.Method == http.MethodPut {
		var ok bool
		if push, ok = g.readManifestPush(w, r, rt.repo); !ok {
			return
		}
	}
	var digest string
	var stored bool
	if g.referrers != nil && push.m.subject() != "" {
		digest, stored = g.passReferrer(w, r, rt.repo, push)
	} else {
		rec := &statusWriter{ResponseWriter: w}
		g.next.ServeHTTP(rec, r)
		digest, stored = rec.Header().Get("Docker-Content-Digest"), rec.status < 300
	}
	if !stored {
		return
	}
	g.index.forget(rt.repo)
	if g.red != nil {
		g.red.changed(rt.repo)
	}
	isDigest := strings.Contains(rt.ref, ":")
	switch {
	case r.Method == http.MethodDelete && isDigest && g.referrers != nil:
		if err := g.referrers.DeleteReferrer(r.Context(), rt.repo, rt.ref); err != nil {
			g.log.Error("forgetting a deleted referrer", "repository", rt.repo, "digest", rt.ref, "err", err)
		}
	case r.Method == http.MethodPut && !isDigest:
		if err := g.usage.RecordRelease(r.Context(), Release{Repository: rt.repo, Tag: rt.ref, Digest: digest, At: g.now().UTC()}); err != nil {
			g.log.Error("recording a tag release", "repository", rt.repo, "tag", rt.ref, "err", err)
		}
	}
}

// readManifestPush reads a manifest PUT's body and puts it back. It answers
// (and reports false for) a manifest the gate refuses: a layer URL other
// than https, a subject that names no digest, or content the
// redistribution rule keeps out of repo.
func (g *Gate) readManifestPush(w http.ResponseWriter, r *http.Request, repo string) (manifestPush, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxManifest+1))
	if err != nil {
		errcode.Write(w, http.StatusBadRequest, "MANIFEST_INVALID", "the manifest could not be read: "+err.Error())
		return manifestPush{}, false
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	p := manifestPush{body: body}
	// Anything else distribution refuses itself.
	p.parsed = len(body) <= maxManifest && json.Unmarshal(body, &p.m) == nil
	if !p.parsed {
		return p, true
	}
	if msg := p.m.invalid(); msg != "" {
		errcode.Write(w, http.StatusBadRequest, "MANIFEST_INVALID", msg)
		return p, false
	}
	if !g.childrenExist(w, r, repo, p.m) {
		return p, false
	}
	if g.red != nil && g.refuseManifestPush(w, r, repo, p) {
		return p, false
	}
	return p, true
}

// invalid says what Berth refuses in a manifest distribution would store
// or answer 500 to, or "".
func (m manifestBody) invalid() string {
	for _, l := range m.Layers {
		for _, u := range l.URLs {
			if !strings.HasPrefix(u, "https://") {
				return fmt.Sprintf("layer %s names the URL %q: a non-distributable layer's URLs must be https", l.Digest, u)
			}
		}
	}
	if m.Subject != nil {
		if _, err := digest.Parse(m.Subject.Digest); err != nil {
			return fmt.Sprintf("the subject's digest %q is not a digest such as sha256:<64 hex digits>", m.Subject.Digest)
		}
	}
	return ""
}

// passReferrer passes on the push of a manifest with a subject, records it
// in the referrers index before the client hears of it, and answers with
// OCI-Subject, which tells the client that the registry keeps the
// referrers list itself. It returns the pushed manifest's digest and
// whether distribution stored it.
func (g *Gate) passReferrer(w http.ResponseWriter, r *http.Request, repo string, p manifestPush) (string, bool) {
	buf := &bufferWriter{header: http.Header{}}
	g.next.ServeHTTP(buf, r)
	pushed := buf.header.Get("Docker-Content-Digest")
	stored := buf.status == http.StatusCreated && pushed != ""
	if stored {
		ref := p.m.referrer(repo, pushed, int64(len(p.body)), r.Header.Get("Content-Type"))
		ref.PushedAt = g.now().UTC()
		if err := g.referrers.PutReferrer(r.Context(), ref); err != nil {
			g.log.Error("indexing a referrer", "repository", repo, "digest", pushed, "subject", ref.Subject, "err", err)
			errcode.Write(w, http.StatusServiceUnavailable, errcode.Unavailable,
				"the manifest was stored, but Berth could not list it as a referrer of "+ref.Subject+"; push it again")
			return pushed, true
		}
		buf.header.Set("OCI-Subject", ref.Subject)
	}
	copyAnswer(w, buf)
	return pushed, stored
}

// childrenExist answers (and reports false for) an index naming a
// manifest repo does not hold. The gate checks what distribution checks
// with its default settings, which find a manifest by its sha256 digest
// only (see gatedigests.go); registry/embedded.go turns distribution's
// check off.
func (g *Gate) childrenExist(w http.ResponseWriter, r *http.Request, repo string, m manifestBody) bool {
	var missing []string
	for _, c := range m.Manifests {
		ok, err := g.index.exists(r.Context(), repo, c.Digest)
		if err != nil {
			g.log.Error("checking the manifests of an index", "repository", repo, "digest", c.Digest, "err", err)
			errcode.Write(w, http.StatusServiceUnavailable, errcode.Unavailable, "Berth could not check the manifests this index names; try again")
			return false
		}
		if !ok {
			missing = append(missing, c.Digest)
		}
	}
	if len(missing) > 0 {
		errcode.Write(w, http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN",
			"this index names manifests "+repo+" does not hold; push them first: "+strings.Join(missing, ", "))
		return false
	}
	return true
}

// referrer describes the manifest, pushed to repo as digest, as an entry
// of its subject's referrers list: its artifactType, or for an image
// manifest without one its config's media type (an index without one has
// none), and its annotations.
func (m manifestBody) referrer(repo, digest string, size int64, contentType string) Referrer {
	mt := m.MediaType
	if mt == "" {
		mt = contentType
	}
	at := m.ArtifactType
	if at == "" && !types.MediaType(mt).IsIndex() {
		at = m.Config.MediaType
	}
	return Referrer{Repository: repo, Subject: m.subject(), Digest: digest, MediaType: mt, Size: size,
		ArtifactType: at, Annotations: m.Annotations}
}
