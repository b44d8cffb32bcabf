package directory_test

import (
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/berth/berth/directory"
)

// BenchmarkVerify measures the token server's password check for a
// directory account: "cached" is a pull within the cache bound (one
// account read, no directory round-trip), "uncached" a check that binds to
// slapd on loopback every time (search, bind, rebind, group search, link
// and account reads).
func BenchmarkVerify(b *testing.B) {
	for _, tc := range []struct {
		name     string
		cacheFor time.Duration
	}{{"cached", time.Hour}, {"uncached", time.Nanosecond}} {
		b.Run(tc.name, func(b *testing.B) {
			e := newBenchEnv(b, directory.Options{CacheFor: tc.cacheFor, Now: time.Now})
			if _, err := e.dir.Verify(ctx, "alice", "alice-password"); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := e.dir.Verify(ctx, "alice", "alice-password"); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkLDAPAuthenticate measures one search-then-bind sign-in against
// slapd on loopback, groups included: the directory's share of sign-in
// latency.
func BenchmarkLDAPAuthenticate(b *testing.B) {
	e := newBenchEnv(b, directory.Options{})
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.ldap.Authenticate(ctx, "alice", "alice-password"); err != nil {
			b.Fatal(err)
		}
	}
}

// newBenchEnv is newEnv with alice in the developers group.
func newBenchEnv(b *testing.B, opts directory.Options) *env {
	e := newEnv(b, opts)
	e.slapd.AddUser(b, "alice", "alice-password")
	e.slapd.AddGroup(b, "developers", "alice")
	return e
}

// BenchmarkOIDCSignIn measures an OIDC sign-in against mockoidc on
// loopback: Begin, the browser's authorization redirect, then Finish
// (code exchange with PKCE, ID token verification) and SignInIdentity
// (link read, account read, link update). The provider's own time is in
// it, as it would be for a user.
func BenchmarkOIDCSignIn(b *testing.B) {
	m, o := startOIDC(b)
	e := newEnv(b, directory.Options{})
	svc := directory.New(o, e.store, e.accounts, e.audit, directory.Options{})
	user := &mockoidc.MockUser{Subject: "sub-erin", Email: "erin@corp.example", EmailVerified: true, PreferredUsername: "erin"}
	for b.Loop() {
		m.QueueUser(user)
		authURL, pending := o.Begin()
		state, code := authorize(b, authURL)
		id, err := o.Finish(ctx, pending, state, code)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.SignInIdentity(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}
