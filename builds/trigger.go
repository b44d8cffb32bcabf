package builds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/berth/berth/internal/secret"
)

// JobKind is the kind of the job queue's build jobs.
const JobKind = "build"

// job is a build job's payload: the record to run and the rule as it was
// when the build was asked for, so that editing the rules later does not
// change a queued build.
type job struct {
	Repository string            `json:"repository"`
	ID         string            `json:"id"`
	Dockerfile string            `json:"dockerfile"`
	Context    string            `json:"context"`
	Tag        string            `json:"tag"`
	BuildArgs  map[string]string `json:"build_args,omitempty"`
}

// Trigger builds ref (a branch or tag name, or a full ref) of repo's
// source by hand: it asks the remote for the ref's commit now and queues a
// build for every rule that matches, autobuild or not.
func (s *Service) Trigger(ctx context.Context, repo, ref string) ([]Record, error) {
	if ref == "" || len(ref) > maxField || !refName.MatchString(ref) {
		return nil, &InvalidError{Field: "ref", Message: "name a branch or tag, such as main or v1.2"}
	}
	st, err := s.Settings(ctx, repo)
	if err != nil {
		return nil, err
	}
	r, commit, err := s.d.Sources.Resolve(ctx, st.Config.Source, ref)
	if errors.Is(err, ErrRefNotFound) {
		return nil, &InvalidError{Field: "ref", Message: fmt.Sprintf("the source has no branch or tag %q", ref)}
	} else if err != nil {
		return nil, &SourceError{Err: err}
	}
	matches := st.Config.Match(r, commit)
	if len(matches) == 0 {
		return nil, &InvalidError{Field: "ref", Message: fmt.Sprintf("no build rule matches %s %q", r.Type, r.Name)}
	}
	return s.enqueue(ctx, repo, matches, TriggerManual)
}

// SourceError is a Git remote that could not be reached or read: the
// user's source is wrong or down, which is not Berth's failure.
type SourceError struct{ Err error }

func (e *SourceError) Error() string { return "reading the Git source: " + e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }

// Hook takes a forge's push webhook for repo: it verifies it with repo's
// hook secret (ErrBadSignature, also when repo has no build settings, so
// that a caller learns nothing), then queues a build for every autobuild
// rule each pushed ref matches. A ping or another event builds nothing and
// is no error.
func (s *Service) Hook(ctx context.Context, repo string, forge Forge, h http.Header, body []byte) ([]Record, error) {
	if !slices.Contains(Forges, forge) {
		return nil, &InvalidError{Field: "forge", Message: "use github, gitlab, bitbucket or gitea"}
	}
	st, err := s.Settings(ctx, repo)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%s has no build settings: %w", repo, ErrBadSignature)
	} else if err != nil {
		return nil, err
	}
	pushes, err := ParsePush(forge, h, body, st.HookSecret)
	if errors.Is(err, ErrNotPush) {
		return []Record{}, nil
	} else if err != nil {
		return nil, err
	}
	var want []Build
	for _, p := range pushes {
		want = append(want, st.Config.Autobuilds(p.Ref, p.Commit)...)
	}
	return s.enqueue(ctx, repo, want, TriggerPush)
}

// enqueue records each build, queued, and puts it on the job queue.
func (s *Service) enqueue(ctx context.Context, repo string, want []Build, trigger Trigger) ([]Record, error) {
	out := []Record{}
	for _, b := range want {
		r := s.record(secret.ID(), repo, b, trigger)
		if err := s.d.Store.AddBuild(ctx, r); err != nil {
			return out, err
		}
		if err := s.queue(ctx, r, b); err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// record is a new, queued build of b.
func (s *Service) record(id, repo string, b Build, trigger Trigger) Record {
	return Record{ID: id, Repository: repo, Rule: b.Rule, Ref: b.Ref, Commit: b.Commit, Tags: []string{b.Tag},
		Status: Queued, Trigger: trigger, CreatedAt: s.now().UTC()}
}

// queue puts r, stored already, on the job queue; the job's ID is the
// record's, so queueing it twice queues it once.
func (s *Service) queue(ctx context.Context, r Record, b Build) error {
	payload, _ := json.Marshal(job{Repository: r.Repository, ID: r.ID, Dockerfile: b.Dockerfile, Context: b.Context,
		Tag: b.Tag, BuildArgs: b.BuildArgs})
	if _, err := s.d.Queue.Enqueue(ctx, JobKind, "build:"+r.ID, payload); err != nil {
		r.Status, r.Error, r.FinishedAt = Failed, "Berth could not queue the build; try again", s.now().UTC()
		_ = s.d.Store.UpdateBuild(context.WithoutCancel(ctx), r)
		return err
	}
	return nil
}

// Cancel stops one of repo's builds: a queued one never starts, a running
// one is stopped by whichever instance runs it within Options.Poll. A
// finished build is returned as it is.
func (s *Service) Cancel(ctx context.Context, repo, id string) (Record, error) {
	r, err := s.d.Store.Build(ctx, repo, id)
	if err != nil || r.Status.Final() {
		return r, err
	}
	if r, err = s.d.Store.RequestCancel(ctx, repo, id); err != nil {
		return r, err
	}
	if r.Status == Queued {
		r.Status, r.Error, r.FinishedAt = Cancelled, "cancelled before it started", s.now().UTC()
		if err := s.d.Store.UpdateBuild(ctx, r); err != nil {
			return r, err
		}
		s.done(ctx, r)
	}
	return r, nil
}

// Final reports whether a build in status st has ended.
func (st Status) Final() bool { return st == Succeeded || st == Failed || st == Cancelled }

// Build returns one of repo's builds, or ErrNotFound.
func (s *Service) Build(ctx context.Context, repo, id string) (Record, error) {
	return s.d.Store.Build(ctx, repo, id)
}

// Builds lists repo's builds, newest first, at most limit (1 to 200; 50
// when out of range).
func (s *Service) Builds(ctx context.Context, repo string, limit int) ([]Record, error) {
	if limit < 1 || limit > 200 {
		limit = 50
	}
	return s.d.Store.Builds(ctx, repo, limit)
}

// Log returns a build's log from offset on; ErrNotFound when repo has no
// such build.
func (s *Service) Log(ctx context.Context, repo, id string, offset int64) ([]byte, error) {
	if _, err := s.d.Store.Build(ctx, repo, id); err != nil {
		return nil, err
	}
	return s.d.Store.Log(ctx, id, max(offset, 0))
}

// Latest returns repo's newest build, or ErrNotFound: what a status badge
// shows.
func (s *Service) Latest(ctx context.Context, repo string) (Record, error) {
	list, err := s.d.Store.Builds(ctx, repo, 1)
	if err != nil {
		return Record{}, err
	}
	if len(list) == 0 {
		return Record{}, ErrNotFound
	}
	return list[0], nil
}

// tagScan bounds how far back TagBuild looks.
const tagScan = 500

// TagBuild returns the newest succeeded build of repo that pushed tag
// (among its last 500 builds), or ErrNotFound: the commit a tag page
// shows.
func (s *Service) TagBuild(ctx context.Context, repo, tag string) (Record, error) {
	list, err := s.d.Store.Builds(ctx, repo, tagScan)
	if err != nil {
		return Record{}, err
	}
	for _, r := range list {
		if r.Status == Succeeded && slices.Contains(r.Tags, tag) {
			return r, nil
		}
	}
	return Record{}, ErrNotFound
}

// done tells OnDone of an ended build.
func (s *Service) done(ctx context.Context, r Record) {
	if s.d.OnDone != nil {
		s.d.OnDone(context.WithoutCancel(ctx), r)
	}
}
