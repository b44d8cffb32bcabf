package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/jobs"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/publishing"
	"github.com/berth/berth/server"
	"github.com/berth/berth/signing"
)

// TestKilledMidPromotionFinishedByTheOther runs two berth processes over one
// data directory: one SQLite database, so one job queue, and one registry
// storage, each process with its own embedded registry, the same KEK and
// the same registry service. A, armed with the publishing-after-sign
// failpoint and a 3 s job lease, takes a publisher's signed upload and dies
// mid-promotion: the tag is copied and counter-signed, but neither the
// catalog record nor the upload's outcome is written, and the job's lease
// is A's. B, started after A's death, takes the job once that lease ends
// and finishes it: the upload is promoted, the tag is in the catalog once,
// and Berth's counter-signature is there exactly once (B repeated the copy
// and the signature, which changed nothing).
//
// On MongoDB (the in-process FerretDB, reached by both processes on
// loopback) the two share the database instead of the SQLite file; the
// registry storage is still the one data directory's.
func TestKilledMidPromotionFinishedByTheOther(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { killMidPromotion(t, nil) })
	t.Run("mongodb", func(t *testing.T) {
		uri := mongotest.StartURI(t) // its path names the test's database, dropped after it
		killMidPromotion(t, map[string]string{"BERTH_MONGO_URI": uri, "BERTH_MONGO_DATABASE": uri[strings.LastIndex(uri, "/")+1:]})
	})
}

func killMidPromotion(t *testing.T, database map[string]string) {
	dir := t.TempDir()
	key, err := kek.Generate()
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"BERTH_ADDR": "localhost:0", "BERTH_REGISTRY_ADDR": "localhost:0", "BERTH_DATA_DIR": dir,
		"BERTH_LOG_FORMAT": "json", "BERTH_KEK": strings.TrimSpace(key.Encode()), "BERTH_REGISTRY_SERVICE": "registry.berth.test",
		"BERTH_JOB_LEASE": "3s", "BERTH_SIGNATURE_WAIT": "1m"}
	for k, v := range database {
		vars[k] = v
	}
	armed := map[string]string{"BERTH_FAILPOINT": "publishing-after-sign"}
	for k, v := range vars {
		armed[k] = v
	}
	if _, stderr, err := cliVars(t, vars, "ada-password\n", "user", "create", "--username", "ada", "--email", "ada@example.com", "--admin"); err != nil {
		t.Fatalf("creating the admin: %v\n%s", err, stderr)
	}
	a, rec := startServe(t, armed)
	web, reg := rec["web"].(string), rec["registry"].(string)
	waitReady(t, web)
	signer, pushToken := publisherSetUp(t, web)

	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	digest := d.String()
	push := remote.WithAuth(&authn.Basic{Username: "ottmar", Password: pushToken})
	staging := mustRepo(t, reg, "staging/otto/app")
	if err := remote.Write(staging.Tag("1.0"), img, push); err != nil {
		t.Fatal(err)
	}
	if err := signing.Attach(context.Background(), staging, digest, staging.Name(), signer, push); err != nil {
		t.Fatal(err)
	}

	select {
	case err := <-a.done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 86 || !strings.Contains(a.logs(), "failpoint publishing-after-sign") {
			t.Fatalf("A exited with %v, not at its failpoint (exit code 86):\n%s", err, a.logs())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("A still running 30s after the upload was signed: the failpoint did not fire\n%s", a.logs())
	}
	// A died after the copy and the counter-signature, before their
	// records: the upload waits, the catalog has no record of the tag, and
	// the upload's job is leased to A's dead worker.
	leftBehind(t, vars, digest)
	b, rec := startServe(t, vars)
	web, reg = rec["web"].(string), rec["registry"].(string)
	if db, _ := rec["database"].(string); (vars["BERTH_MONGO_URI"] != "") != strings.HasPrefix(db, "mongodb") {
		t.Fatalf("B runs on database %q", db)
	}
	waitReady(t, web)

	deadline := time.Now().Add(30 * time.Second)
	for {
		status, reason := uploadStatus(t, web, "1.0")
		if status == "promoted" {
			break
		}
		if status != "waiting" || time.Now().After(deadline) {
			t.Fatalf("the upload of 1.0 on B: %q (%s); want promoted within 30s\n%s", status, reason, b.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := catalogRecords(t, web, "1.0"); n != 1 {
		t.Errorf("the catalog lists 1.0 %d times, want 1", n)
	}
	berthKey := cosignPub(t, web)
	read := remote.WithAuth(&authn.Basic{Username: "ottmar", Password: "ottmar-password"})
	target := mustRepo(t, reg, "otto/app")
	inTag, inRef := countBerthSignatures(t, target, digest, berthKey, read)
	if inTag != 1 || inRef != 1 {
		t.Errorf("%d signatures by Berth's key in the .sig manifest of %s and %d among its referrers; want 1 and 1", inTag, digest, inRef)
	}
	if strings.Contains(b.logs(), `"level":"ERROR"`) {
		t.Errorf("B logged errors:\n%s", b.logs())
	}
}

// leftBehind checks, in the database no berth process has open, what A's death
// left: the upload of 1.0 waiting, no catalog record of otto/app:1.0, and
// the upload's job pending under A's lease, of BERTH_JOB_LEASE.
func leftBehind(t *testing.T, vars map[string]string, digest string) {
	t.Helper()
	ctx := context.Background()
	cfg := server.Defaults()
	cfg.DataDir, cfg.MongoURI = vars["BERTH_DATA_DIR"], vars["BERTH_MONGO_URI"]
	if db := vars["BERTH_MONGO_DATABASE"]; db != "" {
		cfg.MongoDatabase = db
	}
	stores, err := server.OpenStores(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer stores.Close(ctx)
	id := publishing.UploadID("staging/otto/app", "1.0", digest)
	if u, err := stores.Publishers.Upload(ctx, id); err != nil || u.Status != publisher.UploadWaiting {
		t.Errorf("after A's death the upload is %+v, %v; want it waiting", u, err)
	}
	if tag, err := stores.Tags.Tag(ctx, "otto/app", "1.0"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("after A's death the catalog holds otto/app:1.0: %+v, %v; want no record", tag, err)
	}
	j, err := stores.Jobs.Job(ctx, publishing.UploadJob+":"+id)
	if err != nil || j.Status != jobs.Pending || j.Lease == "" {
		t.Fatalf("after A's death the upload's job is %+v, %v; want it pending under A's lease", j, err)
	}
	// The lease A took ends BERTH_JOB_LEASE after its claim (UpdatedAt),
	// or a beat or more later if a heartbeat (every second) extended it;
	// the default lease would be 30 s.
	if lease := j.RunAt.Sub(j.UpdatedAt); lease < 3*time.Second || lease >= 30*time.Second {
		t.Errorf("A's lease of the upload's job ends %s after its claim; want BERTH_JOB_LEASE's 3s (plus heartbeats)", lease)
	}
}

// cliVars runs the berth command line in-process with vars as its
// environment and stdin as standard input.
func cliVars(t *testing.T, vars map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut strings.Builder
	err = run(ctx, args, func(k string) string { return vars[k] }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// publisherSetUp makes, through the API of web: user ottmar, his
// organisation ottoco, its publisher ottosoft under namespace otto
// (approved by the admin ada), a registered ECDSA signing key, a draft
// listing of otto/app and a push token. It returns the key and the token.
func publisherSetUp(t *testing.T, web string) (crypto.Signer, string) {
	t.Helper()
	call(t, "POST", web+"/api/v1/users", "", map[string]string{"username": "ottmar", "email": "ottmar@example.com", "password": "ottmar-password"}, http.StatusCreated, nil)
	call(t, "POST", web+"/api/v1/orgs", "ottmar:ottmar-password", map[string]string{"name": "ottoco", "display_name": "Otto Co"}, http.StatusCreated, nil)
	call(t, "POST", web+"/api/v1/publishers", "ottmar:ottmar-password", map[string]any{
		"slug": "ottosoft", "name": "Otto Software", "organization": "ottoco", "namespaces": []string{"otto"}}, http.StatusCreated, nil)
	call(t, "POST", web+"/api/v1/admin/publishers/ottosoft/review", "ada:ada-password",
		map[string]any{"decision": "approve", "verified": true}, http.StatusOK, nil)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := signing.MarshalPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	call(t, "POST", web+"/api/v1/publishers/ottosoft/keys", "ottmar:ottmar-password",
		map[string]any{"name": "release key", "public_key": string(pub)}, http.StatusCreated, nil)
	call(t, "POST", web+"/api/v1/publishers/ottosoft/products", "ottmar:ottmar-password", map[string]any{"slug": "otto-app",
		"name": "Otto App", "kind": "image", "summary": "An app by Otto.", "repositories": []string{"otto/app"},
		"tiers": []map[string]any{{"id": "free", "name": "Free"}}}, http.StatusCreated, nil)
	var tok struct{ Token string }
	call(t, "POST", web+"/api/v1/publishers/ottosoft/push-tokens", "ottmar:ottmar-password", map[string]any{"name": "release"}, http.StatusCreated, &tok)
	return key, tok.Token
}

func mustRepo(t *testing.T, registryURL, path string) name.Repository {
	t.Helper()
	r, err := name.NewRepository(strings.TrimPrefix(registryURL, "http://")+"/"+path, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// uploadStatus is the status and reason of ottosoft's upload of tag, ""
// when there is none.
func uploadStatus(t *testing.T, web, tag string) (string, string) {
	t.Helper()
	var list struct {
		Uploads []struct{ Tag, Status, Reason string }
	}
	call(t, "GET", web+"/api/v1/publishers/ottosoft/uploads", "ottmar:ottmar-password", nil, http.StatusOK, &list)
	status, reason, n := "", "", 0
	for _, u := range list.Uploads {
		if u.Tag == tag {
			status, reason = u.Status, u.Reason
			n++
		}
	}
	if n > 1 {
		t.Fatalf("%d uploads of %s, want 1: %+v", n, tag, list.Uploads)
	}
	return status, reason
}

// catalogRecords counts the catalog's records of otto/app:tag (none while
// the catalog does not know otto/app).
func catalogRecords(t *testing.T, web, tag string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", web+"/api/v1/images/otto/app/tags", nil)
	req.SetBasicAuth("ottmar", "ottmar-password")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return 0
	}
	var tags struct{ Tags []struct{ Name string } }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&tags) != nil {
		t.Fatalf("listing the tags of otto/app: %s", resp.Status)
	}
	n := 0
	for _, tg := range tags.Tags {
		if tg.Name == tag {
			n++
		}
	}
	return n
}
