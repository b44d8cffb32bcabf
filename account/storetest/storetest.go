// Package storetest is the behaviour suite every implementation of the
// account domain's stores must pass; the SQLite and MongoDB stores both run
// it. There is one entry point per store interface: Run for account.Store,
// RunNamespaces, RunSessions, RunTokens and RunOrgs for the others.
package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/storetesting"
)

// Run runs the users suite. newStore must return a new, empty store for each
// call.
func Run(t *testing.T, newStore func(t *testing.T) account.Store) {
	storetesting.Run(t, newStore, []storetesting.Test[account.Store]{
		{Name: "RoundTrip", Run: testRoundTrip},
		{Name: "NotFound", Run: testNotFound},
		{Name: "Conflicts", Run: testConflicts},
		{Name: "UpdateUser", Run: testUpdateUser},
		{Name: "ListUsers", Run: testListUsers},
		{Name: "DeleteUser", Run: testDeleteUser},
	})
}

// RunNamespaces runs the namespace suite. newStore must return a new, empty
// store for each call.
func RunNamespaces(t *testing.T, newStore func(t *testing.T) account.NamespaceStore) {
	storetesting.Run(t, newStore, []storetesting.Test[account.NamespaceStore]{
		{Name: "RoundTrip", Run: testNamespaceRoundTrip},
		{Name: "NotFound", Run: testNamespaceNotFound},
		{Name: "Taken", Run: testNamespaceTaken},
		{Name: "Release", Run: testReleaseNamespace},
	})
}

// RunSessions runs the session suite. newStore must return a new, empty
// store for each call.
func RunSessions(t *testing.T, newStore func(t *testing.T) account.SessionStore) {
	storetesting.Run(t, newStore, []storetesting.Test[account.SessionStore]{
		{Name: "RoundTrip", Run: testSessionRoundTrip},
		{Name: "NotFound", Run: testSessionNotFound},
		{Name: "Duplicates", Run: testSessionDuplicates},
		{Name: "TouchAndContext", Run: testTouchSession},
		{Name: "ByUser", Run: testSessionsByUser},
		{Name: "Delete", Run: testDeleteSessions},
		{Name: "TouchForward", Run: testTouchSessionForward},
		{Name: "DeleteExpired", Run: testDeleteExpiredSessions},
	})
}

// RunTokens runs the access token suite. newStore must return a new, empty
// store for each call.
func RunTokens(t *testing.T, newStore func(t *testing.T) account.TokenStore) {
	storetesting.Run(t, newStore, []storetesting.Test[account.TokenStore]{
		{Name: "RoundTrip", Run: testTokenRoundTrip},
		{Name: "NotFound", Run: testTokenNotFound},
		{Name: "Duplicates", Run: testTokenDuplicates},
		{Name: "Touch", Run: testTouchToken},
		{Name: "ByUser", Run: testTokensByUser},
		{Name: "Delete", Run: testDeleteTokens},
		{Name: "TouchForward", Run: testTouchTokenForward},
		{Name: "DeleteExpired", Run: testDeleteExpiredTokens},
		{Name: "LatestExpiry", Run: testLatestExpiry},
	})
}

// RunOrgs runs the organisation suite. newStore must return a new, empty
// store for each call.
func RunOrgs(t *testing.T, newStore func(t *testing.T) account.OrgStore) {
	storetesting.Run(t, newStore, []storetesting.Test[account.OrgStore]{
		{Name: "RoundTrip", Run: testOrgRoundTrip},
		{Name: "NotFound", Run: testOrgNotFound},
		{Name: "Conflicts", Run: testOrgConflicts},
		{Name: "Update", Run: testUpdateOrg},
		{Name: "ByMember", Run: testOrgsByMember},
		{Name: "List", Run: testListOrgs},
		{Name: "Delete", Run: testDeleteOrg},
	})
}

// equate treats nil and empty lists and maps alike: stores need not tell
// them apart.
var equate = cmpopts.EquateEmpty()

// keys returns key(x) for each of xs, in order; no xs gives nil.
func keys[T any](xs []T, key func(T) string) []string {
	var out []string
	for _, x := range xs {
		out = append(out, key(x))
	}
	return out
}

// AllStores is one implementation of every account store interface, as
// both of ours are.
type AllStores interface {
	account.Store
	account.NamespaceStore
	account.SessionStore
	account.TokenStore
	account.OrgStore
}

// RunAll runs every suite against an implementation of all the interfaces.
func RunAll(t *testing.T, newStore func(t *testing.T) AllStores) {
	t.Run("Users", func(t *testing.T) { Run(t, func(t *testing.T) account.Store { return newStore(t) }) })
	t.Run("Namespaces", func(t *testing.T) {
		RunNamespaces(t, func(t *testing.T) account.NamespaceStore { return newStore(t) })
	})
	t.Run("Sessions", func(t *testing.T) { RunSessions(t, func(t *testing.T) account.SessionStore { return newStore(t) }) })
	t.Run("Tokens", func(t *testing.T) { RunTokens(t, func(t *testing.T) account.TokenStore { return newStore(t) }) })
	t.Run("Orgs", func(t *testing.T) { RunOrgs(t, func(t *testing.T) account.OrgStore { return newStore(t) }) })
}
