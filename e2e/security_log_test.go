package e2e

import (
	"context"

	"github.com/berth/berth/account"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

type securityEvent struct {
	Action     string `json:"action"`
	ActorID    string `json:"actor_id"`
	Actor      string `json:"actor"`
	Credential string `json:"credential"`
	Address    string `json:"address"`
	Outcome    string `json:"outcome"`
	Target     string `json:"target"`
}

// TestSecurityLog: sign-ins (successful and failed), credentials made and
// revoked, signing keys, role and membership changes, publisher reviews
// and admin actions are recorded with actor, credential kind, address and
// outcome; administrators read them all, an organisation's owners its own,
// and nobody else.
func TestSecurityLog(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	w := newTrustWorld(t, in, 0) // applies, is reviewed, makes tokens, signs in
	alice, org, pub := w.alice.Username, w.names["org"], w.names["publisher"]

	in.call("POST", "/api/v1/session", "", "", map[string]string{"username": alice, "password": "wrong"}, nil)
	in.call("GET", "/api/v1/user", alice, "also-wrong", nil, nil)
	var tok struct{ Token struct{ ID string } }
	if s := in.call("POST", "/api/v1/user/tokens", alice, "alice-password", map[string]any{"name": "ci"}, &tok); s != http.StatusCreated {
		t.Fatalf("token: %d", s)
	}
	if s := in.call("DELETE", "/api/v1/user/tokens/"+tok.Token.ID, alice, "alice-password", nil, nil); s != http.StatusNoContent {
		t.Errorf("revoking the token %q: %d", tok.Token.ID, s)
	}
	in.call("PATCH", "/api/v1/orgs/"+org+"/members/"+w.bob.Username, alice, "alice-password", map[string]string{"role": "admin"}, nil)
	in.call("DELETE", "/api/v1/orgs/"+org+"/members/"+w.bob.Username, alice, "alice-password", nil, nil)
	in.call("POST", "/api/v1/orgs/"+org+"/members", w.creds["pat-limited"].user, w.creds["pat-limited"].pass, map[string]string{"username": "ada0", "role": "owner"}, nil)
	in.call("PATCH", "/api/v1/admin/users/"+w.bob.Username, "ada0", "ada-password", map[string]any{"disabled": true}, nil)

	var all struct{ Events []securityEvent }
	if s := in.call("GET", "/api/v1/admin/security-events?limit=200", "ada0", "ada-password", nil, &all); s != http.StatusOK {
		t.Fatalf("admin listing: %d", s)
	}
	has := func(events []securityEvent, want securityEvent) bool {
		return slices.ContainsFunc(events, func(e securityEvent) bool {
			return e.Action == want.Action && e.Outcome == want.Outcome && (want.Actor == "" || e.Actor == want.Actor) &&
				(want.Credential == "" || e.Credential == want.Credential) && (want.Target == "" || e.Target == want.Target) && e.Address != ""
		})
	}
	for _, want := range []securityEvent{
		{Action: "sign-in", Outcome: "success", Actor: alice, Credential: "password"},
		{Action: "sign-in.failed", Outcome: "failure", Actor: alice, Credential: "password"},
		{Action: "credential.created", Outcome: "success", Actor: alice, Credential: "password"},
		{Action: "credential.created", Outcome: "success", Actor: alice, Target: "publisher:" + pub},
		{Action: "credential.revoked", Outcome: "success", Actor: alice},
		{Action: "role.changed", Outcome: "success", Actor: alice, Target: "org:" + org},
		{Action: "member.removed", Outcome: "success", Actor: alice, Target: "org:" + org},
		{Action: "member.added", Outcome: "denied", Actor: alice, Credential: "pat", Target: "org:" + org},
		{Action: "publisher.reviewed", Outcome: "success", Actor: "ada0"},
		{Action: "admin", Outcome: "success", Actor: "ada0"},
	} {
		if !has(all.Events, want) {
			t.Errorf("no %s %s event by %q (%s) on %q in the admin's log", want.Action, want.Outcome, want.Actor, want.Credential, want.Target)
		}
	}
	failures := 0
	for _, e := range all.Events {
		if e.Action == "sign-in.failed" && e.Actor == alice {
			failures++
		}
	}
	if failures != 2 {
		t.Errorf("%d failed sign-ins of alice recorded, want 2 (the sign-in API and Basic on the API)", failures)
	}

	// The organisation's owner reads its events, and only those.
	var mine struct{ Events []securityEvent }
	if s := in.call("GET", "/api/v1/orgs/"+org+"/security-events", alice, "alice-password", nil, &mine); s != http.StatusOK {
		t.Fatalf("owner listing: %d", s)
	}
	if !has(mine.Events, securityEvent{Action: "role.changed", Outcome: "success", Target: "org:" + org}) ||
		has(mine.Events, securityEvent{Action: "admin", Outcome: "success"}) || has(mine.Events, securityEvent{Action: "sign-in.failed", Outcome: "failure"}) {
		t.Errorf("the owner's view of %s: %+v; want its role change and nothing of other accounts", org, mine.Events)
	}
	_, err := in.srv.Backend.Accounts.Register(context.Background(), account.SignUp{Username: "mallory", Email: "m@example.com", Password: "mallory-password"})
	must(t, err)
	for _, who := range [][2]string{{"ada0", "ada-password"}, {"mallory", "mallory-password"}} {
		if s := in.call("GET", "/api/v1/orgs/"+org+"/security-events", who[0], who[1], nil, nil); s != http.StatusForbidden {
			t.Errorf("%s reading %s's events: %d, want 403", who[0], org, s)
		}
	}
	if s := in.call("GET", "/api/v1/admin/security-events", alice, "alice-password", nil, nil); s != http.StatusForbidden {
		t.Errorf("a non-admin reading the whole log: %d, want 403", s)
	}
	if s := in.call("GET", "/api/v1/admin/security-events?"+url.Values{"limit": {"500"}}.Encode(), "ada0", "ada-password", nil, nil); s != http.StatusUnprocessableEntity {
		t.Errorf("limit 500: %d, want 422", s)
	}
}
