package licensing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/berth/berth/registry/errcode"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// The redistribution rule (README, "Redistribution"): content that only a
// paid tier gives access to (see paidSet) is never pushed or mounted into,
// nor served from, a public repository of a user or organisation. Private
// repositories may hold it: a buyer mirrors what they bought. Content a
// free tier gives away is not held back.

// paidTTL bounds how stale the gate's view of paid content may be: a tag
// promoted through another instance, or a tier's price or repositories
// changed, is protected within it.
const paidTTL = time.Minute

// maxManifest is the largest manifest the gate reads, as distribution.
const maxManifest = 4 << 20

// redistribution keeps the paid set, rebuilt at most every paidTTL, and
// before its next use after a manifest is written to a shipped repository.
type redistribution struct {
	source  Redistribution
	indexes *indexes

	mu    sync.Mutex
	set   *paidSet
	built time.Time
	dirty bool
}

// current returns the paid set, rebuilt when older than paidTTL or when a
// shipped repository changed since it was built.
func (r *redistribution) current(ctx context.Context) (*paidSet, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.set != nil && time.Since(r.built) < paidTTL && !r.dirty {
		return r.set, nil
	}
	start := time.Now()
	shipped, err := r.source.Shipped(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the repositories products ship: %w", err)
	}
	set, err := buildPaidSet(ctx, shipped, func(ctx context.Context, repo string) (*repoIndex, error) {
		return r.indexes.get(ctx, repo, true)
	})
	if err != nil {
		return nil, err
	}
	r.set, r.built, r.dirty = set, start, false
	return set, nil
}

// changed notes a manifest written to repo.
func (r *redistribution) changed(repo string) {
	r.mu.Lock()
	if r.set != nil && r.set.shipped[repo] {
		r.dirty = true
	}
	r.mu.Unlock()
}

// public reports whether the rule applies to repo. Products' repositories
// (as the last paid set knew them, however old: they are never public
// anyway) are answered without asking.
func (r *redistribution) public(ctx context.Context, repo string) (bool, error) {
	r.mu.Lock()
	shipped := r.set != nil && r.set.shipped[repo]
	r.mu.Unlock()
	if shipped {
		return false, nil
	}
	public, err := r.source.Public(ctx, repo)
	if err != nil {
		return false, fmt.Errorf("reading the visibility of %s: %w", repo, err)
	}
	return public, nil
}

// judge returns the paid product whose content a request to repo carries,
// and true, when the rule refuses it: repo is public, and paid finds the
// content in the paid set. Only requests to public repositories build the
// set.
func (r *redistribution) judge(ctx context.Context, repo string, paid func(*paidSet) (paidRef, bool, error)) (paidRef, bool, error) {
	public, err := r.public(ctx, repo)
	if err != nil || !public {
		return paidRef{}, false, err
	}
	return r.find(ctx, paid)
}

// find looks for paid content in the current paid set.
func (r *redistribution) find(ctx context.Context, paid func(*paidSet) (paidRef, bool, error)) (paidRef, bool, error) {
	set, err := r.current(ctx)
	if err != nil {
		return paidRef{}, false, err
	}
	return paid(set)
}

// unavailable answers a request the rule could not be checked for.
const unavailable = "Berth could not check this request against the redistribution rule; try again"

// pushRefused and pullRefused are the rule's refusals.
func pushRefused(ref paidRef, repo string) string {
	return fmt.Sprintf("content of the paid product %s (%s) cannot be pushed into the public repository %s; make %s private, or push to a private repository",
		ref.Product, ref.Repository, repo, repo)
}

func pullRefused(ref paidRef, repo string) string {
	return fmt.Sprintf("content of the paid product %s (%s) is not served from the public repository %s; its owner can make it private, and license holders pull it from %s",
		ref.Product, ref.Repository, repo, ref.Repository)
}

// refusal decides a request to repo under the rule, known to be public
// or not yet: a zero status lets it through. Berth's own registry work
// (recording tags, promoting releases) is not redistribution.
func (g *Gate) refusal(r *http.Request, repo string, public bool, paid func(*paidSet) (paidRef, bool, error), message func(paidRef, string) string) (int, string, string) {
	ctx := r.Context()
	var ref paidRef
	var refused bool
	var err error
	if public {
		ref, refused, err = g.red.find(ctx, paid)
	} else {
		ref, refused, err = g.red.judge(ctx, repo, paid)
	}
	switch {
	case err != nil:
		g.log.Error("checking the redistribution rule", "repository", repo, "err", err)
		return http.StatusServiceUnavailable, errcode.Unavailable, unavailable
	case refused && !g.internal(r):
		return http.StatusForbidden, errcode.Denied, message(ref, repo)
	}
	return 0, "", ""
}

// internal reports whether the request carries a token Berth signed for
// its own registry work.
func (g *Gate) internal(r *http.Request) bool {
	c := g.claimsOf(r)
	return c != nil && strings.HasPrefix(c.Subject, InternalSubject)
}

// refuse answers a refusal, reporting whether there was one.
func (g *Gate) refuse(w http.ResponseWriter, r *http.Request, repo string, public bool, paid func(*paidSet) (paidRef, bool, error), message func(paidRef, string) string) bool {
	status, code, msg := g.refusal(r, repo, public, paid, message)
	if status == 0 {
		return false
	}
	errcode.Write(w, status, code, msg)
	return true
}

// uploadEnd matches the request that completes a blob upload.
var uploadEnd = regexp.MustCompile(`^/v2/(.+)/blobs/uploads/[^/]+$`)

// blobWrite names the repository and digest of a request that puts a blob
// in a repository: a mount, a one-request upload, or an upload's last PUT.
func blobWrite(r *http.Request) (repo, digest string, ok bool) {
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && q.Has("mount"):
		digest = q.Get("mount")
	case (r.Method == http.MethodPost || r.Method == http.MethodPut) && q.Has("digest"):
		digest = q.Get("digest")
	default:
		return "", "", false
	}
	m := uploadPath.FindStringSubmatch(r.URL.Path)
	if m == nil && r.Method == http.MethodPut {
		m = uploadEnd.FindStringSubmatch(r.URL.Path)
	}
	if m == nil {
		return "", "", false
	}
	return m[1], digest, true
}

// refuseBlobWrite refuses a paid manifest or config into a public
// repository. A paid layer alone is let in: base layers are shared, and
// servedByTag keeps a paid layer from being served on its own.
func (g *Gate) refuseBlobWrite(w http.ResponseWriter, r *http.Request, repo, digest string) bool {
	return g.refuse(w, r, repo, false, func(p *paidSet) (paidRef, bool, error) {
		ref, layer, ok := p.blob(digest)
		return ref, ok && !layer, nil
	}, pushRefused)
}

// refuseManifestPush refuses a manifest the rule finds paid (see verdict)
// into a public repository.
func (g *Gate) refuseManifestPush(w http.ResponseWriter, r *http.Request, repo string, p manifestPush) bool {
	sum := sha256.Sum256(p.body)
	refs := p.m.refs("sha256:" + hex.EncodeToString(sum[:]))
	return g.refuse(w, r, repo, false, func(set *paidSet) (paidRef, bool, error) {
		ref, bad := set.verdict(refs)
		return ref, bad, nil
	}, pushRefused)
}
