package licensing

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/berth/berth/registry/errcode"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/berth/berth/access"
	"github.com/berth/berth/internal/secret"
)

// KeyPrefix starts every license key, so that a leaked key is recognisable
// and the token server can tell a key from a password.
const KeyPrefix = "berth_lk_"

// Sentinel errors of the token server.
var (
	// ErrBadCredentials means the credential names no enabled account or
	// active license.
	ErrBadCredentials = errors.New("incorrect username, password or license key")
	// ErrUnknownService means the token was asked for a registry this store
	// does not serve.
	ErrUnknownService = errors.New("unknown registry service")
)

// InactiveLicenseError says a license key was presented whose license no
// longer entitles anything; the message tells the buyer why.
type InactiveLicenseError struct {
	Hint      string
	Status    Status
	LicenseID string
	Owner     string
}

func (e *InactiveLicenseError) Error() string {
	return fmt.Sprintf("license key ending %s is %s", e.Hint, e.Status)
}

// permits reports whether the principal's credential allows action on
// repo: a read-only token pulls only, and a limited token (a push token is
// one) reaches only what its limits cover.
func permits(p access.Principal, repo, action string) bool {
	if len(p.PushTo) > 0 {
		// A build token: its reach (access.Reach) already decided which
		// pulls; it pushes only to its repositories.
		return action == "pull" || action == "push" && p.MayPush(repo)
	}
	if p.ReadOnly && action != "pull" {
		return false
	}
	return p.Covers(repo)
}

// Authenticator checks a username and password (or personal access token).
// It returns an error matching ErrBadCredentials when they do not name an
// enabled account.
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) (access.Principal, error)
	// Resume returns the principal a refresh token stands for, if the
	// credential it came from still lives: the user enabled and their
	// password unchanged since since (tokenID empty), or the access token
	// tokenID unrevoked and unexpired. Otherwise an error matching
	// ErrBadCredentials.
	Resume(ctx context.Context, userID, tokenID string, since time.Time) (access.Principal, error)
}

// Policy is the one authorization decision point's answer to what a
// principal reaches in the registry outside its licenses: public
// repositories, its own and its organisations', its publishers'
// namespaces, within its credential's limits.
type Policy interface {
	Registry(ctx context.Context, p access.Principal) (*access.Reach, error)
}

// Orgs answers which organisations a user belongs to: their licenses
// entitle the user too.
type Orgs interface {
	OrgIDs(ctx context.Context, userID string) ([]string, error)
}

// TokenConfig sets what every token says about itself.
type TokenConfig struct {
	Issuer  string
	Service string
	TTL     time.Duration
	// PublicURL is the store's address, for links in refusals.
	PublicURL string
}

// Terms answers the current version of a tier's license terms.
type Terms interface {
	TermsVersion(ctx context.Context, product, tier string) (int, error)
}

// TokenRequest is a parsed request to the token endpoint. An empty Username
// and Password ask anonymously. RefreshToken, when set, is the credential
// instead of Username and Password. Offline asks for a refresh token.
type TokenRequest struct {
	Service      string
	Scopes       []Access
	Username     string
	Password     string
	RefreshToken string
	Offline      bool
	ClientID     string
	ClientIP     string // for the audit record
	UserAgent    string // for the audit record
}

// Token is a signed registry bearer token, and the refresh token when one
// was asked for.
type Token struct {
	ID           string // the jti claim
	Token        string
	Subject      string
	Access       []Access
	IssuedAt     time.Time
	ExpiresIn    time.Duration
	RefreshToken string
	// Quota is what is left of the tightest pull quota among the licenses
	// the token pulls through; nil when none has one.
	Quota *QuotaStatus
	// Denied says, per repository, why a license the caller holds granted
	// no pull (seats taken, quota used up).
	Denied map[string]Denial
}

type claims struct {
	jwt.RegisteredClaims
	Access []Access     `json:"access"`
	Berth  *BerthClaims `json:"berth,omitempty"`
}

// BerthClaims is Berth's own part of a registry token, read by the registry
// gate: the licenses a repository's pulls go through (with their tag rules
// and quotas), and why a license granted no pull.
type BerthClaims struct {
	Entitled map[string][]Entitled `json:"ent,omitempty"`
	Denied   map[string]Denial     `json:"deny,omitempty"`
}

// Denial says why a repository's licenses granted no pull, with the
// registry error code the gate answers with.
type Denial struct {
	Code    string `json:"c"` // DENIED or TOOMANYREQUESTS
	Message string `json:"m"`
	// Plugin says the repository was asked for in the plugin scope class:
	// the gate then answers in the form the Docker Engine's plugin client
	// shows (gateplugin.go).
	Plugin bool `json:"p,omitempty"`
}

// TokenDeps are what the token server works with.
type TokenDeps struct {
	Keys     *KeyRing
	Licenses Store
	Refresh  RefreshStore
	Accounts Authenticator
	Policy   Policy
	Orgs     Orgs
	Usage    UsageStore
	// Audit receives a record of every token issued; nil records nothing.
	Audit *Batcher[TokenRecord]
	// Terms, when set, holds licenses to their tier's current terms.
	Terms Terms
}

// TokenServer authenticates registry clients and signs tokens granting the
// intersection of what they ask and what their credential entitles.
type TokenServer struct {
	cfg      TokenConfig
	keys     *KeyRing
	store    Store
	refresh  RefreshStore
	accounts Authenticator
	policy   Policy
	orgs     Orgs
	usage    UsageStore
	audit    *Batcher[TokenRecord]
	terms    Terms
	now      func() time.Time
	// versions, licenses and issued make a license key's token cheap
	// without delaying a revocation (licensecache.go, tokenkey.go).
	versions versionReads
	licenses versioned[License]
	issued   versioned[reused]
}

// NewTokenServer returns a TokenServer.
func NewTokenServer(cfg TokenConfig, d TokenDeps) *TokenServer {
	s := &TokenServer{cfg: cfg, keys: d.Keys, store: d.Licenses, refresh: d.Refresh, accounts: d.Accounts,
		policy: d.Policy, orgs: d.Orgs, usage: d.Usage, audit: d.Audit, terms: d.Terms, now: time.Now}
	s.versions.read = func(ctx context.Context) (int64, error) { return s.store.LicensesVersion(ctx) }
	s.licenses.limit, s.issued.limit = maxCachedLicenses, maxReusedTokens
	return s
}

// TTL returns how long issued tokens live: the lag after which a revoked
// credential's last token dies.
func (s *TokenServer) TTL() time.Duration { return s.cfg.TTL }

// Service returns the registry service name tokens are issued for.
func (s *TokenServer) Service() string { return s.cfg.Service }

// Issue authenticates req and signs a token. A denied scope is not an
// error: it is simply absent from the token's access.
func (s *TokenServer) Issue(ctx context.Context, req TokenRequest) (Token, error) {
	if req.Service != "" && req.Service != s.cfg.Service {
		return Token{}, fmt.Errorf("%w %q", ErrUnknownService, req.Service)
	}
	if req.RefreshToken == "" && strings.HasPrefix(req.Password, KeyPrefix) {
		return s.issueForKey(ctx, req)
	}
	var p principal
	var err error
	if req.RefreshToken != "" {
		p, err = s.resolveRefresh(ctx, req.RefreshToken)
	} else {
		p, err = s.resolve(ctx, req.Username, req.Password)
	}
	if err != nil {
		s.auditRefusal(req, err)
		return Token{}, err
	}
	return s.grant(ctx, req, p)
}

// grant signs a token for p granting what it may have of req's scopes.
func (s *TokenServer) grant(ctx context.Context, req TokenRequest, p principal) (Token, error) {
	if err := s.addRepositoryGrants(ctx, p, &p.Grants, req.Scopes); err != nil {
		return Token{}, err
	}
	access := p.Grants.Intersect(req.Scopes)
	lic, err := s.licensedPulls(ctx, p, req.Scopes, access)
	if err != nil {
		return Token{}, err
	}
	for _, a := range req.Scopes {
		// Echo the class asked for: the Engine asks for a plugin as
		// "repository(plugin)" and reads the access it was granted back.
		if isRepository(a) && len(lic.entitled[a.Name]) > 0 && slices.Contains(a.Actions, "pull") {
			access = merge(access, Access{Type: a.Type, Class: a.Class, Name: a.Name, Actions: []string{"pull"}})
		}
	}
	if p.Subject.UserID != "" {
		access = restrict(access, p.Subject)
	}
	var extra *BerthClaims
	if len(lic.entitled) > 0 || len(lic.denied) > 0 {
		extra = &BerthClaims{Entitled: keepGranted(lic.entitled, access), Denied: lic.denied}
	}
	tok, err := s.sign(p.Subject.Name, access, extra)
	if err != nil {
		return Token{}, err
	}
	tok.Quota, tok.Denied = lic.quota, lic.denied
	if req.Offline && req.RefreshToken == "" && p.Kind != "" {
		if tok.RefreshToken, err = s.newRefreshToken(ctx, p, req.ClientID); err != nil {
			return Token{}, err
		}
	}
	s.auditIssued(req, p, tok, extra)
	return tok, nil
}

// licensed is what a caller's licenses entitle in one token request.
type licensed struct {
	entitled map[string][]Entitled
	denied   map[string]Denial
	quota    *QuotaStatus
}

// licensedPulls decides, for each requested pull that ownership did not
// already grant, which of the caller's licenses entitle it: a license whose
// seats are all taken by other credentials, or whose pull quota is used
// up, entitles nothing and says why.
func (s *TokenServer) licensedPulls(ctx context.Context, p principal, scopes []Access, granted []Access) (licensed, error) {
	var out licensed
	if len(p.Licensed) == 0 && len(p.Inactive) == 0 {
		return out, nil
	}
	now := s.now()
	verdicts := map[string]*Denial{} // license ID → nil if usable, else why not
	decided := map[string]bool{}     // a repository asked for in two classes is decided once
	for _, a := range scopes {
		if !isRepository(a) || !slices.Contains(a.Actions, "pull") || grants(granted, a.Name, "pull") || decided[a.Name] ||
			(p.Subject.UserID != "" && (!permits(p.Subject, a.Name, "pull") || !p.Subject.Covers(a.Name))) {
			continue
		}
		decided[a.Name] = true
		var reasons []string
		code := errcode.TooManyRequests
		for _, l := range p.Licensed[a.Name] {
			why, seen := verdicts[l.ID]
			if !seen {
				var err error
				if why, err = s.licenseVerdict(ctx, p, l, now, &out); err != nil {
					return licensed{}, err
				}
				verdicts[l.ID] = why
			}
			if why != nil {
				reasons = append(reasons, why.Message)
				if why.Code != errcode.TooManyRequests {
					code = errcode.Denied
				}
				continue
			}
			if out.entitled == nil {
				out.entitled = map[string][]Entitled{}
			}
			out.entitled[a.Name] = append(out.entitled[a.Name], entitledBy(l, now))
		}
		if len(out.entitled[a.Name]) == 0 && len(p.Inactive[a.Name]) > 0 {
			reasons, code = append(reasons, s.inactiveReasons(p.Inactive[a.Name], now)...), errcode.Denied
		}
		if len(out.entitled[a.Name]) == 0 && len(reasons) > 0 {
			if out.denied == nil {
				out.denied = map[string]Denial{}
			}
			out.denied[a.Name] = Denial{Code: code, Message: strings.Join(reasons, "; ")}
		}
	}
	for _, a := range scopes {
		if d, ok := out.denied[a.Name]; ok && isRepository(a) && a.Class == ClassPlugin {
			d.Plugin = true
			out.denied[a.Name] = d
		}
	}
	return out, nil
}

// licenseVerdict checks a license's seats and quota for this caller,
// claiming a seat if one is free, and keeps the tightest quota in out.
func (s *TokenServer) licenseVerdict(ctx context.Context, p principal, l License, now time.Time, out *licensed) (*Denial, error) {
	if s.terms != nil {
		current, err := s.terms.TermsVersion(ctx, l.Product, l.Tier)
		if err != nil {
			return nil, fmt.Errorf("reading the terms of %s/%s: %w", l.Product, l.Tier, err)
		}
		if current > l.TermsVersion {
			return &Denial{Code: errcode.Denied, Message: fmt.Sprintf(
				"the publisher of %s published new license terms (version %d); accept them at %s/licenses/%s before pulling again",
				l.Product, current, s.cfg.PublicURL, l.ID)}, nil
		}
	}
	if l.Seats > 0 {
		ok, err := s.usage.ClaimSeat(ctx, l.ID, p.seatHolder(), l.Seats, now.UTC())
		if err != nil {
			return nil, fmt.Errorf("claiming a seat on license %s: %w", l.ID, err)
		}
		if !ok {
			return &Denial{Code: errcode.Denied, Message: fmt.Sprintf("all %d seats of license …%s are taken by other credentials; an owner can free one on the license page",
				l.Seats, l.KeyHint)}, nil
		}
	}
	if l.Quota.Pulls > 0 {
		period, reset := periodKey(l.Quota.Period, now)
		used, err := s.usage.PullCount(ctx, l.ID, period)
		if err != nil {
			return nil, fmt.Errorf("reading the pull count of license %s: %w", l.ID, err)
		}
		left := max(l.Quota.Pulls-used, 0)
		if out.quota == nil || left < out.quota.Remaining {
			out.quota = &QuotaStatus{Limit: l.Quota.Pulls, Remaining: left, Reset: reset}
		}
		if left == 0 {
			return &Denial{Code: errcode.TooManyRequests, Message: quotaExhausted(l, reset)}, nil
		}
	}
	return nil, nil
}

// inactiveReasons says why licenses that grant nothing now do not let the
// account pull: the last few to end, newest first.
func (s *TokenServer) inactiveReasons(ls []License, now time.Time) []string {
	ended := func(l License) time.Time {
		if !l.RevokedAt.IsZero() {
			return l.RevokedAt
		}
		return l.ExpiresAt
	}
	ls = slices.Clone(ls)
	slices.SortFunc(ls, func(a, b License) int { return ended(b).Compare(ended(a)) })
	var out []string
	for _, l := range ls[:min(len(ls), 3)] {
		out = append(out, fmt.Sprintf("your license …%s for %s is %s; see %s/licenses/%s",
			l.KeyHint, l.Product, effectiveStatus(l, now), s.cfg.PublicURL, l.ID))
	}
	return out
}

// grants reports whether access includes action on repo.
func grants(access []Access, repo, action string) bool {
	for _, a := range access {
		if a.Type == "repository" && a.Name == repo && slices.Contains(a.Actions, action) {
			return true
		}
	}
	return false
}

// keepGranted drops entitlements of repositories a personal access token's
// limits took out of the token.
func keepGranted(ent map[string][]Entitled, access []Access) map[string][]Entitled {
	for repo := range ent {
		if !grants(access, repo, "pull") {
			delete(ent, repo)
		}
	}
	return ent
}

// addRepositoryGrants adds what the access package says the principal
// may do with each requested repository outside its licenses.
func (s *TokenServer) addRepositoryGrants(ctx context.Context, p principal, g *Grants, scopes []Access) error {
	reach, err := s.policy.Registry(ctx, p.Subject)
	if err != nil {
		return fmt.Errorf("reading the registry reach of %s: %w", p.Subject.Name, err)
	}
	for _, a := range scopes {
		// What a license covers needs no other look: a license key reaches
		// nothing beyond its licenses but what is public.
		if !isRepository(a) || (p.Kind == CredentialLicense && len(p.Licensed[a.Name]) > 0) {
			continue
		}
		actions, err := reach.Actions(ctx, a.Name)
		if err != nil {
			return fmt.Errorf("deciding access to %s: %w", a.Name, err)
		}
		if len(actions) > 0 {
			g.addRepository(a.Name, actions...)
		}
	}
	return nil
}

// restrict applies a personal access token's limits to granted access.
func restrict(access []Access, subject access.Principal) []Access {
	out := access[:0]
	for _, a := range access {
		var kept []string
		for _, act := range a.Actions {
			if permits(subject, a.Name, act) {
				kept = append(kept, act)
			}
		}
		if len(kept) > 0 {
			a.Actions = kept
			out = append(out, a)
		}
	}
	return out
}

func effectiveStatus(l License, now time.Time) Status {
	if l.Status == StatusActive && !l.ExpiresAt.IsZero() && !now.Before(l.ExpiresAt) {
		return StatusExpired
	}
	return l.Status
}

// InternalSubject starts the subject of every token Berth signs for its own
// registry work (seeding, the gate's index, promotion): no account name
// can contain the colon, and the registry's notifications of that work are
// not counted as pulls.
const InternalSubject = "berth:"

// Sign signs a token for subject granting access, with the newest signing
// key. Berth uses it directly for its own registry work (seeding, copying).
func (s *TokenServer) Sign(subject string, access []Access) (Token, error) {
	return s.sign(subject, access, nil)
}

func (s *TokenServer) sign(subject string, access []Access, extra *BerthClaims) (Token, error) {
	key, err := s.keys.current()
	if err != nil {
		return Token{}, err
	}
	now := s.now().UTC().Truncate(time.Second)
	id := secret.ID()
	if access == nil {
		access = []Access{}
	}
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.cfg.Issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings{s.cfg.Service},
			ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.TTL)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        id,
		},
		Access: slices.Clip(access),
		Berth:  extra,
	}
	signed, err := signES256(key, c)
	if err != nil {
		return Token{}, fmt.Errorf("signing token: %w", err)
	}
	return Token{ID: id, Token: signed, Subject: subject, Access: access, IssuedAt: now, ExpiresIn: s.cfg.TTL}, nil
}

// signES256 signs claims as a compact JWS (RFC 7515) with ES256 (RFC 7518
// §3.4: the signature is R and S, 32 bytes each). The header is fixed for a
// key, so it is encoded once per key, not per token.
func signES256(key signingKey, claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(key.header)+1+enc.EncodedLen(len(payload))+1+enc.EncodedLen(64))
	buf = append(buf, key.header...)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	digest := sha256.Sum256(buf)
	r, sv, err := ecdsa.Sign(rand.Reader, key.private, digest[:])
	if err != nil {
		return "", err
	}
	var sig [64]byte
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig[:])
	return string(buf), nil
}
