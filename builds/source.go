package builds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	gitgit "github.com/go-git/go-git/v5/plumbing/transport/git"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"

	"github.com/berth/berth/internal/netguard"
)

// ErrCommitGone: the server no longer has the commit at the pushed ref
// and does not serve commits by ID.
var ErrCommitGone = errors.New("the commit is no longer at the ref, and the server does not fetch by commit ID")

// Fetcher clones Git sources. Every connection it makes passes its guard
// before connecting: no loopback, private or link-local address unless the
// guard allows private networks.
type Fetcher struct {
	guard *netguard.Guard
	// Workspaces is the directory checkouts are made in (default the
	// system's temporary directory).
	workspaces string
}

// NewFetcher returns a Fetcher whose connections pass guard, making its
// workspaces under dir ("" for the system's temporary directory).
func NewFetcher(guard *netguard.Guard, dir string) *Fetcher {
	return &Fetcher{guard: guard, workspaces: dir}
}

// Checkout is a fresh workspace holding one commit's tree.
type Checkout struct {
	// Dir is the work tree; its .git is shallow, one commit deep.
	Dir string
	// Commit is the commit checked out (a pushed annotated tag peeled).
	Commit string
}

// Remove deletes the workspace.
func (c *Checkout) Remove() error { return os.RemoveAll(c.Dir) }

// Clone fetches src's ref at commit, one commit deep, into a new
// workspace. When the ref has moved on since the push, it asks for the
// commit by ID, which servers may refuse (ErrCommitGone). A destination
// the guard refuses fails with netguard.ErrNotPublic before any connect.
func (f *Fetcher) Clone(ctx context.Context, src Source, ref Ref, commit string) (*Checkout, error) {
	if !isCommit(commit) {
		return nil, fmt.Errorf("%q is not a commit ID", commit)
	}
	ep, err := transport.NewEndpoint(src.URL)
	if err != nil {
		return nil, fmt.Errorf("reading source URL: %w", err)
	}
	tr, auth, err := f.transport(ctx, ep, src)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(f.workspaces, "berth-build-")
	if err != nil {
		return nil, fmt.Errorf("making workspace: %w", err)
	}
	co := &Checkout{Dir: dir}
	if co.Commit, err = fetchInto(ctx, dir, tr, ep, auth, ref, commit); err != nil {
		_ = co.Remove()
		return nil, fmt.Errorf("cloning %s at %s: %w", redactURL(ep), commit[:12], err)
	}
	return co, nil
}

// transport returns the go-git transport and credentials for ep. https
// dials through the guard; ssh and git:// cannot, so ep's host is
// replaced by an address the guard allowed and only that is connected to.
func (f *Fetcher) transport(ctx context.Context, ep *transport.Endpoint, src Source) (transport.Transport, transport.AuthMethod, error) {
	switch ep.Protocol {
	case "https", "http":
		client := &http.Client{
			Transport: &http.Transport{
				Proxy:               nil, // a proxy would connect out of the guard's sight
				DialContext:         f.guard.DialContext,
				TLSHandshakeTimeout: 10 * time.Second,
			},
		}
		var auth transport.AuthMethod
		if src.Token != "" {
			user := ep.User
			if user == "" {
				user = "x-access-token" // GitHub's; GitLab and Gitea take any name with a token
			}
			auth = &githttp.BasicAuth{Username: user, Password: src.Token.Reveal()}
		}
		return githttp.NewClient(client), auth, nil
	case "ssh":
		if err := f.pin(ctx, ep, 22); err != nil {
			return nil, nil, err
		}
		auth, err := sshAuth(ep, src)
		return gitssh.DefaultClient, auth, err
	case "git":
		if err := f.pin(ctx, ep, 9418); err != nil {
			return nil, nil, err
		}
		return gitgit.DefaultClient, nil, nil
	}
	return nil, nil, fmt.Errorf("source URL scheme %q: use https, ssh or git", ep.Protocol)
}

// pin resolves ep's host through the guard and puts the first allowed
// address in its place, so that the name is never resolved again.
func (f *Fetcher) pin(ctx context.Context, ep *transport.Endpoint, defaultPort int) error {
	port := ep.Port
	if port <= 0 {
		port = defaultPort
	}
	addrs, err := f.guard.Resolve(ctx, ep.Host, uint16(port))
	if err != nil {
		return err
	}
	ep.Host, ep.Port = addrs[0].String(), port
	return nil
}

// sshAuth authenticates with the source's deploy key, checking the
// server's host key when the source pins one.
func sshAuth(ep *transport.Endpoint, src Source) (transport.AuthMethod, error) {
	if src.DeployKey == nil {
		return nil, errors.New("an ssh source needs a deploy key")
	}
	signer, err := src.DeployKey.signer()
	if err != nil {
		return nil, err
	}
	user := ep.User
	if user == "" {
		user = "git"
	}
	auth := &gitssh.PublicKeys{User: user, Signer: signer}
	auth.HostKeyCallback = ssh.InsecureIgnoreHostKey() //nolint:gosec // no pinned key: see Source.HostKey
	if src.HostKey != "" {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(src.HostKey))
		if err != nil {
			return nil, fmt.Errorf("reading the source's host key: %w", err)
		}
		auth.HostKeyCallback = ssh.FixedHostKey(key)
	}
	return auth, nil
}

// redactURL is ep without credentials, for errors and logs.
func redactURL(ep *transport.Endpoint) string {
	host := ep.Host
	if ep.Port > 0 {
		host = net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
	}
	return ep.Protocol + "://" + host + ep.Path
}
