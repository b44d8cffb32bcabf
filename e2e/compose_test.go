package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/signing"
)

// TestComposeStack runs the two-instance tests against the compose stack
// itself (docker-compose.yml with docker-compose.ci.yml): two Berth
// containers on one FerretDB and one S3 server, each a static binary in a
// FROM scratch image, reached only through ports published on localhost.
//
//   - A license bought on A pulls with `docker pull` and with
//     go-containerregistry through B's registry front and B's token realm.
//   - A revocation on B (the operator command in B's container) makes A
//     refuse the key's next token at once.
//   - `docker kill` of the instance posting a webhook, while the endpoint
//     holds the post: the other instance delivers it when the lease ends,
//     once, and nobody posts it again.
//   - `docker network disconnect` of the instance posting the next one:
//     the other delivers it; after the cut-off instance is reconnected
//     nothing is posted again, and each upload is promoted and
//     counter-signed once.
//
// It skips only when `docker info` fails.
func TestComposeStack(t *testing.T) {
	hooks := newHoldingReceiver()
	s := startStack(t, "BERTH_JOB_LEASE=6s", "BERTH_WEBHOOK_ALLOW_PRIVATE=true", "BERTH_SIGNATURE_WAIT=1m")
	w := composePublisher(t, s)
	s.step("publisher approved, key registered, listing published (API on A, admin made in A's container)")

	// Push through A, sign through B: promoted once.
	digest := pushAndSign(t, w, s.A, s.B, "1.0")
	if status, reason := w.upload(t, "1.0"); status != "promoted" {
		t.Fatalf("upload 1.0: %s (%s)", status, reason)
	}
	s.step("upload pushed through A, signed through B, promoted")

	// Buy on A, pull through B.
	if st := s.A.call("POST", "/api/v1/users", "", "", map[string]string{"username": "bea", "email": "bea@example.com", "password": "bea-password"}, nil); st != http.StatusCreated {
		t.Fatalf("sign-up on A: %d", st)
	}
	var bought struct{ License licenseJSON }
	if st := s.A.call("POST", "/api/v1/products/otto-app/checkout", "bea", "bea-password", map[string]any{"tier": "express", "accept_terms": true}, &bought); st != http.StatusCreated || bought.License.Key == "" {
		t.Fatalf("taking the free tier on A: %d %+v", st, bought)
	}
	s.step("free tier bought on A")
	dockerPull(t, s, "bea", bought.License.Key, s.B.Registry+"/otto/app:1.0", digest)
	s.step("docker pull through B's registry front, B's token realm")
	img, err := remote.Image(registryRepo(t, s.B, "otto/app").Tag("1.0"), remote.WithAuth(&authn.Basic{Username: "bea", Password: bought.License.Key}))
	must(t, err)
	if d, err := img.Digest(); err != nil || d.String() != digest {
		t.Fatalf("go-containerregistry pulled %v through B (%v), want %s", d, err, digest)
	}
	if _, err := img.RawConfigFile(); err != nil {
		t.Fatalf("reading the config through B: %v", err)
	}
	s.step("go-containerregistry pull through B")

	// Revoke on B: A refuses the next token at once.
	if st := tokenStatus(t, s.A, "berth", "otto/app", "bea", bought.License.Key); st != http.StatusOK {
		t.Fatalf("A's token endpoint before the revocation: %d, want 200", st)
	}
	s.run(time.Minute, nil, "docker", "exec", s.container("berth-b"), "/berth", "license", "revoke", bought.License.ID)
	if st := tokenStatus(t, s.A, "berth", "otto/app", "bea", bought.License.Key); st != http.StatusUnauthorized {
		t.Errorf("A's token endpoint right after the revocation on B: %d, want 401", st)
	}
	s.step("revoked in B's container; A refuses a new token at once")

	// Webhooks, delivered through the network's gateway to the test.
	hookURL := hooks.listen(t, s.gateway())
	var ep struct{ ID string }
	if st := s.A.call("POST", "/api/v1/publishers/ottosoft/webhooks", "ottmar", "ottmar-password",
		map[string]any{"url": hookURL, "events": []string{"upload.verified"}}, &ep); st != http.StatusCreated {
		t.Fatalf("adding a webhook: %d", st)
	}
	ips := map[string]string{s.ip("berth-a"): "berth-a", s.ip("berth-b"): "berth-b"}

	// docker kill the instance posting, mid-delivery.
	killedDigest := pushAndSign(t, w, s.A, s.B, "2.0")
	first := hooks.waitPost(t, 30*time.Second, func(p hookPost) bool { return true })
	poster := ips[first.from]
	if poster == "" {
		t.Fatalf("the webhook came from %s, neither instance (%v)", first.from, ips)
	}
	s.step("delivery of 2.0 held at the endpoint, posted by " + poster)
	s.step("docker kill " + poster + " issued")
	s.run(time.Minute, nil, "docker", "kill", s.container(poster))
	s.step("docker kill " + poster + " returned")
	hooks.answer()
	other := otherOf(poster)
	second := hooks.waitPost(t, 30*time.Second, func(p hookPost) bool { return p.delivery == first.delivery && ips[p.from] == other })
	s.step(fmt.Sprintf("%s posted the same delivery (%.1fs after the first post)", other, second.at.Sub(first.at).Seconds()))
	survivor := s.A
	if other == "berth-b" {
		survivor = s.B
	}
	waitDelivered(t, survivor, ep.ID, first.delivery)
	onSurvivor := *w
	onSurvivor.in = survivor
	if status, _ := onSurvivor.upload(t, "2.0"); status != "promoted" {
		t.Errorf("upload 2.0: %s, want promoted", status)
	}

	// Restart the killed one; cut the next poster off the network.
	s.run(time.Minute, nil, "docker", "start", s.container(poster))
	s.waitHealthy(poster)
	s.step(poster + " started again, healthy")
	ips = map[string]string{s.ip("berth-a"): "berth-a", s.ip("berth-b"): "berth-b"}
	hooks.hold()
	cutDigest := pushAndSign(t, &onSurvivor, survivor, survivor, "3.0")
	third := hooks.waitPost(t, 30*time.Second, func(p hookPost) bool { return p.delivery != first.delivery })
	cut := ips[third.from]
	s.step("delivery of 3.0 held at the endpoint, posted by " + cut)
	s.step("docker network disconnect " + cut + " issued")
	s.run(time.Minute, nil, "docker", "network", "disconnect", s.network(), s.container(cut))
	s.step("docker network disconnect " + cut + " returned")
	hooks.answer()
	fourth := hooks.waitPost(t, 30*time.Second, func(p hookPost) bool { return p.delivery == third.delivery && ips[p.from] == otherOf(cut) })
	s.step(fmt.Sprintf("%s posted the same delivery (%.1fs after the first post)", otherOf(cut), fourth.at.Sub(third.at).Seconds()))
	connected := s.A
	if cut == "berth-a" {
		connected = s.B
	}
	waitDelivered(t, connected, ep.ID, third.delivery)
	s.run(time.Minute, nil, "docker", "network", "connect", s.network(), s.container(cut))
	s.waitHealthy(cut)
	s.step(cut + " reconnected, healthy")
	// Two leases and the queues' polling: time for anything left behind
	// to run again, were it going to.
	time.Sleep(8 * time.Second)

	// Nothing lost, nothing done twice: each delivery was answered 200
	// exactly once, to the instance that stayed, and nobody posted it
	// after that. Posts that got no answer (the held one, and any attempt
	// whose lease had lapsed under load) are attempts, not deliveries.
	perDelivery := map[string][]hookPost{}
	for _, p := range hooks.all() {
		perDelivery[p.delivery] = append(perDelivery[p.delivery], p)
	}
	if len(perDelivery) != 2 {
		t.Errorf("%d deliveries posted, want 2 (2.0 and 3.0): %+v", len(perDelivery), hooks.all())
	}
	for _, c := range []struct{ id, stayed string }{{first.delivery, other}, {third.delivery, otherOf(cut)}} {
		posts := perDelivery[c.id]
		answered := 0
		for _, p := range posts {
			if p.answered {
				answered++
			}
		}
		last := posts[len(posts)-1]
		if answered != 1 || !last.answered || ips[last.from] != c.stayed {
			t.Errorf("delivery %s: %d posts, %d answered, the last by %s answered=%v; want one answered, to %s, and nothing after it: %+v",
				c.id, len(posts), answered, ips[last.from], last.answered, c.stayed, posts)
		}
		s.step(fmt.Sprintf("delivery %s: %d posts, 1 answered (by %s)", c.id, len(posts), c.stayed))
	}
	for _, d := range []string{digest, killedDigest, cutDigest} {
		for _, in := range []*instance{s.A, s.B} {
			if inTag, inRef := berthSignatures(t, w, in, d, cosignKey(t, in)); inTag != 1 || inRef != 1 {
				t.Errorf("%s read through %s: %d counter-signatures in its .sig manifest, %d among its referrers; want 1 and 1", d, in.Registry, inTag, inRef)
			}
		}
	}
	var list struct {
		Uploads []struct{ Tag, Status string }
	}
	s.A.call("GET", "/api/v1/publishers/ottosoft/uploads", "ottmar", "ottmar-password", nil, &list)
	if len(list.Uploads) != 3 {
		t.Errorf("%d upload records, want 3: %+v", len(list.Uploads), list.Uploads)
	}
	for _, u := range list.Uploads {
		if u.Status != "promoted" {
			t.Errorf("upload %s: %s, want promoted", u.Tag, u.Status)
		}
	}
	s.step("checked: each upload promoted and counter-signed once, one upload record each")
}

func otherOf(service string) string {
	if service == "berth-a" {
		return "berth-b"
	}
	return "berth-a"
}

// composePublisher makes, through the stack, what newPublisherWorld makes
// in-process: an admin (the operator command in A's container), a
// publisher approved by it with a signing key and a push token, and a
// published listing of otto/app with a free tier.
func composePublisher(t *testing.T, s *stack) *publisherWorld {
	t.Helper()
	s.run(time.Minute, strings.NewReader("ada-password\n"), "docker", "exec", "-i", s.container("berth-a"),
		"/berth", "user", "create", "--username", "ada", "--email", "ada@example.com", "--admin")
	a := s.A
	for _, c := range []struct {
		path, user, pass string
		body             any
	}{
		{"/api/v1/users", "", "", map[string]string{"username": "ottmar", "email": "ottmar@example.com", "password": "ottmar-password"}},
		{"/api/v1/orgs", "ottmar", "ottmar-password", map[string]string{"name": "ottoco", "display_name": "Otto Co"}},
		{"/api/v1/publishers", "ottmar", "ottmar-password", map[string]any{"slug": "ottosoft", "name": "Otto Software", "organization": "ottoco", "namespaces": []string{"otto"}}},
	} {
		if st := a.call("POST", c.path, c.user, c.pass, c.body, nil); st != http.StatusCreated {
			t.Fatalf("POST %s: %d", c.path, st)
		}
	}
	if st := a.call("POST", "/api/v1/admin/publishers/ottosoft/review", "ada", "ada-password", map[string]any{"decision": "approve", "verified": true}, nil); st != http.StatusOK {
		t.Fatalf("approving: %d", st)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	pub, err := signing.MarshalPublicKey(&key.PublicKey)
	must(t, err)
	if st := a.call("POST", "/api/v1/publishers/ottosoft/keys", "ottmar", "ottmar-password", map[string]any{"name": "release key", "public_key": string(pub)}, nil); st != http.StatusCreated {
		t.Fatalf("registering the key: %d", st)
	}
	var tok struct{ Token string }
	if st := a.call("POST", "/api/v1/publishers/ottosoft/push-tokens", "ottmar", "ottmar-password", map[string]any{"name": "release"}, &tok); st != http.StatusCreated {
		t.Fatalf("push token: %d", st)
	}
	listing := map[string]any{"slug": "otto-app", "name": "Otto App", "kind": "image", "summary": "An app by Otto.", "repositories": []string{"otto/app"},
		"tiers": []map[string]any{{"id": "express", "name": "Express"}}}
	if st := a.call("POST", "/api/v1/publishers/ottosoft/products", "ottmar", "ottmar-password", listing, nil); st != http.StatusCreated {
		t.Fatalf("creating the listing: %d", st)
	}
	listing["status"] = "published"
	if st := a.call("PUT", "/api/v1/publishers/ottosoft/products/otto-app", "ottmar", "ottmar-password", listing, nil); st != http.StatusOK {
		t.Fatalf("publishing the listing: %d", st)
	}
	return &publisherWorld{in: a, key: key, token: tok.Token}
}

// pushAndSign pushes a small linux/amd64 image to staging/otto/app:tag
// through push's registry and signs it through sign's; it returns the
// digest.
func pushAndSign(t *testing.T, w *publisherWorld, push, sign *instance, tag string) string {
	t.Helper()
	img, err := random.Image(4096, 2)
	must(t, err)
	cf, err := img.ConfigFile()
	must(t, err)
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	must(t, err)
	must(t, remote.Write(registryRepo(t, push, "staging/otto/app").Tag(tag), img, w.pushAuth()))
	d, err := img.Digest()
	must(t, err)
	staging := registryRepo(t, sign, "staging/otto/app")
	must(t, signing.Attach(context.Background(), staging, d.String(), staging.Name(), w.key, w.pushAuth()))
	return d.String()
}

// dockerPull logs the Docker Engine in to ref's registry with the license
// key and pulls ref, and checks the digest it pulled.
func dockerPull(t *testing.T, s *stack, user, key, ref, digest string) {
	t.Helper()
	cfg := t.TempDir()
	env := append(append([]string{}, s.env...), "DOCKER_CONFIG="+cfg)
	reg := strings.SplitN(ref, "/", 2)[0]
	run := func(stdin string, args ...string) string {
		saved := s.env
		s.env = env
		defer func() { s.env = saved }()
		return s.run(2*time.Minute, strings.NewReader(stdin), "docker", args...)
	}
	run(key, "login", reg, "-u", user, "--password-stdin")
	run("", "pull", ref)
	t.Cleanup(func() { _, _ = s.try(time.Minute, nil, "docker", "rmi", "-f", ref) })
	got := strings.TrimSpace(run("", "image", "inspect", "-f", "{{index .RepoDigests 0}}", ref))
	if !strings.HasSuffix(got, "@"+digest) {
		t.Errorf("docker pulled %s, want %s", got, digest)
	}
}

// tokenStatus asks in's token endpoint for a pull token of repo for
// service, with user and pass as basic credentials, and returns the status.
func tokenStatus(t *testing.T, in *instance, service, repo, user, pass string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, in.URL+"/token?"+url.Values{"service": {service}, "scope": {"repository:" + repo + ":pull"}}.Encode(), nil)
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// waitDelivered waits until the webhook's delivery id is recorded
// delivered.
func waitDelivered(t *testing.T, in *instance, endpoint, id string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var ds struct{ Deliveries []struct{ ID, Status string } }
		in.call("GET", "/api/v1/publishers/ottosoft/webhooks/"+endpoint+"/deliveries", "ottmar", "ottmar-password", nil, &ds)
		for _, d := range ds.Deliveries {
			if d.ID == id && d.Status == "delivered" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %s not recorded delivered: %+v", id, ds.Deliveries)
		}
	}
}

// hookPost is one webhook post the receiver saw.
type hookPost struct {
	delivery string
	from     string // the poster's IP
	at       time.Time
	answered bool // the receiver answered it 200
}

// holdingReceiver is a webhook endpoint that holds posts unanswered while
// told to, so that a test can kill or cut off the instance posting.
type holdingReceiver struct {
	mu      sync.Mutex
	posts   []*hookPost
	holding bool
	release chan struct{}
}

func newHoldingReceiver() *holdingReceiver {
	return &holdingReceiver{holding: true, release: make(chan struct{})}
}

// listen serves the receiver on host (the stack network's gateway) and
// returns its URL.
func (h *holdingReceiver) listen(t *testing.T, host string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	must(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		h.answer()
		_ = srv.Close()
	})
	return "http://" + ln.Addr().String() + "/hook"
}

func (h *holdingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	from, _, _ := net.SplitHostPort(r.RemoteAddr)
	p := &hookPost{delivery: r.Header.Get("Berth-Delivery"), from: from, at: time.Now()}
	h.mu.Lock()
	h.posts = append(h.posts, p)
	holding, release := h.holding, h.release
	h.mu.Unlock()
	if holding {
		// A held post is never answered 200: its poster was killed or cut
		// off meanwhile, and should it hear back at all, it hears a failure
		// that it must not retry, since its lease is gone.
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(2 * time.Minute):
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
	h.mu.Lock()
	p.answered = true
	h.mu.Unlock()
}

// answer stops holding: held posts and new ones are answered.
func (h *holdingReceiver) answer() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.holding {
		h.holding = false
		close(h.release)
	}
}

// hold holds posts again from now on.
func (h *holdingReceiver) hold() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.holding, h.release = true, make(chan struct{})
}

// waitPost waits for a post that match accepts.
func (h *holdingReceiver) waitPost(t *testing.T, limit time.Duration, match func(hookPost) bool) hookPost {
	t.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(100 * time.Millisecond) {
		h.mu.Lock()
		for _, p := range h.posts {
			if match(*p) {
				h.mu.Unlock()
				return *p
			}
		}
		h.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no such webhook post within %s; posts: %+v", limit, h.all())
		}
	}
}

// all is every post so far.
func (h *holdingReceiver) all() []hookPost {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]hookPost, len(h.posts))
	for i, p := range h.posts {
		out[i] = *p
	}
	return out
}
