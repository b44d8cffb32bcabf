package e2e

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/publisher"
	"github.com/berth/berth/publishing"
	"github.com/berth/berth/signing"
)

// TestUploadPromotedOnceAcrossInstances runs two Berth instances over one
// data directory: one SQLite database (so one job queue) and one registry
// storage, each instance with its own embedded registry in front of it and
// its own publishing pipeline working the queue. Uploads are pushed to
// both registries at once and signed through the other one. Each must be
// promoted exactly once: one upload record per push, one catalog record
// per tag, and exactly one counter-signature by Berth's key on each
// promoted digest, in its .sig manifest and among its referrers. The two
// instances' registries have different hosts, so Berth's signatures from
// the two would name different references: a second promotion by either
// instance would show as a second signature, not merge with the first.
//
// It runs on SQLite only: the suite's MongoDB is FerretDB, whose claims
// are not atomic across processes (see jobs.Queue's claiming).
func TestUploadPromotedOnceAcrossInstances(t *testing.T) {
	w := newPublisherWorld(t)
	second := start(t, w.in.cfg)
	instances := []*instance{w.in, second}
	const uploads = 6

	digests := make([]string, uploads)
	var wg sync.WaitGroup
	for i := range uploads {
		wg.Go(func() {
			img, err := random.Image(2048, 2)
			if err != nil {
				t.Error(err)
				return
			}
			via := instances[i%2]
			if err := remote.Write(registryRepo(t, via, "staging/otto/app").Tag(twoTag(i)), img, w.pushAuth()); err != nil {
				t.Errorf("pushing %s through %s: %v", twoTag(i), via.Registry, err)
				return
			}
			d, err := img.Digest()
			if err != nil {
				t.Error(err)
				return
			}
			digests[i] = d.String()
			// Signed through the other instance's registry.
			staging := registryRepo(t, instances[(i+1)%2], "staging/otto/app")
			if err := signing.Attach(context.Background(), staging, digests[i], staging.Name(), w.key, w.pushAuth()); err != nil {
				t.Errorf("signing %s: %v", twoTag(i), err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	berthKey := cosignKey(t, w.in)
	for i, digest := range digests {
		tag := twoTag(i)
		if status, reason := w.upload(t, tag); status != "promoted" {
			t.Errorf("upload %s: %s (%s); want promoted", tag, status, reason)
			continue
		}
		for _, in := range instances {
			inTag, inRef := berthSignatures(t, w, in, digest, berthKey)
			if inTag != 1 || inRef != 1 {
				t.Errorf("%s (%s) read through %s: %d signatures by Berth's key in its .sig manifest and %d among its referrers; want 1 and 1",
					tag, digest, in.Registry, inTag, inRef)
			}
		}
	}

	// One upload record per push, each promoted once.
	var list struct {
		Uploads []struct{ ID, Tag, Digest, Status string }
	}
	w.in.call("GET", "/api/v1/publishers/ottosoft/uploads", "ottmar", "ottmar-password", nil, &list)
	perTag := map[string]int{}
	for _, u := range list.Uploads {
		perTag[u.Tag]++
	}
	for i, digest := range digests {
		tag := twoTag(i)
		if perTag[tag] != 1 {
			t.Errorf("%d upload records of %s, want 1: %+v", perTag[tag], tag, list.Uploads)
		}
		if id := publishing.UploadID("staging/otto/app", tag, digest); !hasUpload(list.Uploads, id) {
			t.Errorf("no upload %s of %s", id, tag)
		}
	}
	if len(list.Uploads) != uploads {
		t.Errorf("%d upload records, want %d", len(list.Uploads), uploads)
	}

	// One catalog record per tag, signed, as both instances answer.
	for _, in := range instances {
		var tags struct {
			Tags []struct{ Name, Digest string }
		}
		in.call("GET", "/api/v1/images/otto/app/tags", "", "", nil, &tags)
		records := map[string]int{}
		for _, tg := range tags.Tags {
			records[tg.Name]++
		}
		for i, digest := range digests {
			tag := twoTag(i)
			var one struct {
				Digest string
				Signed bool
			}
			if records[tag] != 1 {
				t.Errorf("%s lists %d catalog records of %s, want 1", in.URL, records[tag], tag)
			} else if status := in.call("GET", "/api/v1/images/otto/app/tags/"+tag, "", "", nil, &one); status != http.StatusOK ||
				one.Digest != digest || !one.Signed {
				t.Errorf("%s: catalog record of %s = %d %+v; want %s, signed", in.URL, tag, status, one, digest)
			}
		}
	}
}

// TestUploadJobRerun runs an upload's job again after it promoted, as the
// queue would after a worker died between its last registry write and
// the record of its outcome: first with the outcome recorded (the job
// finds the upload promoted and changes nothing), then with the upload
// put back to waiting (the crash before the record), where the promotion
// is repeated and must write no second counter-signature, referrer or
// catalog record.
func TestUploadJobRerun(t *testing.T) {
	w := newPublisherWorld(t)
	ctx := context.Background()
	img, err := random.Image(2048, 2)
	must(t, err)
	digest := w.pushStaging(t, "5.0", img)
	w.sign(t, digest, w.key)
	if status, reason := w.upload(t, "5.0"); status != "promoted" {
		t.Fatalf("upload: %s (%s); want promoted", status, reason)
	}
	store := w.in.srv.Backend.Stores.Publishers
	id := publishing.UploadID("staging/otto/app", "5.0", digest)
	promoted, err := store.Upload(ctx, id)
	must(t, err)
	berthKey := cosignKey(t, w.in)
	sigManifest := func() string {
		t.Helper()
		tag, err := signing.SignatureTag(digest)
		must(t, err)
		desc, err := remote.Head(w.repo(t, "otto/app").Tag(tag), w.readerAuth())
		must(t, err)
		return desc.Digest.String()
	}
	before := sigManifest()
	check := func(when string) {
		t.Helper()
		if inTag, inRef := berthSignatures(t, w, w.in, digest, berthKey); inTag != 1 || inRef != 1 {
			t.Errorf("%s: %d signatures by Berth's key in the .sig manifest and %d among the referrers; want 1 and 1", when, inTag, inRef)
		}
		if got := sigManifest(); got != before {
			t.Errorf("%s: the .sig manifest was rewritten: %s, was %s", when, got, before)
		}
		var tags struct{ Tags []struct{ Name string } }
		w.in.call("GET", "/api/v1/images/otto/app/tags", "", "", nil, &tags)
		if n := countTag(tags.Tags, "5.0"); n != 1 {
			t.Errorf("%s: %d catalog records of 5.0, want 1", when, n)
		}
		var list struct{ Uploads []struct{ Tag string } }
		w.in.call("GET", "/api/v1/publishers/ottosoft/uploads", "ottmar", "ottmar-password", nil, &list)
		if len(list.Uploads) != 1 {
			t.Errorf("%s: %d upload records, want 1", when, len(list.Uploads))
		}
	}

	// Run again after the outcome was recorded: nothing changes.
	must(t, w.in.srv.Backend.Pipeline.Step(ctx, []byte(id)))
	if got, err := store.Upload(ctx, id); err != nil || got != promoted {
		t.Errorf("upload after the re-run = %+v, %v; want it unchanged: %+v", got, err, promoted)
	}
	check("re-run after the outcome")

	// The crash before the outcome's record: the upload still waits.
	crashed := promoted
	crashed.Status, crashed.Reason, crashed.Attempts = publisher.UploadWaiting, "waiting for a signature of "+digest, promoted.Attempts+1
	must(t, store.StepUpload(ctx, crashed, promoted.Attempts))
	must(t, w.in.srv.Backend.Pipeline.Step(ctx, []byte(id)))
	got, err := store.Upload(ctx, id)
	must(t, err)
	if got.Status != publisher.UploadPromoted || got.Attempts != crashed.Attempts+1 {
		t.Errorf("upload after the re-run of the crashed promotion = %+v; want promoted on attempt %d", got, crashed.Attempts+1)
	}
	check("re-run after a crash mid-promotion")
}

// twoTag is the tag of the i-th upload of the two-instance test.
func twoTag(i int) string { return fmt.Sprintf("7.%d", i) }

// registryRepo names path in the registry in front of in.
func registryRepo(t *testing.T, in *instance, path string) name.Repository {
	r, err := name.NewRepository(in.Registry+"/"+path, name.Insecure)
	must(t, err)
	return r
}

// readerAuth is a credential that reads every manifest and blob of
// otto/app, signatures and referrers included: its publisher's member.
func (w *publisherWorld) readerAuth() remote.Option {
	return remote.WithAuth(&authn.Basic{Username: "ottmar", Password: "ottmar-password"})
}

// cosignKey reads Berth's signing key from /.well-known/cosign.pub.
func cosignKey(t *testing.T, in *instance) crypto.PublicKey {
	t.Helper()
	resp, err := http.Get(in.URL + "/.well-known/cosign.pub")
	must(t, err)
	defer resp.Body.Close()
	pemBytes, err := io.ReadAll(resp.Body)
	must(t, err)
	key, err := signing.ParsePublicKey(pemBytes)
	must(t, err)
	return key
}

// berthSignatures counts the signatures key verifies on digest in
// otto/app, read through in's registry as the buyer: the layers of its
// cosign .sig manifest, and the layers of its cosign signature referrers.
// It reads the manifests as JSON itself, whatever docker-reference the
// signatures name.
func berthSignatures(t *testing.T, w *publisherWorld, in *instance, digest string, key crypto.PublicKey) (inTag, inReferrers int) {
	t.Helper()
	repo := registryRepo(t, in, "otto/app")
	sigTag, err := signing.SignatureTag(digest)
	must(t, err)
	inTag = signedLayers(t, w, repo, repo.Tag(sigTag), key)
	idx, err := remote.Referrers(repo.Digest(digest), w.readerAuth())
	must(t, err)
	list, err := idx.IndexManifest()
	must(t, err)
	for _, m := range list.Manifests {
		if m.ArtifactType == signing.SignatureArtifactType {
			inReferrers += signedLayers(t, w, repo, repo.Digest(m.Digest.String()), key)
		}
	}
	return inTag, inReferrers
}

// signedLayers counts the layers of the manifest ref whose cosign
// signature annotation key verifies over the layer's bytes.
func signedLayers(t *testing.T, w *publisherWorld, repo name.Repository, ref name.Reference, key crypto.PublicKey) int {
	t.Helper()
	desc, err := remote.Get(ref, w.readerAuth())
	must(t, err)
	var m struct {
		Layers []struct {
			Digest      string
			Annotations map[string]string
		}
	}
	must(t, json.Unmarshal(desc.Manifest, &m))
	n := 0
	for _, l := range m.Layers {
		sig, err := base64.StdEncoding.DecodeString(l.Annotations["dev.cosignproject.cosign/signature"])
		if err != nil || len(sig) == 0 {
			continue
		}
		layer, err := remote.Layer(repo.Digest(l.Digest), w.readerAuth())
		must(t, err)
		rc, err := layer.Compressed()
		must(t, err)
		payload, err := io.ReadAll(rc)
		rc.Close()
		must(t, err)
		if signing.Verify(key, payload, sig) == nil {
			n++
		}
	}
	return n
}

func hasUpload(list []struct{ ID, Tag, Digest, Status string }, id string) bool {
	for _, u := range list {
		if u.ID == id {
			return true
		}
	}
	return false
}

func countTag(tags []struct{ Name string }, name string) int {
	n := 0
	for _, tg := range tags {
		if strings.EqualFold(tg.Name, name) {
			n++
		}
	}
	return n
}

// TestWaitingUploadResumed: an upload left waiting without a job, as the
// pipeline's own loop of earlier versions left them, gets its job when
// the pipeline resumes (at every start) and is promoted.
func TestWaitingUploadResumed(t *testing.T) {
	w := newPublisherWorld(t)
	ctx := context.Background()
	img, err := random.Image(2048, 2)
	must(t, err)
	digest := w.pushStaging(t, "6.0", img)
	w.sign(t, digest, w.key)
	if status, reason := w.upload(t, "6.0"); status != "promoted" {
		t.Fatalf("upload: %s (%s); want promoted", status, reason)
	}
	first, err := w.in.srv.Backend.Stores.Publishers.Upload(ctx, publishing.UploadID("staging/otto/app", "6.0", digest))
	must(t, err)
	// The same signed digest, recorded as an earlier Berth did: a random
	// ID, waiting, and no job.
	old := first
	old.ID, old.Tag, old.Status, old.Reason, old.Attempts = "0ld1d", "6.1", publisher.UploadWaiting, "waiting for a signature of "+digest, 3
	if _, created, err := w.in.srv.Backend.Stores.Publishers.CreateUpload(ctx, old); err != nil || !created {
		t.Fatalf("recording the old upload: %v, created %v", err, created)
	}
	w.in.srv.Backend.Pipeline.Resume(ctx)
	if status, reason := w.upload(t, "6.1"); status != "promoted" {
		t.Fatalf("resumed upload: %s (%s); want promoted", status, reason)
	}
	if err := w.buyerPulls(t, "otto/app", "6.1"); err != nil {
		t.Errorf("the buyer cannot pull the resumed upload's tag: %v", err)
	}
}
