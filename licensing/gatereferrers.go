package licensing

import (
	"context"
	"encoding/json"
	"github.com/berth/berth/registry/errcode"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
)

// The referrers API (OCI distribution-spec 1.1, "Listing Referrers"),
// which distribution lacks, is served here from the referrers index: every
// manifest with a subject pushed through the gate is recorded in the
// ReferrerStore before its push is acknowledged, with OCI-Subject, and a
// manifest deleted by digest is forgotten. Manifests with a subject that
// the repository's tags reach (pushed before the index existed, or listed
// in a referrers tag schema index) are listed too, and a recorded referrer
// that is gone from the registry (garbage collection) is dropped when a
// listing finds it missing.
//
// Entitlements: a license sees the referrers of what it covers. A
// referrers list is answered for a subject the license reaches, and the
// referrers of what a covered tag reaches (and their own referrers, and
// their configs and layers) are pullable through that tag; reading one is
// not counted as a pull.

// referrersPath matches /v2/<name>/referrers/<digest>.
var referrersPath = regexp.MustCompile(`^/v2/(.+)/referrers/([^/]+)$`)

// indexMediaType is the media type of a referrers list.
const indexMediaType = "application/vnd.oci.image.index.v1+json"

// referrersList is a referrers list: an OCI image index of descriptors.
type referrersList struct {
	SchemaVersion int                  `json:"schemaVersion"`
	MediaType     string               `json:"mediaType"`
	Manifests     []referrerDescriptor `json:"manifests"`
}

type referrerDescriptor struct {
	MediaType    string            `json:"mediaType"`
	Size         int64             `json:"size"`
	Digest       string            `json:"digest"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

func (g *Gate) serveReferrers(w http.ResponseWriter, r *http.Request) {
	m := referrersPath.FindStringSubmatch(r.URL.Path)
	repo, subject := m[1], m[2]
	if _, err := digest.Parse(subject); err != nil {
		errcode.Write(w, http.StatusBadRequest, "DIGEST_INVALID", subject+" is not a digest such as sha256:<64 hex digits>")
		return
	}
	c := g.claimsOf(r)
	if c == nil || !grants(c.Access, repo, "pull") {
		g.refuseReferrers(w, r, repo, c)
		return
	}
	ctx := r.Context()
	if ents := c.Berth.entitled(repo); len(ents) > 0 {
		d, err := g.decide(ctx, route{repo: repo, kind: "manifests", ref: subject}, ents)
		if err != nil {
			g.log.Error("deciding an entitled referrers list", "repository", repo, "subject", subject, "err", err)
			errcode.Write(w, http.StatusServiceUnavailable, errcode.Unavailable, "Berth could not check your license for this request; try again")
			return
		}
		if !d.allowed {
			errcode.Write(w, http.StatusForbidden, errcode.Denied, d.reason)
			return
		}
	}
	refs, err := g.referrersOf(ctx, repo, subject)
	if err != nil && ctx.Err() != nil {
		return // the client hung up: nobody to answer, nothing wrong here
	} else if err != nil {
		g.log.Error("listing referrers", "repository", repo, "subject", subject, "err", err)
		errcode.Write(w, http.StatusServiceUnavailable, errcode.Unavailable, "Berth could not list the referrers; try again")
		return
	}
	writeReferrers(w, r, refs)
}

// writeReferrers answers with the referrers list, filtered by the
// artifactType the request names, if any.
func writeReferrers(w http.ResponseWriter, r *http.Request, refs []Referrer) {
	list := referrersList{SchemaVersion: 2, MediaType: indexMediaType, Manifests: []referrerDescriptor{}}
	q := r.URL.Query()
	filter, filtered := q.Get("artifactType"), q.Has("artifactType")
	for _, ref := range refs {
		if !filtered || ref.ArtifactType == filter {
			list.Manifests = append(list.Manifests, referrerDescriptor{MediaType: ref.MediaType, Size: ref.Size,
				Digest: ref.Digest, ArtifactType: ref.ArtifactType, Annotations: ref.Annotations})
		}
	}
	if filtered {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	w.Header().Set("Content-Type", indexMediaType)
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	_ = json.NewEncoder(w).Encode(list)
}

// refuseReferrers answers a referrers request whose token grants no pull on
// repo: with the reason a license granted none, or else with the
// registry's own challenge, which distribution gives for a read of the
// repository with the same credentials.
func (g *Gate) refuseReferrers(w http.ResponseWriter, r *http.Request, repo string, c *claims) {
	if c != nil {
		if d, ok := c.Berth.denial(repo); ok {
			status := http.StatusForbidden
			if d.Code == errcode.TooManyRequests {
				status = http.StatusTooManyRequests
			}
			errcode.Write(w, status, d.Code, d.Message)
			return
		}
	}
	probe := r.Clone(r.Context())
	probe.URL.Path, probe.URL.RawPath, probe.URL.RawQuery = "/v2/"+repo+"/tags/list", "", "n=1"
	buf := &bufferWriter{header: http.Header{}}
	g.next.ServeHTTP(buf, probe)
	if buf.status != http.StatusUnauthorized && buf.status != http.StatusForbidden {
		errcode.Write(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	}
	copyAnswer(w, buf)
}

// referrersOf lists the referrers of subject in repo: those recorded, in
// push order, that still exist, then those the repository's tags reach.
func (g *Gate) referrersOf(ctx context.Context, repo, subject string) ([]Referrer, error) {
	recorded, err := g.referrers.Referrers(ctx, repo, subject)
	if err != nil {
		return nil, err
	}
	idx, err := g.index.get(ctx, repo, false)
	if err != nil {
		return nil, err
	}
	out := make([]Referrer, 0, len(recorded))
	for _, ref := range recorded {
		_, ok := idx.media[ref.Digest] // read when the index was built
		if !ok {
			if ok, err = g.index.exists(ctx, repo, ref.Digest); err != nil {
				return nil, err
			}
		}
		if !ok {
			if err := g.referrers.DeleteReferrer(ctx, repo, ref.Digest); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, ref)
	}
	var tagged []Referrer
	for d, ref := range idx.tagged {
		if ref.Subject == subject && !slices.ContainsFunc(out, func(r Referrer) bool { return r.Digest == d }) {
			tagged = append(tagged, ref)
		}
	}
	slices.SortFunc(tagged, func(a, b Referrer) int { return strings.Compare(a.Digest, b.Digest) })
	return append(out, tagged...), nil
}
