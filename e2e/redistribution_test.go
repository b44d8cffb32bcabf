package e2e

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

// TestRedistribution checks the marketplace's redistribution rule through
// the registry with crane: what only a paid tier gives access to is not
// copied into, nor served from, a public repository; a private mirror is
// the buyer's own; a free product's image may be shared.
func TestRedistribution(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	b := in.srv.Backend
	buyer, err := b.Accounts.Register(ctx, account.SignUp{Username: "buyer", Email: "buyer@example.com", Password: "buyer-password"})
	must(t, err)
	for _, g := range []licensing.Grant{{Product: "netscaler-adm-agent", Tier: "standard"}, {Product: "edge", Tier: "express"}} {
		g.Owner = buyer.ID
		_, err := b.Licenses.Grant(ctx, g)
		must(t, err)
	}
	auth := &authn.Basic{Username: "buyer", Password: "buyer-password"}
	opts := []crane.Option{crane.WithAuth(auth), crane.Insecure}
	paid := in.Registry + "/netscaler/adm-agent:" + firstTag(t, in, "netscaler/adm-agent", auth)
	paidImg, err := crane.Pull(paid, opts...)
	must(t, err)
	paidLayers, err := paidImg.Layers()
	must(t, err)

	// A public repository of the buyer's, holding an image of their own.
	own, err := random.Image(1024, 2)
	must(t, err)
	must(t, crane.Push(own, in.Registry+"/buyer/public:own", opts...))
	waitRepository(t, b.Repositories, "buyer/public", false)

	const refusal = "content of the paid product netscaler-adm-agent (netscaler/adm-agent) cannot be pushed into the public repository"
	t.Run("copy into a public repository", func(t *testing.T) {
		err := crane.Copy(paid, in.Registry+"/buyer/public:agent", opts...)
		wantDenied(t, err, refusal+" buyer/public; make buyer/public private")
		// A repository that does not exist yet would be created public.
		err = crane.Copy(paid, in.Registry+"/buyer/fresh:agent", opts...)
		wantDenied(t, err, refusal+" buyer/fresh")
	})
	t.Run("an image built on the paid one", func(t *testing.T) {
		extra, err := random.Layer(512, "application/vnd.docker.image.rootfs.diff.tar.gzip")
		must(t, err)
		derived, err := mutate.AppendLayers(paidImg, extra)
		must(t, err)
		wantDenied(t, crane.Push(derived, in.Registry+"/buyer/public:derived", opts...), refusal)
	})
	t.Run("an image sharing only the base layer", func(t *testing.T) {
		base, err := mutate.AppendLayers(own, paidLayers[0])
		must(t, err)
		must(t, crane.Push(base, in.Registry+"/buyer/public:base", opts...))
		pullAll(t, in.Registry+"/buyer/public:base")
	})
	t.Run("a paid layer on its own is not served", func(t *testing.T) {
		top := paidLayers[len(paidLayers)-1]
		must(t, remote.WriteLayer(repository(t, in, "buyer/public"), top, remote.WithAuth(auth)))
		digest, err := top.Digest()
		must(t, err)
		status, body := anonymousGet(t, in, "buyer/public", "blobs/"+digest.String())
		if status != http.StatusForbidden || !strings.Contains(body, "DENIED") ||
			!strings.Contains(body, "is not served from the public repository buyer/public") {
			t.Errorf("anonymous GET of a paid layer in a public repository: %d %.200q; want 403 DENIED", status, body)
		}
		if status, _ := anonymousGet(t, in, "buyer/public", "manifests/own"); status != http.StatusOK {
			t.Errorf("anonymous pull of the buyer's own image: status %d; want 200", status)
		}
	})

	_, err = b.Repositories.Create(ctx, catalog.NewRepository{Namespace: "buyer", Name: "mirror", Private: true})
	must(t, err)
	mirror := in.Registry + "/buyer/mirror:agent"
	t.Run("copy into a private repository", func(t *testing.T) {
		must(t, crane.Copy(paid, mirror, opts...))
		if _, err := crane.Pull(mirror, opts...); err != nil {
			t.Errorf("the buyer pulling their private mirror: %v", err)
		}
		if _, err := crane.Pull(mirror, crane.Insecure); !isDenied(err) {
			t.Errorf("anonymous pull of the private mirror: %v; want 401", err)
		}
	})
	t.Run("the mirror made public", func(t *testing.T) {
		public := false
		_, err := b.Repositories.Update(ctx, "buyer/mirror", catalog.RepositoryChange{Private: &public})
		must(t, err)
		_, err = crane.Pull(mirror, crane.Insecure)
		wantDenied(t, err, "content of the paid product netscaler-adm-agent (netscaler/adm-agent) is not served from the public repository buyer/mirror")
		for _, l := range paidLayers {
			digest, err := l.Digest()
			must(t, err)
			if status, _ := anonymousGet(t, in, "buyer/mirror", "blobs/"+digest.String()); status == http.StatusOK {
				t.Errorf("anonymous GET of layer %s of the public mirror: %d; want a refusal", digest, status)
			}
		}
		// Berth's own registry work (recording the tag) still reads it.
		tok, err := b.Tokens.Sign(licensing.InternalSubject+"e2e", []licensing.Access{{Type: "repository", Name: "buyer/mirror", Actions: []string{"pull"}}})
		must(t, err)
		if _, err := crane.Pull(mirror, crane.Insecure, crane.WithAuth(&authn.Bearer{Token: tok.Token})); err != nil {
			t.Errorf("Berth reading the public mirror for itself: %v", err)
		}
	})
	t.Run("a free product's image", func(t *testing.T) {
		free := in.Registry + "/berthlabs/edge:" + firstTag(t, in, "berthlabs/edge", auth)
		must(t, crane.Copy(free, in.Registry+"/buyer/edge:copy", opts...))
		waitRepository(t, b.Repositories, "buyer/edge", false)
		pullAll(t, in.Registry+"/buyer/edge:copy")
	})
}

// firstTag returns the first tag of repo.
func firstTag(t *testing.T, in *instance, repo string, auth authn.Authenticator) string {
	t.Helper()
	tags, err := remote.List(repository(t, in, repo), remote.WithAuth(auth))
	if err != nil || len(tags) == 0 {
		t.Fatalf("listing the tags of %s: %v %v", repo, tags, err)
	}
	return tags[0]
}

// repository names repo in the instance's registry.
func repository(t *testing.T, in *instance, repo string) name.Repository {
	t.Helper()
	r, err := name.NewRepository(in.Registry+"/"+repo, name.Insecure)
	must(t, err)
	return r
}

// pullAll pulls ref anonymously, every platform and layer.
func pullAll(t *testing.T, ref string) {
	t.Helper()
	idx, err := crane.Pull(ref, crane.Insecure)
	if err != nil {
		t.Fatalf("anonymous pull of %s: %v", ref, err)
	}
	layers, err := idx.Layers()
	must(t, err)
	for _, l := range layers {
		rc, err := l.Compressed()
		if err == nil {
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
		}
		if err != nil {
			t.Errorf("anonymous pull of a layer of %s: %v", ref, err)
		}
	}
}

// wantDenied checks that err is the registry's DENIED with a message
// saying says.
func wantDenied(t *testing.T, err error, says string) {
	t.Helper()
	var te *transport.Error
	if !errors.As(err, &te) || te.StatusCode != http.StatusForbidden {
		t.Fatalf("got %v; want 403 DENIED saying %q", err, says)
	}
	for _, d := range te.Errors {
		if d.Code == transport.DeniedErrorCode && strings.Contains(d.Message, says) {
			return
		}
	}
	t.Errorf("got %v; want DENIED saying %q", err, says)
}

// anonymousGet GETs /v2/<repo>/<path> with an anonymous token.
func anonymousGet(t *testing.T, in *instance, repo, path string) (int, string) {
	t.Helper()
	var tok struct{ Token string }
	req, _ := http.NewRequest("GET", in.URL+"/token?service="+in.Registry+"&scope=repository:"+repo+":pull", nil)
	if status := doJSON(t, req, &tok); status != http.StatusOK {
		t.Fatalf("anonymous token: status %d", status)
	}
	req, _ = http.NewRequest("GET", "http://"+in.Registry+"/v2/"+repo+"/"+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body)
}
