package builds

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// DeployKey is the ssh key Berth generates for one repository's source.
// The user adds Public to the forge as a read-only deploy key; Private is
// a Secret (PEM, OpenSSH format) that stores keep sealed and that never
// leaves Berth.
type DeployKey struct {
	// Public is the authorized_keys line ("ssh-ed25519 AAAA… berth").
	Public string
	// Private is the OpenSSH private key, PEM encoded.
	Private Secret
}

// NewDeployKey generates an ed25519 deploy key; comment ends the public
// line (say "berth:ns/repo").
func NewDeployKey(comment string) (*DeployKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating deploy key: %w", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding deploy key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, fmt.Errorf("encoding deploy key: %w", err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
	if comment != "" {
		line += " " + comment
	}
	return &DeployKey{Public: line, Private: Secret(pemEncode(block))}, nil
}

// signer parses the private half for an ssh client.
func (k *DeployKey) signer() (ssh.Signer, error) {
	s, err := ssh.ParsePrivateKey([]byte(k.Private.Reveal()))
	if err != nil {
		return nil, fmt.Errorf("reading deploy key: %w", err)
	}
	return s, nil
}

func pemEncode(b *pem.Block) []byte { return pem.EncodeToMemory(b) }
