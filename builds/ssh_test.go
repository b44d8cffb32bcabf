package builds_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/berth/berth/builds"
)

// serveSSH serves r.root's repositories over ssh on loopback, running
// git-upload-pack for clients holding the authorized key, and returns its
// address and host key (authorized_keys format).
func serveSSH(t *testing.T, r *gitRepo, authorized string) (string, string) {
	want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorized))
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := builds.NewDeployKey("host")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey([]byte(hostKey.Private.Reveal()))
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if !bytes.Equal(k.Marshal(), want.Marshal()) {
			return nil, ssh.ErrNoAuth
		}
		return nil, nil
	}}
	cfg.AddHostKey(signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveSSHConn(c, cfg, r.root)
		}
	}()
	return l.Addr().String(), hostKey.Public
}

// serveSSHConn answers one connection's exec of git-upload-pack.
func serveSSHConn(c net.Conn, cfg *ssh.ServerConfig, root string) {
	defer c.Close()
	_, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		for req := range chReqs {
			if req.Type != "exec" || len(req.Payload) < 4 {
				_ = req.Reply(false, nil)
				continue
			}
			_ = req.Reply(true, nil)
			command := string(req.Payload[4:])
			path := strings.Trim(strings.TrimPrefix(command, "git-upload-pack "), "'")
			cmd := exec.Command("git-upload-pack", filepath.Join(root, filepath.Clean("/"+path)))
			cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
			status := make([]byte, 4)
			if err := cmd.Run(); err != nil {
				binary.BigEndian.PutUint32(status, 1)
			}
			_, _ = ch.SendRequest("exit-status", false, status)
			ch.Close()
			break
		}
	}
}

// TestCloneOverSSHWithTheDeployKey: the generated deploy key opens an ssh
// source, with the server's host key pinned; another key, or another host
// key, is refused.
func TestCloneOverSSHWithTheDeployKey(t *testing.T) {
	r := newGitRepo(t)
	key, err := builds.NewDeployKey("berth:acme/app")
	if err != nil {
		t.Fatal(err)
	}
	addr, hostKey := serveSSH(t, r, key.Public)
	f := fetcher(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	main := builds.Ref{Type: builds.Branch, Name: "main"}
	url := "ssh://git@" + addr + "/app.git"
	co, err := f.Clone(ctx, builds.Source{URL: url, DeployKey: key, HostKey: hostKey}, main, r.commits[2])
	if err != nil {
		t.Fatal(err)
	}
	defer co.Remove()
	assertCheckout(t, co, r.commits[2], "3")

	other, _ := builds.NewDeployKey("other")
	if _, err := f.Clone(ctx, builds.Source{URL: url, DeployKey: other, HostKey: hostKey}, main, r.commits[2]); err == nil {
		t.Error("another deploy key cloned")
	}
	if _, err := f.Clone(ctx, builds.Source{URL: url, DeployKey: key, HostKey: other.Public}, main, r.commits[2]); err == nil {
		t.Error("a server with another host key was trusted")
	}
	if co.HostKey != "" {
		t.Errorf("a pinned clone reported host key %q", co.HostKey)
	}

	// Unpinned: the first clone reports the key the server showed, for
	// the caller to pin.
	first, err := f.Clone(ctx, builds.Source{URL: url, DeployKey: key}, main, r.commits[2])
	if err != nil {
		t.Fatal(err)
	}
	defer first.Remove()
	got, _, _, _, gotErr := ssh.ParseAuthorizedKey([]byte(first.HostKey))
	server, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(hostKey))
	if gotErr != nil || !bytes.Equal(got.Marshal(), server.Marshal()) {
		t.Errorf("first use reported host key %q (%v); the server's is %q", first.HostKey, gotErr, hostKey)
	}
}
