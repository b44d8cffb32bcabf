package licensing

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// The Docker Engine pulls a plugin through containerd's resolver, which
// shows a user nothing of a refusal's body: a 403 prints as "403
// Forbidden". The one part of an answer it prints is the error parameter
// of a Bearer challenge that refuses a request the client already retried
// with a token ("pull access denied ...: server message: <error>"). So for
// a request whose token asks for the plugin scope class, the gate answers
// its refusals (a license that does not cover the tag, or grants no pull
// and says why) as 401 with the reason in that parameter, beside the usual
// JSON body. Image pulls keep their 403 and 429.

// pluginRefusals wraps w for a read of repo: a refusal the gate writes is
// rewritten as above when the request's token names the plugin class.
func (g *Gate) pluginRefusals(w http.ResponseWriter, r *http.Request, repo string) http.ResponseWriter {
	return &pluginRefusal{ResponseWriter: w, g: g, r: r, repo: repo}
}

// pluginRefusal holds back a 403 or 429 until its body names the reason.
type pluginRefusal struct {
	http.ResponseWriter
	g      *Gate
	r      *http.Request
	repo   string
	held   int
	passed bool
}

func (p *pluginRefusal) WriteHeader(code int) {
	if !p.passed && (code == http.StatusForbidden || code == http.StatusTooManyRequests) && p.pluginClass() {
		p.held = code
		return
	}
	p.passed = true
	p.ResponseWriter.WriteHeader(code)
}

func (p *pluginRefusal) Write(b []byte) (int, error) {
	if p.held != 0 {
		p.held = 0
		var body struct {
			Errors []struct{ Message string } `json:"errors"`
		}
		reason := "denied"
		if json.Unmarshal(b, &body) == nil && len(body.Errors) > 0 && body.Errors[0].Message != "" {
			reason = body.Errors[0].Message
		}
		cfg := p.g.index.tokens.cfg
		p.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="%s",scope="repository(%s):%s:pull",error="%s"`,
			cfg.PublicURL, cfg.Service, ClassPlugin, p.repo, challengeText(reason)))
		p.WriteHeader(http.StatusUnauthorized)
	} else if !p.passed {
		p.passed = true
	}
	return p.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (p *pluginRefusal) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// pluginClass reports whether the request's token grants repo in the
// plugin class, or was asked for it in the plugin class and says why it
// grants no pull.
func (p *pluginRefusal) pluginClass() bool {
	c := p.g.claimsOf(p.r)
	if c == nil {
		return false
	}
	if d, ok := c.Berth.denial(p.repo); ok && d.Plugin {
		return true
	}
	for _, a := range c.Access {
		if a.Type == "repository" && a.Name == p.repo && a.Class == ClassPlugin {
			return true
		}
	}
	return false
}

// challengeText makes s safe inside a challenge's quoted string.
func challengeText(s string) string {
	return strings.NewReplacer(`"`, "'", `\`, "/", "…", "...", "\r", " ", "\n", " ").Replace(s)
}
