package licensing

import (
	"context"
	"fmt"
	"net/http"
)

// addReferrers makes each tag reach the referrers of what it reaches, and
// theirs in turn, with their configs and layers: a license that covers an
// image covers its signatures, SBOMs and attestations.
func (s *indexes) addReferrers(ctx context.Context, token, repo string, x *repoIndex) error {
	bySubject := map[string][]string{}
	if s.referrers != nil {
		recorded, err := s.referrers.Referrers(ctx, repo, "")
		if err != nil {
			return fmt.Errorf("reading the referrers of %s: %w", repo, err)
		}
		for _, r := range recorded {
			bySubject[r.Subject] = append(bySubject[r.Subject], r.Digest)
		}
	}
	for d, r := range x.tagged {
		bySubject[r.Subject] = append(bySubject[r.Subject], d)
	}
	if len(bySubject) == 0 {
		return nil
	}
	done := map[string]bool{}
	for _, t := range x.tags {
		if done[t.digest] {
			continue
		}
		done[t.digest] = true
		if err := s.reachReferrers(ctx, token, repo, x, x.reach[t.digest], bySubject); err != nil {
			return err
		}
	}
	return nil
}

// reachReferrers adds to reach, a tag's, the referrers of everything in it
// until nothing new is reached.
func (s *indexes) reachReferrers(ctx context.Context, token, repo string, x *repoIndex, reach map[string]bool, bySubject map[string][]string) error {
	queue := make([]string, 0, len(reach))
	for d := range reach {
		queue = append(queue, d)
	}
	for len(queue) > 0 {
		d := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, ref := range bySubject[d] {
			if reach[ref] {
				continue
			}
			got, err := s.walk(ctx, token, repo, ref, x, 0)
			if err != nil {
				return err
			}
			if got == "" {
				continue // deleted since it was recorded
			}
			x.referrer[ref] = true
			for r := range x.reach[ref] {
				if !reach[r] {
					reach[r] = true
					queue = append(queue, r)
				}
			}
		}
	}
	return nil
}

// exists reports whether the manifest digest is in repo, by its sha256
// digest or another the gate linked to it.
func (s *indexes) exists(ctx context.Context, repo, digest string) (bool, error) {
	if d, ok := otherDigest(digest); ok {
		canonical, found, err := s.resolve(ctx, repo, d)
		if err != nil || !found {
			return false, err
		}
		digest = canonical
	}
	tok, err := s.internalToken(map[string][]string{repo: {"pull"}})
	if err != nil {
		return false, err
	}
	req, err := s.request(ctx, http.MethodHead, "/v2/"+repo+"/manifests/"+digest, nil, tok)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", manifestAccept)
	w := &bufferWriter{header: http.Header{}}
	s.registry.ServeHTTP(w, req)
	switch w.status {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, fmt.Errorf("registry answered %d to HEAD %s@%s", w.status, repo, digest)
}
