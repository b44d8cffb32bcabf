package builds

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/berth/berth/internal/secret"
)

// Forge names a Git host whose push webhooks Berth reads.
type Forge string

// The forges Berth accepts push webhooks from.
const (
	GitHub    Forge = "github"
	GitLab    Forge = "gitlab"
	Bitbucket Forge = "bitbucket"
	Gitea     Forge = "gitea"
)

// Push is one ref a forge reports pushed, at the commit it now points to.
type Push struct {
	Ref    Ref
	Commit string
}

// zeroCommit is the "after" of a deleted ref.
const zeroCommit = "0000000000000000000000000000000000000000"

// ParsePush verifies a forge's push webhook against the repository's hook
// secret and returns the refs it pushed (one, except from Bitbucket,
// which can batch several). A missing or wrong signature is
// ErrBadSignature, checked before the body is read; any other event, or a
// push that only deletes refs, is ErrNotPush. An empty secret refuses
// everything.
func ParsePush(forge Forge, h http.Header, body []byte, secret Secret) ([]Push, error) {
	if secret == "" {
		return nil, fmt.Errorf("no hook secret is set: %w", ErrBadSignature)
	}
	verify, parse, event, want := forgeScheme(forge)
	if verify == nil {
		return nil, fmt.Errorf("unknown forge %q", forge)
	}
	if err := verify(h, body, []byte(secret.Reveal())); err != nil {
		return nil, err
	}
	if got := h.Get(event); !want(got) {
		return nil, fmt.Errorf("%s event %q: %w", forge, got, ErrNotPush)
	}
	pushes, err := parse(formPayload(h, body))
	if err != nil {
		return nil, fmt.Errorf("reading %s push: %w", forge, err)
	}
	if len(pushes) == 0 {
		return nil, fmt.Errorf("%s push creates no branch or tag: %w", forge, ErrNotPush)
	}
	return pushes, nil
}

type (
	verifier func(h http.Header, body, secret []byte) error
	parser   func(body []byte) ([]Push, error)
)

// forgeScheme returns how forge signs, how its push reads, which header
// names the event and which events are pushes.
func forgeScheme(forge Forge) (verifier, parser, string, func(string) bool) {
	is := func(names ...string) func(string) bool {
		return func(s string) bool {
			for _, n := range names {
				if s == n {
					return true
				}
			}
			return false
		}
	}
	switch forge {
	case GitHub:
		return hmacHeader("X-Hub-Signature-256", "sha256="), parseGitHubLike, "X-GitHub-Event", is("push")
	case Gitea:
		return hmacHeader("X-Gitea-Signature", ""), parseGitHubLike, "X-Gitea-Event", is("push")
	case Bitbucket:
		return hmacHeader("X-Hub-Signature", "sha256="), parseBitbucket, "X-Event-Key", is("repo:push")
	case GitLab:
		return gitlabToken, parseGitLab, "X-Gitlab-Event", is("Push Hook", "Tag Push Hook")
	}
	return nil, nil, "", nil
}

// hmacHeader verifies a hex HMAC-SHA256 of the body in header, after
// prefix, in constant time.
func hmacHeader(header, prefix string) verifier {
	return func(h http.Header, body, secret []byte) error {
		hexSig, ok := strings.CutPrefix(h.Get(header), prefix)
		if !ok || hexSig == "" {
			return fmt.Errorf("no %s header: %w", header, ErrBadSignature)
		}
		got, err := hex.DecodeString(hexSig)
		if err != nil {
			return fmt.Errorf("%s is not hex: %w", header, ErrBadSignature)
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		if !hmac.Equal(got, mac.Sum(nil)) {
			return fmt.Errorf("%s does not match: %w", header, ErrBadSignature)
		}
		return nil
	}
}

// gitlabToken compares X-Gitlab-Token with the secret in constant time;
// GitLab sends the secret itself, not a signature.
func gitlabToken(h http.Header, _, secret []byte) error {
	got := h.Get("X-Gitlab-Token")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), secret) != 1 {
		return fmt.Errorf("X-Gitlab-Token missing or wrong: %w", ErrBadSignature)
	}
	return nil
}

// formPayload returns the JSON of a push sent form-encoded (GitHub's
// "application/x-www-form-urlencoded" content type puts it in "payload");
// the signature covers the raw body, so this runs after verifying.
func formPayload(h http.Header, body []byte) []byte {
	if !strings.HasPrefix(h.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return body
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return body
	}
	return []byte(v.Get("payload"))
}

// parseGitHubLike reads GitHub's and Gitea's push: ref and after.
func parseGitHubLike(body []byte) ([]Push, error) {
	var p struct {
		Ref   string `json:"ref"`
		After string `json:"after"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, err
	}
	return onePush(p.Ref, p.After)
}

// parseGitLab reads GitLab's push: ref and checkout_sha (null when the
// push deletes the ref).
func parseGitLab(body []byte) ([]Push, error) {
	var p struct {
		Ref         string  `json:"ref"`
		CheckoutSHA *string `json:"checkout_sha"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, err
	}
	if p.CheckoutSHA == nil {
		return nil, nil
	}
	return onePush(p.Ref, *p.CheckoutSHA)
}

// parseBitbucket reads Bitbucket Cloud's push: each change's new branch
// or tag (new is null when the change deletes it).
func parseBitbucket(body []byte) ([]Push, error) {
	var p struct {
		Push struct {
			Changes []struct {
				New *struct {
					Type   string `json:"type"`
					Name   string `json:"name"`
					Target struct {
						Hash string `json:"hash"`
					} `json:"target"`
				} `json:"new"`
			} `json:"changes"`
		} `json:"push"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, err
	}
	var out []Push
	for _, c := range p.Push.Changes {
		if c.New == nil {
			continue
		}
		typ := map[string]RuleType{"branch": Branch, "named_branch": Branch, "tag": Tag, "annotated_tag": Tag}[c.New.Type]
		if typ == "" || c.New.Name == "" || !isCommit(c.New.Target.Hash) {
			return nil, fmt.Errorf("change %q of type %q at %q is not a branch or tag at a commit", c.New.Name, c.New.Type, c.New.Target.Hash)
		}
		out = append(out, Push{Ref: Ref{typ, c.New.Name}, Commit: c.New.Target.Hash})
	}
	return out, nil
}

// onePush checks a full ref and commit; a deletion is no push.
func onePush(full, commit string) ([]Push, error) {
	if commit == zeroCommit {
		return nil, nil
	}
	ref, ok := ParseRef(full)
	if !ok || !isCommit(commit) {
		return nil, fmt.Errorf("ref %q at %q is not a branch or tag at a commit", full, commit)
	}
	return []Push{{Ref: ref, Commit: commit}}, nil
}

// isCommit reports whether s is a full SHA-1 or SHA-256 commit ID.
func isCommit(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// NewHookSecret returns a new random secret for a repository's forge
// webhook, to be shown to the user and stored sealed: HMAC verification
// needs the secret itself, so it cannot be kept as a hash.
func NewHookSecret() Secret { return Secret(secret.Token("bhk_")) }
