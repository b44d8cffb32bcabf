package licensing

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/berth/berth/registry/errcode"
)

// tagsPath matches a tag listing, /v2/<name>/tags/list.
var tagsPath = regexp.MustCompile(`^/v2/(.+)/tags/list$`)

// serveTags answers a tag listing of a repository the token carries a
// denial for with that denial, where the registry would answer a bare
// 401: containers/image (skopeo list-tags, podman search --list-tags)
// prints only the challenge of a 401 on a tag listing.
func (g *Gate) serveTags(w http.ResponseWriter, r *http.Request) {
	repo := tagsPath.FindStringSubmatch(r.URL.Path)[1]
	if c := g.claimsOf(r); c != nil && !grants(c.Access, repo, "pull") {
		if d, ok := c.Berth.denial(repo); ok {
			g.refuseRead(w, r, repo, http.StatusUnauthorized, d.Code, d.Message)
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// refuseRead answers a refused read with the reason in the registry's error
// body, and where a client shows nothing of the body, in the challenge too:
//   - The Docker Engine pulls plugins through containerd's resolver, which
//     prints of a refusal only the error parameter of a Bearer challenge on
//     a 401 ("pull access denied ...: server message: <error>"). So a read
//     whose token asks for the plugin scope class is refused with 401 and
//     the reason in that parameter. Image pulls keep their 403 and 429.
//   - A HEAD has no body, and on a 401 containers/image reads only the
//     challenge, so those carry the reason as the challenge's
//     error_description (RFC 6750 §3), which distribution's client code
//     and containers/image print before anything else.
//
// A GET's answer otherwise stays the body alone: a challenge there would
// make some clients ask for a new token and try again.
func (g *Gate) refuseRead(w http.ResponseWriter, r *http.Request, repo string, status int, code, reason string) {
	switch {
	case g.pluginClass(r, repo):
		status = http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm=%s,service=%s,scope=%s,error=%s`,
			quoted(g.realm), quoted(g.service), quoted("repository("+ClassPlugin+"):"+repo+":pull"), quoted(challengeText(reason))))
	case r.Method == http.MethodHead || status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm=%s,service=%s,scope=%s,error="insufficient_scope",error_description=%s`,
			quoted(g.realm), quoted(g.service), quoted("repository:"+repo+":pull"), quoted(reason)))
	}
	errcode.Write(w, status, code, reason)
}

// pluginClass reports whether the request's token grants repo in the
// plugin class, or was asked for it in the plugin class and says why it
// grants no pull.
func (g *Gate) pluginClass(r *http.Request, repo string) bool {
	c := g.claimsOf(r)
	if c == nil {
		return false
	}
	if d, ok := c.Berth.denial(repo); ok && d.Plugin {
		return true
	}
	for _, a := range c.Access {
		if a.Type == "repository" && a.Name == repo && a.Class == ClassPlugin {
			return true
		}
	}
	return false
}

// challengeText makes s safe inside a challenge's quoted string for the
// Engine's parser, which takes no escapes.
func challengeText(s string) string {
	return strings.NewReplacer(`"`, "'", `\`, "/", "…", "...", "\r", " ", "\n", " ").Replace(s)
}

// quoted is s as an HTTP quoted-string.
func quoted(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
