package licensing

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

// manifestAccept is every manifest media type the gate reads.
var manifestAccept = strings.Join([]string{
	string(types.OCIImageIndex),
	string(types.OCIManifestSchema1),
	string(types.DockerManifestList),
	string(types.DockerManifestSchema2),
}, ", ")

// repoIndex is what a repository's tags reach: for each tag its manifest,
// and for each manifest every digest under it (itself, an index's children,
// configs, layers). A Docker plugin's manifest is read like an image's: its
// plugin config and rootfs layers are its config and layers, and reading
// it is a pull (e2e TestPluginGate).
type repoIndex struct {
	built    time.Time
	tags     map[string]tagEntry
	reach    map[string]map[string]bool // manifest digest → digests under it
	media    map[string]string          // manifest digest → media type
	releases map[string]time.Time       // tag → release time
	refs     map[string]manifestRefs    // manifest digest → what it names
	// referrer marks manifests reached only as referrers of another
	// (signatures, SBOMs): reading one is not a pull.
	referrer map[string]bool
	// tagged holds the manifests read here that name a subject, as
	// referrers: those pushed before the referrers index, or listed in a
	// referrers tag schema index, are found this way.
	tagged map[string]Referrer
}

type tagEntry struct {
	digest string
}

func (x *repoIndex) released(tag string) time.Time { return x.releases[tag] }

// isImage reports whether digest is a manifest of one image (not an index).
func (x *repoIndex) isImage(digest string) bool {
	mt, ok := x.media[digest]
	return ok && !types.MediaType(mt).IsIndex() && !x.referrer[digest]
}

// reachable finds a tag one of ents covers whose manifest reaches digest,
// with the entitlement that covers it. Signature tags count for the image
// they sign.
func (x *repoIndex) reachable(digest string, ents []Entitled) (string, Entitled, bool) {
	for tag, t := range x.tags {
		if !x.reach[t.digest][digest] {
			continue
		}
		subject := tag
		if m := signatureTag.FindStringSubmatch(tag); m != nil {
			if signed, ok := x.tagOf("sha256:"+m[1], ents); ok {
				subject = signed
			} else {
				continue
			}
		}
		for _, e := range ents {
			if e.AllowsTag(subject, x.released(subject)).Allowed {
				return subject, e, true
			}
		}
	}
	return "", Entitled{}, false
}

// tagOf finds a covered tag (not a signature tag) reaching digest.
func (x *repoIndex) tagOf(digest string, ents []Entitled) (string, bool) {
	for tag, t := range x.tags {
		if signatureTag.MatchString(tag) || !x.reach[t.digest][digest] {
			continue
		}
		for _, e := range ents {
			if e.AllowsTag(tag, x.released(tag)).Allowed {
				return tag, true
			}
		}
	}
	return "", false
}

// indexes builds repository indexes by reading the registry through its own
// handler, and keeps them until a manifest write through the gate, or for
// at most indexTTL.
type indexes struct {
	registry  http.Handler
	tokens    *TokenServer
	usage     UsageStore
	referrers ReferrerStore // nil: tags reach no referrers but cosign's

	mu    sync.Mutex
	repos map[string]*repoIndex
}

const (
	indexTTL = time.Minute
	// rebuildAfter limits forced rebuilds of one repository's index.
	rebuildAfter = time.Second
	// maxIndexes bounds the repositories kept.
	maxIndexes = 1024
)

func newIndexes(registry http.Handler, tokens *TokenServer, usage UsageStore, referrers ReferrerStore) *indexes {
	return &indexes{registry: registry, tokens: tokens, usage: usage, referrers: referrers, repos: map[string]*repoIndex{}}
}

func (s *indexes) forget(repo string) {
	s.mu.Lock()
	delete(s.repos, repo)
	s.mu.Unlock()
}

// get returns repo's index, building it when missing or stale; fresh asks
// for a rebuild unless the index was built within rebuildAfter.
func (s *indexes) get(ctx context.Context, repo string, fresh bool) (*repoIndex, error) {
	s.mu.Lock()
	x, ok := s.repos[repo]
	s.mu.Unlock()
	age := time.Duration(0)
	if ok {
		age = time.Since(x.built)
	}
	if ok && age < indexTTL && (!fresh || age < rebuildAfter) {
		return x, nil
	}
	x, err := s.build(ctx, repo)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.repos) >= maxIndexes {
		clear(s.repos)
	}
	s.repos[repo] = x
	s.mu.Unlock()
	return x, nil
}

func (s *indexes) build(ctx context.Context, repo string) (*repoIndex, error) {
	tok, err := s.tokens.Sign(InternalSubject+"gate", []Access{{Type: "repository", Name: repo, Actions: []string{"pull"}}})
	if err != nil {
		return nil, err
	}
	x := &repoIndex{built: time.Now(), tags: map[string]tagEntry{}, reach: map[string]map[string]bool{},
		media: map[string]string{}, releases: map[string]time.Time{}, refs: map[string]manifestRefs{},
		referrer: map[string]bool{}, tagged: map[string]Referrer{}}
	tags, err := s.tags(ctx, tok.Token, repo)
	if err != nil {
		return nil, err
	}
	for _, tag := range tags {
		digest, err := s.walk(ctx, tok.Token, repo, tag, x, 0)
		if err != nil {
			return nil, err
		}
		if digest != "" {
			x.tags[tag] = tagEntry{digest: digest}
		}
	}
	if err := s.addReferrers(ctx, tok.Token, repo, x); err != nil {
		return nil, err
	}
	releases, err := s.usage.Releases(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("reading releases of %s: %w", repo, err)
	}
	for _, r := range releases {
		if t, ok := x.tags[r.Tag]; ok && t.digest == r.Digest {
			x.releases[r.Tag] = r.At
		}
	}
	return x, nil
}

// tags lists repo's tags, following the registry's pagination.
func (s *indexes) tags(ctx context.Context, token, repo string) ([]string, error) {
	var all []string
	next := "/v2/" + repo + "/tags/list?n=1000"
	for pages := 0; next != "" && pages < 100; pages++ {
		var list struct {
			Tags []string `json:"tags"`
		}
		status, h, err := s.fetch(ctx, token, next, &list)
		if err != nil || status == http.StatusNotFound {
			return all, err
		}
		all = append(all, list.Tags...)
		next = nextPage(h.Get("Link"))
	}
	return all, nil
}

// nextPage returns the path of a `Link: </v2/...>; rel="next"` header, or "".
func nextPage(link string) string {
	target, params, ok := strings.Cut(link, ";")
	if !ok || !strings.Contains(params, `rel="next"`) {
		return ""
	}
	target = strings.Trim(strings.TrimSpace(target), "<>")
	if !strings.HasPrefix(target, "/v2/") {
		return ""
	}
	return target
}

// walk reads the manifest at ref and records what it reaches, returning its
// digest ("" if it vanished meanwhile).
func (s *indexes) walk(ctx context.Context, token, repo, ref string, x *repoIndex, depth int) (string, error) {
	if depth > 4 {
		return "", fmt.Errorf("manifests of %s nest too deep", repo)
	}
	if d, ok := otherDigest(ref); ok {
		canonical, found, err := s.resolve(ctx, repo, d)
		if err != nil || !found {
			return "", err
		}
		ref = canonical
	}
	var m manifestBody
	status, h, err := s.fetch(ctx, token, "/v2/"+repo+"/manifests/"+ref, &m)
	if err != nil || status == http.StatusNotFound {
		return "", err
	}
	digest := h.Get("Docker-Content-Digest")
	if _, done := x.reach[digest]; done {
		return digest, nil
	}
	mt := m.MediaType
	if mt == "" {
		mt = h.Get("Content-Type")
	}
	x.media[digest] = mt
	if m.subject() != "" {
		size, _ := strconv.ParseInt(h.Get("Content-Length"), 10, 64)
		x.tagged[digest] = m.referrer(repo, digest, size, h.Get("Content-Type"))
	}
	refs := m.refs(digest)
	x.refs[digest] = refs
	reach := map[string]bool{digest: true}
	x.reach[digest] = reach
	if refs.config != "" {
		reach[refs.config] = true
	}
	for _, l := range refs.layers {
		reach[l] = true
	}
	for _, child := range refs.children {
		if _, err := s.walk(ctx, token, repo, child, x, depth+1); err != nil {
			return "", err
		}
		for d := range x.reach[child] {
			reach[d] = true
		}
	}
	return digest, nil
}

// fetch performs a GET on the registry handler in process and decodes a 200
// answer into v.
func (s *indexes) fetch(ctx context.Context, token, path string, v any) (int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Host = "localhost"
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", manifestAccept)
	w := &bufferWriter{header: http.Header{}}
	s.registry.ServeHTTP(w, req)
	switch w.status {
	case http.StatusOK:
		if err := json.Unmarshal(w.body.Bytes(), v); err != nil {
			return 0, nil, fmt.Errorf("decoding %s: %w", path, err)
		}
		return w.status, w.header, nil
	case http.StatusNotFound:
		return w.status, w.header, nil
	}
	return 0, nil, fmt.Errorf("registry answered %d to %s", w.status, path)
}
