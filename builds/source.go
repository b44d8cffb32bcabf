package builds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
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
	ignoreSSHConfig.Do(func() { gitssh.DefaultSSHConfig = nil })
	return &Fetcher{guard: guard, workspaces: dir}
}

// Checkout is a fresh workspace holding one commit's tree.
type Checkout struct {
	// Dir is the work tree; its .git is shallow, one commit deep.
	Dir string
	// Commit is the commit checked out (a pushed annotated tag peeled).
	Commit string
	// HostKey is the ssh server's public key (authorized_keys format)
	// when the source did not pin one: the caller pins it for the next
	// fetch, so a later server showing another key is refused (trust on
	// first use, as ssh's known_hosts).
	HostKey string
}

// connectTimeout bounds connecting to a Git server: ssh and git:// dial
// outside the build's context.
const connectTimeout = 15 * time.Second

// ignoreSSHConfig stops go-git reading the user's ~/.ssh/config, whose
// Hostname and Port entries would send a connection to an address the
// guard never saw. go-git keeps that reader in a package variable, so it
// is cleared once, for the process.
var ignoreSSHConfig sync.Once

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
	seen := &hostKeySeen{}
	tr, auth, err := f.transport(ctx, ep, src, seen)
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
	co.HostKey = seen.key
	return co, nil
}

// transport returns the go-git transport and credentials for ep. https
// dials through the guard; ssh and git:// cannot, so ep's host is
// replaced by an address the guard allowed and only that is connected to.
func (f *Fetcher) transport(ctx context.Context, ep *transport.Endpoint, src Source, seen *hostKeySeen) (transport.Transport, transport.AuthMethod, error) {
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
		auth, err := sshAuth(ep, src, seen)
		return gitssh.DefaultClient, auth, err
	case "git":
		if err := f.pin(ctx, ep, 9418); err != nil {
			return nil, nil, err
		}
		// go-git dials git:// with no timeout and no context: a server
		// that never answers would hold the build until the kernel gives
		// up. Knock first, bounded, through the guard.
		if err := f.knock(ctx, ep); err != nil {
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

// knock connects to ep's pinned address and closes, within
// connectTimeout.
func (f *Fetcher) knock(ctx context.Context, ep *transport.Endpoint) error {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	conn, err := f.guard.DialContext(ctx, "tcp", net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)))
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", redactURL(ep), err)
	}
	return conn.Close()
}

// hostKeySeen records the host key an unpinned ssh server showed.
type hostKeySeen struct{ key string }

// timedKeys is the deploy-key authentication with a connect timeout:
// go-git takes the ssh client configuration from the AuthMethod, and an
// ssh.ClientConfig of its own would replace every field, the host key
// check included.
type timedKeys struct{ *gitssh.PublicKeys }

func (t timedKeys) ClientConfig() (*ssh.ClientConfig, error) {
	c, err := t.PublicKeys.ClientConfig()
	if err == nil {
		c.Timeout = connectTimeout
	}
	return c, err
}

// sshAuth authenticates with the source's deploy key, checking the
// server's host key when the source pins one, and recording it in seen
// when not.
func sshAuth(ep *transport.Endpoint, src Source, seen *hostKeySeen) (transport.AuthMethod, error) {
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
	auth.HostKeyCallback = func(_ string, _ net.Addr, key ssh.PublicKey) error {
		seen.key = string(bytes.TrimSpace(ssh.MarshalAuthorizedKey(key))) // first use: see Checkout.HostKey
		return nil
	}
	if src.HostKey != "" {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(src.HostKey))
		if err != nil {
			return nil, fmt.Errorf("reading the source's host key: %w", err)
		}
		auth.HostKeyCallback = ssh.FixedHostKey(key)
	}
	return timedKeys{auth}, nil
}

// redactURL is ep without credentials, for errors and logs.
func redactURL(ep *transport.Endpoint) string {
	host := ep.Host
	if ep.Port > 0 {
		host = net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
	}
	return ep.Protocol + "://" + host + ep.Path
}
