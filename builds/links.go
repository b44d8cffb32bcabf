package builds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MaxChain bounds a chain of link builds: an image rebuilt because of an
// image rebuilt because of ... at most MaxChain repositories deep. Longer
// chains stop, logged, even without a cycle.
const MaxChain = 8

// chainScan bounds how many of a repository's newest builds Linked reads
// to find the build that pushed a digest.
const chainScan = 20

// selfLink refuses a link to repo itself: its every build would link
// back to it.
func (c Config) selfLink(repo string) error {
	var errs FieldErrors
	for i, l := range c.Links {
		if name, _, _ := strings.Cut(l, ":"); name == repo {
			errs.Addf("links."+strconv.Itoa(i), "a repository cannot link to itself")
		}
	}
	return errs.Err()
}

// Linked is what a push of repo:tag, now at digest, means for repository
// links: every repository whose build settings link repo:tag rebuilds,
// once per new digest. It runs for every tag push, the publishing
// pipeline's promotions too, at least once per push event.
//
// Each dependent builds every autobuild rule: a rule naming a literal
// branch or tag builds that ref; a regular-expression rule builds the ref
// of its newest succeeded build. Either is built at the ref's current
// commit. A build's ID is derived from the dependent, the rule and
// digest, so a re-delivered event, the same event on two instances, or
// the same digest pushed again queue nothing more.
//
// Loops stop: a link build records its chain of upstream repositories in
// Record.Cause, a digest such a build pushes carries that chain on, and a
// dependent already in the chain (or past MaxChain) is skipped and logged.
// Linked returns the builds it queued now.
func (s *Service) Linked(ctx context.Context, repo, tag, digest string) ([]Record, error) {
	if tag == "" || digest == "" {
		return nil, nil
	}
	deps, err := s.d.Store.Linked(ctx, repo+":"+tag)
	if err != nil || len(deps) == 0 {
		return nil, err
	}
	chain, err := s.pushChain(ctx, repo, tag, digest)
	if err != nil {
		return nil, err
	}
	out := []Record{}
	var errs []error
	for _, dep := range deps {
		switch {
		case slices.Contains(chain, dep):
			s.d.Log.Info("builds: link not followed, it would loop", "repository", dep, "pushed", repo+":"+tag,
				"digest", digest, "chain", strings.Join(chain, " > "))
			continue
		case len(chain) >= MaxChain:
			s.d.Log.Warn("builds: link not followed, the chain is too long", "repository", dep, "pushed", repo+":"+tag,
				"digest", digest, "chain", strings.Join(chain, " > "), "max", MaxChain)
			continue
		}
		got, err := s.linkBuilds(ctx, dep, chain, digest)
		out = append(out, got...)
		if err != nil {
			errs = append(errs, fmt.Errorf("rebuilding %s after %s:%s: %w", dep, repo, tag, err))
		}
	}
	return out, errors.Join(errs...)
}

// pushChain is the chain a push of repo:tag at digest carries: when one
// of repo's link builds pushed it, that build's chain and repo; else repo
// alone. The push event may arrive before its build records the digest,
// so a link build of the tag still running counts as the pusher too.
func (s *Service) pushChain(ctx context.Context, repo, tag, digest string) ([]string, error) {
	list, err := s.d.Store.Builds(ctx, repo, chainScan)
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		if r.Trigger != TriggerLink || !slices.Contains(r.Tags, tag) {
			continue
		}
		if (r.Status == Succeeded && r.Digest == digest) || (r.Status == Running && r.Digest == "") {
			return append(slices.Clone(r.Cause), repo), nil
		}
	}
	return []string{repo}, nil
}

// linkBuilds queues dep's link builds for its autobuild rules.
func (s *Service) linkBuilds(ctx context.Context, dep string, chain []string, digest string) ([]Record, error) {
	st, err := s.Settings(ctx, dep)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	out := []Record{}
	for i, rule := range st.Config.Rules {
		if !rule.Autobuild {
			continue
		}
		id := linkID(dep, i, digest)
		if r, err := s.d.Store.Build(ctx, dep, id); err == nil {
			// Recorded by an earlier delivery of this push, which may have
			// stopped before queueing it: queueing again queues it once.
			if b := matchRule(st.Config, r.Ref, r.Commit, i); r.Status == Queued && b != nil {
				if err := s.queue(ctx, r, *b); err != nil {
					return out, err
				}
			}
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return out, err
		}
		ref, ok, err := s.linkRef(ctx, dep, i, rule)
		if err != nil || !ok {
			if err != nil {
				return out, err
			}
			s.d.Log.Info("builds: link not followed, the rule has built nothing yet", "repository", dep, "rule", i)
			continue
		}
		r, err := s.linkBuild(ctx, st, id, i, ref, chain)
		if errors.Is(err, ErrExists) {
			continue
		} else if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// linkBuild resolves ref's commit now and queues rule i's build of it. A
// source that cannot be read or no longer matches the rule is recorded as
// a failed build, so that the dependent's history shows why it did not
// rebuild.
func (s *Service) linkBuild(ctx context.Context, st Settings, id string, i int, ref Ref, chain []string) (Record, error) {
	b := Build{Rule: i, Ref: ref, Tag: st.Config.Rules[i].Tag}
	var why string
	got, commit, err := s.d.Sources.Resolve(ctx, st.Config.Source, ref.Full())
	if err != nil {
		why = (&SourceError{Err: err}).Error()
	} else if m := matchRule(st.Config, got, commit, i); m == nil {
		why = fmt.Sprintf("build rule %d no longer matches %s %q", i+1, ref.Type, ref.Name)
	} else {
		b = *m
	}
	r := s.record(id, st.Repository, b, TriggerLink)
	r.Cause = slices.Clone(chain)
	if why != "" {
		r.Status, r.Error, r.FinishedAt = Failed, "the linked image changed, but "+why, r.CreatedAt
	}
	if err := s.d.Store.AddBuild(ctx, r); err != nil {
		return r, err
	}
	if why != "" {
		s.done(ctx, r)
		return r, nil
	}
	return r, s.queue(ctx, r, b)
}

// matchRule returns rule i's build of ref at commit, or nil.
func matchRule(c Config, ref Ref, commit string, i int) *Build {
	for _, b := range c.Match(ref, commit) {
		if b.Rule == i {
			return &b
		}
	}
	return nil
}

// linkRef is the ref a link rebuilds for rule i: the literal branch or
// tag it names, or the ref of its newest succeeded build; ok is false
// when a regular-expression rule has never built.
func (s *Service) linkRef(ctx context.Context, repo string, i int, rule Rule) (Ref, bool, error) {
	if src := rule.Source; len(src) < 2 || !strings.HasPrefix(src, "/") || !strings.HasSuffix(src, "/") {
		return Ref{Type: rule.Type, Name: rule.Source}, true, nil
	}
	list, err := s.d.Store.Builds(ctx, repo, tagScan)
	if err != nil {
		return Ref{}, false, err
	}
	for _, r := range list {
		if r.Rule == i && r.Status == Succeeded {
			return r.Ref, true, nil
		}
	}
	return Ref{}, false, nil
}

// linkID is the ID of the link build of dep's rule i after digest.
func linkID(dep string, i int, digest string) string {
	sum := sha256.Sum256([]byte("berth link build\x00" + dep + "\x00" + strconv.Itoa(i) + "\x00" + digest))
	return "link-" + hex.EncodeToString(sum[:12])
}
