package frontend

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/licensing"
)

// tokenResponse is the body the distribution token specification defines;
// token and access_token carry the same JWT for old and OAuth2 clients.
type tokenResponse struct {
	Token        string `json:"token"`
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	IssuedAt     string `json:"issued_at"`
	Scope        string `json:"scope,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// tokenGet is the token endpoint for docker-style clients: credentials by
// HTTP basic authentication, one or more scope parameters.
func (h *handlers) tokenGet(c *fiber.Ctx) error {
	args := c.Context().QueryArgs()
	scopes := multi(args.PeekMulti("scope"))
	username, password, err := basicCredentials(c)
	if err != nil {
		return err
	}
	req := licensing.TokenRequest{Service: string(args.Peek("service")), Username: username, Password: password,
		Offline: string(args.Peek("offline_token")) == "true", ClientID: string(args.Peek("client_id"))}
	return h.issueToken(c, req, scopes, false)
}

// tokenPost is the OAuth2 form of the token endpoint: grant_type=password
// (access_type=offline also returns a refresh token, which docker login
// keeps instead of the password) and grant_type=refresh_token.
func (h *handlers) tokenPost(c *fiber.Ctx) error {
	// Only the form body counts: credentials in a query string would end up
	// in proxy and access logs.
	form := c.Request().PostArgs()
	value := func(k string) string { return string(form.Peek(k)) }
	req := licensing.TokenRequest{Service: value("service"), ClientID: value("client_id")}
	switch value("grant_type") {
	case "password":
		req.Username, req.Password, req.Offline = value("username"), value("password"), value("access_type") == "offline"
		if req.Username == "" || req.Password == "" {
			return badTokenRequest("invalid_request", "username and password are required")
		}
	case "refresh_token":
		if req.RefreshToken = value("refresh_token"); req.RefreshToken == "" {
			return badTokenRequest("invalid_request", "refresh_token is required")
		}
	default:
		return badTokenRequest("unsupported_grant_type", "grant_type must be password or refresh_token")
	}
	return h.issueToken(c, req, multi(form.PeekMulti("scope")), true)
}

// multi copies a repeated parameter's values out of fasthttp's buffers.
func multi(values [][]byte) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// issueToken issues a token for the canonical set of the scope parameters
// (licensing.ParseScopes): repeated scopes merged, and a request naming too
// many, or too long, refused with 400.
func (h *handlers) issueToken(c *fiber.Ctx, req licensing.TokenRequest, scopes []string, oauth bool) error {
	var err error
	if req.Scopes, err = licensing.ParseScopes(scopes); err != nil {
		return badTokenRequest("invalid_scope", err.Error())
	}
	req.ClientIP, req.UserAgent = h.clientIP(c), string(c.Request().Header.UserAgent())
	tok, err := h.Tokens.Issue(c.UserContext(), req)
	if err != nil {
		h.metrics.tokens.WithLabelValues("refused").Inc()
		return err
	}
	h.metrics.tokens.WithLabelValues("issued").Inc()
	c.Set(fiber.HeaderCacheControl, "no-store")
	if q := tok.Quota; q != nil {
		// What is left of the tightest pull quota the token pulls through,
		// in the IETF RateLimit header fields.
		c.Set("RateLimit-Limit", strconv.Itoa(q.Limit))
		c.Set("RateLimit-Remaining", strconv.Itoa(q.Remaining))
		c.Set("RateLimit-Reset", strconv.Itoa(max(int(time.Until(q.Reset).Seconds()), 0)))
	}
	resp := tokenResponse{
		Token:       tok.Token,
		AccessToken: tok.Token,
		ExpiresIn:   int(tok.ExpiresIn / time.Second),
		IssuedAt:    tok.IssuedAt.Format(time.RFC3339),
		// Only the request that asked for offline access gets one.
		RefreshToken: tok.RefreshToken,
	}
	if oauth {
		resp.Scope = scopeString(tok.Access)
	}
	if body, ok := resp.appendJSON(make([]byte, 0, 2*len(tok.Token)+160)); ok {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	}
	return c.JSON(resp)
}

// appendJSON appends r as encoding/json would, without its reflection:
// the token endpoint answers every `docker pull`. It reports false when a
// string needs escaping (a JWT, a time and scope strings never do), and
// the caller then encodes r the usual way.
func (r tokenResponse) appendJSON(b []byte) ([]byte, bool) {
	str := func(key, v string) {
		b = append(b, `"`...)
		b = append(b, key...)
		b = append(b, `":"`...)
		b = append(b, v...)
		b = append(b, `",`...)
	}
	for _, v := range []string{r.Token, r.AccessToken, r.IssuedAt, r.Scope, r.RefreshToken} {
		if !plainJSON(v) {
			return nil, false
		}
	}
	b = append(b, '{')
	str("token", r.Token)
	str("access_token", r.AccessToken)
	b = append(b, `"expires_in":`...)
	b = strconv.AppendInt(b, int64(r.ExpiresIn), 10)
	b = append(b, ',')
	str("issued_at", r.IssuedAt)
	if r.Scope != "" {
		str("scope", r.Scope)
	}
	if r.RefreshToken != "" {
		str("refresh_token", r.RefreshToken)
	}
	b[len(b)-1] = '}'
	return b, true
}

// plainJSON reports whether s is a JSON string's content as it stands:
// printable ASCII that encoding/json would not escape.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

func scopeString(access []licensing.Access) string {
	parts := make([]string, 0, len(access))
	for _, a := range access {
		t := a.Type
		if a.Class != "" {
			t += "(" + a.Class + ")"
		}
		parts = append(parts, t+":"+a.Name+":"+strings.Join(a.Actions, ","))
	}
	return strings.Join(parts, " ")
}

// jwks serves the public signing keys registries may trust.
func (h *handlers) jwks(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(h.Keys.JWKS())
}
