package licensing

import (
	"context"
	"fmt"
	"github.com/berth/berth/registry/errcode"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/berth/berth/internal/secret"
)

// Gate is Berth's own handler in front of the embedded registry. Registry
// token scopes name repositories, not tags, so what a license says about
// tags, quotas and attribution is enforced here, where Berth sees each
// request with the caller's token:
//
//   - a manifest asked for by tag must be a tag one of the caller's
//     licenses for that repository covers;
//   - a manifest or blob asked for by digest must be reachable from such a
//     tag (an index's children, a manifest's config and layers);
//   - a GET of an image manifest is a pull: it is counted against the
//     license's quota before it is served and recorded for the license
//     after;
//   - a repository a license granted no pull on (seats taken, quota used
//     up) is answered with the reason the token carries;
//   - with GateOptions.Redistribution set, content only paid tiers give
//     access to is neither pushed or mounted into, nor served from, a public
//     repository (redistribution.go).
//
// Requests the token grants without a license (ownership, a publisher's
// namespace, public repositories) and every other request pass untouched;
// the registry still checks every token itself.
type Gate struct {
	next      http.Handler
	verify    *verifier
	usage     UsageStore
	referrers ReferrerStore // nil: no referrers API
	pulls     *Batcher[Pull]
	index     *indexes
	red       *redistribution // nil: the rule is not enforced
	log       *slog.Logger
	now       func() time.Time
}

// Redistribution is what the gate asks to keep paid products' content out
// of public repositories.
type Redistribution interface {
	// Shipped returns every repository a product's tiers ship, whatever the
	// listing's status: a buyer keeps the content of an unpublished one.
	Shipped(ctx context.Context) ([]Shipped, error)
	// Public reports whether anyone may pull repo: a user's or
	// organisation's public repository, or one its first push would create
	// public. Publishers' repositories are not public in this sense.
	Public(ctx context.Context, repo string) (bool, error)
}

// GateOptions are the gate's optional dependencies.
type GateOptions struct {
	// Redistribution, when set, enforces the redistribution rule.
	Redistribution Redistribution
	// Referrers keeps the referrers index. Unset, the usage store is used
	// when it is one (both Berth stores are); with neither there is no
	// referrers API and clients fall back to the referrers tag schema.
	Referrers ReferrerStore
}

// NewGate wraps next, the registry's handler. tokens signs the token the
// gate reads repositories with; pulls receives the pulls it attributes.
func NewGate(next http.Handler, tokens *TokenServer, usage UsageStore, pulls *Batcher[Pull], log *slog.Logger, opts GateOptions) *Gate {
	g := &Gate{next: next, verify: newVerifier(tokens.keys, tokens.cfg.Issuer, tokens.cfg.Service), usage: usage, pulls: pulls,
		referrers: opts.Referrers, log: log, now: time.Now}
	if g.referrers == nil {
		g.referrers, _ = usage.(ReferrerStore)
	}
	g.index = newIndexes(next, tokens, usage, g.referrers)
	if opts.Redistribution != nil {
		g.red = &redistribution{source: opts.Redistribution, indexes: g.index}
	}
	return g
}

// route is the part of a registry API path the gate looks at.
type route struct {
	repo string
	kind string // "manifests", "blobs" or "" for anything else
	ref  string
}

// v2Path matches /v2/<name>/(manifests|blobs)/<reference>.
var v2Path = regexp.MustCompile(`^/v2/(.+)/(manifests|blobs)/([^/]+)$`)

func parseRoute(path string) route {
	m := v2Path.FindStringSubmatch(path)
	if m == nil || m[3] == "uploads" {
		return route{}
	}
	return route{repo: m[1], kind: m[2], ref: m[3]}
}

// writePath matches a write's repository name: /v2/<name>/manifests/… or
// /v2/<name>/blobs/….
var writePath = regexp.MustCompile(`^/v2/(.+?)/(manifests|blobs)/`)

// nestedWrite reports a write into a repository name deeper than Berth's
// pages, API and catalog address: <namespace>/<name>, or a publisher's
// staging/<namespace>/<name>. Refusing at push keeps such images from
// existing where no one can see, list or delete them.
func nestedWrite(r *http.Request) (string, bool) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return "", false
	}
	m := writePath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return "", false
	}
	parts := strings.Split(m[1], "/")
	nested := len(parts) > 3 || (len(parts) == 3 && parts[0] != "staging")
	return m[1], nested
}

// uploadPath matches the start of a blob upload, where a cross-repository
// mount names its source.
var uploadPath = regexp.MustCompile(`^/v2/(.+)/blobs/uploads/$`)

func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if name, ok := nestedWrite(r); ok {
		errcode.Write(w, http.StatusBadRequest, errcode.NameInvalid, "nested repository names such as "+name+
			" are not supported: push to <namespace>/<name>, such as alice/app (publishers: staging/<namespace>/<name>)")
		return
	}
	if !g.serveOtherDigest(w, r) {
		g.serve(w, r)
	}
}

func (g *Gate) serve(w http.ResponseWriter, r *http.Request) {
	rt := parseRoute(r.URL.Path)
	if repo, digest, ok := blobWrite(r); ok && g.red != nil && g.refuseBlobWrite(w, r, repo, digest) {
		return
	}
	switch {
	case r.Method == http.MethodGet && g.referrers != nil && referrersPath.MatchString(r.URL.Path):
		g.serveReferrers(w, r)
	case r.Method == http.MethodPost && uploadPath.MatchString(r.URL.Path) && r.URL.Query().Has("mount"):
		g.serveMount(w, r)
	case r.Method == http.MethodPost && uploadPath.MatchString(r.URL.Path) && r.URL.Query().Has("digest"):
		g.serveSinglePost(w, r)
	case rt.kind == "manifests" && (r.Method == http.MethodPut || r.Method == http.MethodDelete):
		g.serveWrite(w, r, rt)
	case rt.kind != "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		g.serveRead(g.pluginRefusals(w, r, rt.repo), r, rt)
	default:
		g.next.ServeHTTP(w, r)
	}
}

// serveMount lets a cross-repository mount through only when the caller
// could pull the blob from its source: a license limited to some tags must
// not become a way to copy the layers of others into one's own repository.
// A refused mount becomes an ordinary upload, as the distribution
// specification allows, so the client sends the blob itself if it has it.
func (g *Gate) serveMount(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, digest := q.Get("from"), q.Get("mount")
	if c := g.claimsOf(r); c != nil {
		if ents := c.Berth.entitled(from); len(ents) > 0 {
			d, err := g.decide(r.Context(), route{repo: from, kind: "blobs", ref: digest}, ents)
			if err != nil || !d.allowed {
				q.Del("mount")
				q.Del("from")
				r.URL.RawQuery = q.Encode()
			}
		}
	}
	g.next.ServeHTTP(w, r)
}

func (g *Gate) serveRead(w http.ResponseWriter, r *http.Request, rt route) {
	c := g.claimsOf(r)
	if c == nil {
		g.next.ServeHTTP(w, r)
		return
	}
	if !grants(c.Access, rt.repo, "pull") {
		if d, ok := c.Berth.denial(rt.repo); ok {
			status := http.StatusForbidden
			if d.Code == errcode.TooManyRequests {
				status = http.StatusTooManyRequests
			}
			errcode.Write(w, status, d.Code, d.Message)
			return
		}
		g.next.ServeHTTP(w, r)
		return
	}
	ents := c.Berth.entitled(rt.repo)
	if len(ents) == 0 {
		g.serveUnlicensed(w, r, rt)
		return
	}
	ctx := r.Context()
	d, err := g.decide(ctx, rt, ents)
	if err != nil {
		g.log.Error("deciding an entitled pull", "repository", rt.repo, "reference", rt.ref, "err", err)
		errcode.Write(w, http.StatusServiceUnavailable, errcode.Unavailable, "Berth could not check your license for this request; try again")
		return
	}
	if !d.allowed {
		errcode.Write(w, http.StatusForbidden, errcode.Denied, d.reason)
		return
	}
	counts := rt.kind == "manifests" && r.Method == http.MethodGet && d.image
	if counts && d.by.Quota > 0 {
		period, reset := periodKey(d.by.Period, g.now())
		_, ok, err := g.usage.CountPull(ctx, d.by.License, period, d.by.Quota)
		if err != nil {
			g.log.Error("counting a pull", "license", d.by.License, "err", err)
			errcode.Write(w, http.StatusServiceUnavailable, errcode.Unavailable, "Berth could not count this pull against your quota; try again")
			return
		}
		if !ok {
			errcode.Write(w, http.StatusTooManyRequests, errcode.TooManyRequests, fmt.Sprintf(
				"the pull quota of your license (%d pulls a %s) is used up; it resets at %s",
				d.by.Quota, d.by.Period, reset.Format("2006-01-02 15:04 UTC")))
			return
		}
	}
	rec := &statusWriter{ResponseWriter: w}
	g.next.ServeHTTP(rec, r)
	if counts && rec.status == http.StatusOK {
		g.pulls.Add(Pull{ID: secret.ID(), At: g.now().UTC(), LicenseID: d.by.License, Owner: d.by.Owner, Repository: rt.repo,
			Reference: d.tag, Digest: rec.Header().Get("Docker-Content-Digest"), Subject: c.Subject,
			IP: clientIP(r), UserAgent: truncate(r.UserAgent(), 300)})
	}
}

// claimsOf returns the verified claims of the request's bearer token, or nil.
func (g *Gate) claimsOf(r *http.Request) *claims {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil
	}
	c, err := g.verify.verify(token)
	if err != nil {
		return nil // the registry refuses it with its own challenge
	}
	return c
}

func (b *BerthClaims) denial(repo string) (Denial, bool) {
	if b == nil {
		return Denial{}, false
	}
	d, ok := b.Denied[repo]
	return d, ok
}

func (b *BerthClaims) entitled(repo string) []Entitled {
	if b == nil {
		return nil
	}
	return b.Entitled[repo]
}

// decision is the gate's answer for one entitled request: allowed and by
// which license, or why not; image reports that the target is an image
// manifest (a pull), tag the tag it was reached through.
type decision struct {
	allowed bool
	reason  string
	by      Entitled
	image   bool
	tag     string
}

// signatureTag matches the tags cosign stores signatures, attestations and
// SBOMs under, named after the digest they belong to.
var signatureTag = regexp.MustCompile(`^sha256-([0-9a-f]{64})\.(sig|att|sbom)$`)

func (g *Gate) decide(ctx context.Context, rt route, ents []Entitled) (decision, error) {
	isDigest := strings.Contains(rt.ref, ":")
	if rt.kind == "manifests" && !isDigest && signatureTag.MatchString(rt.ref) {
		// A signature is as pullable as the image it signs.
		m := signatureTag.FindStringSubmatch(rt.ref)
		d, err := g.decide(ctx, route{repo: rt.repo, kind: "manifests", ref: "sha256:" + m[1]}, ents)
		d.image = false
		return d, err
	}
	idx, err := g.index.get(ctx, rt.repo, false)
	if err != nil {
		return decision{}, err
	}
	if rt.kind == "manifests" && !isDigest {
		if _, known := idx.tags[rt.ref]; !known {
			// Pushed through another instance since the index was built:
			// its release time and manifest are needed below.
			if idx, err = g.index.get(ctx, rt.repo, true); err != nil {
				return decision{}, err
			}
		}
		reasons := make([]string, 0, len(ents))
		for _, e := range ents {
			dec := e.AllowsTag(rt.ref, idx.released(rt.ref))
			if dec.Allowed {
				return decision{allowed: true, by: e, image: idx.isImage(idx.tags[rt.ref].digest), tag: rt.ref}, nil
			}
			reasons = append(reasons, "your license for "+rt.repo+" does not cover "+rt.ref+": "+dec.Reason)
		}
		return decision{reason: strings.Join(reasons, "; ")}, nil
	}
	for attempt := 0; attempt < 2; attempt++ {
		if tag, e, ok := idx.reachable(rt.ref, ents); ok {
			return decision{allowed: true, by: e, image: rt.kind == "manifests" && idx.isImage(rt.ref), tag: tag}, nil
		}
		// The index may predate a push through another instance: look
		// again once before refusing.
		if idx, err = g.index.get(ctx, rt.repo, true); err != nil {
			return decision{}, err
		}
	}
	return decision{reason: fmt.Sprintf("%s is not part of any tag of %s your license covers", rt.ref, rt.repo)}, nil
}
