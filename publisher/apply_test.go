package publisher_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/publisher"
)

// TestApplicationCaps: an organisation has one pending application (it may
// change it under the same slug), a user at most three; decided and expired
// applications do not count.
func TestApplicationCaps(t *testing.T) {
	w := newWorld(t)
	alice := w.user("alice", false)
	for _, o := range []string{"a1", "a2", "a3", "a4", "a5"} {
		w.org(alice, o, nil)
	}
	first := w.apply(alice, "a1", "one", "n1")
	if first.Status != publisher.StatusPending || first.Applicant != alice.ID || first.Roles[alice.ID] != publisher.RoleOwner {
		t.Fatalf("first application = %+v", first)
	}
	limited := func(org, slug string) {
		t.Helper()
		_, err := w.pubs.Apply(w.ctx, alice.ID, publisher.Application{Slug: slug, Name: slug, Organization: org, Namespaces: []string{slug}})
		var conflict *publisher.ConflictError
		if !errors.Is(err, publisher.ErrPendingLimit) || !errors.As(err, &conflict) || conflict.Field != "organization" {
			t.Errorf("applying for %s as %s: %v; want a pending-limit conflict on organization", slug, org, err)
		}
		if _, err := w.store.PublisherBySlug(w.ctx, slug); !errors.Is(err, publisher.ErrNotFound) {
			t.Errorf("the refused application %s was stored: %v", slug, err)
		}
	}
	limited("a1", "one-more")
	if again := w.apply(alice, "a1", "one", "n1", "n1b"); len(again.Namespaces) != 2 || again.ID != first.ID {
		t.Errorf("changing the pending application = %+v", again)
	}
	w.apply(alice, "a2", "two", "n2")
	w.apply(alice, "a3", "three", "n3")
	limited("a4", "four")

	if _, err := w.pubs.Review(w.ctx, "one", publisher.Review{Decision: "approve"}); err != nil {
		t.Fatal(err)
	}
	w.apply(alice, "a4", "four", "n4") // "one" is decided: two pending, then three
	limited("a5", "five")

	w.now = w.now.Add(publisher.ApplicationTTL + time.Hour)
	w.apply(alice, "a5", "five", "n5") // the others expired
}

// TestApplicationExpiry: a pending application holds its namespaces from
// sign-ups and other applications, with a message that says so, until it
// expires; then it holds nothing, cannot be approved, and the sweep stores
// it expired.
func TestApplicationExpiry(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.user("alice", false), w.user("bob", false)
	w.org(alice, "aco", nil)
	w.org(bob, "bco", nil)
	w.org(bob, "bco2", nil)
	w.apply(alice, "aco", "squatter", "squat", "squat-two")
	w.now = w.now.Add(24 * time.Hour)
	w.apply(bob, "bco", "early", "early") // expires a day after squatter

	_, err := w.accounts.Register(w.ctx, account.SignUp{Username: "squat", Email: "s@example.com", Password: "squat-password"})
	var held *account.PendingNameError
	if !errors.As(err, &held) || !errors.Is(err, account.ErrNamespaceTaken) ||
		err.Error() != "the name squat is reserved by a pending publisher application; choose another" {
		t.Errorf("signing up as squat: %v; want the pending-application message", err)
	}
	_, err = w.pubs.Apply(w.ctx, bob.ID, publisher.Application{Slug: "bobs", Name: "Bob's", Organization: "bco2", Namespaces: []string{"squat"}})
	if !errors.Is(err, publisher.ErrNamespaceTaken) || !strings.Contains(err.Error(), "reserved by a pending publisher application") {
		t.Errorf("applying for a namespace a pending application holds: %v", err)
	}

	w.now = t0.Add(publisher.ApplicationTTL + time.Minute)
	if p, ok, err := w.pubs.Holder(w.ctx, "squat"); err != nil || ok {
		t.Errorf("Holder(squat) after expiry = %s, %v, %v; want none", p.Slug, ok, err)
	}
	if p, err := w.pubs.PublisherBySlug(w.ctx, "squatter"); err != nil || p.Status != publisher.StatusExpired || len(p.Namespaces) != 0 {
		t.Errorf("the expired application reads %+v, %v", p, err)
	}
	if _, err := w.pubs.Review(w.ctx, "squatter", publisher.Review{Decision: "approve"}); !errors.Is(err, publisher.ErrExpired) {
		t.Errorf("approving an expired application: %v; want ErrExpired", err)
	}
	checkApplications(t, w, publisher.StatusPending, "early")
	checkApplications(t, w, publisher.StatusExpired, "squatter")

	w.user("squat", false) // the name came free
	w.apply(bob, "bco2", "bobs", "squat-two")
	stored, err := w.store.PublisherBySlug(w.ctx, "squatter")
	if err != nil || stored.Status != publisher.StatusExpired || len(stored.Namespaces) != 0 ||
		!strings.Contains(stored.ReviewNote, "released squat, squat-two") {
		t.Errorf("the application that lost squat-two is stored as %+v, %v", stored, err)
	}

	w.now = t0.Add(publisher.ApplicationTTL + 25*time.Hour)
	for _, want := range []int{1, 0} { // early, then nothing left
		if n, err := w.pubs.ExpireApplications(w.ctx); err != nil || n != want {
			t.Errorf("ExpireApplications = %d, %v; want %d", n, err, want)
		}
	}
	if stored, _ := w.store.PublisherBySlug(w.ctx, "early"); stored.Status != publisher.StatusExpired {
		t.Errorf("after the sweep early is stored %s", stored.Status)
	}
}

func checkApplications(t *testing.T, w *world, status publisher.Status, want ...string) {
	t.Helper()
	ps, err := w.pubs.Applications(w.ctx, status)
	var got []string
	for _, p := range ps {
		got = append(got, p.Slug)
	}
	if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Applications(%s) = %q, %v; want %q", status, got, err, want)
	}
}

// TestApplyRefusesBadInput: each bad application is refused with its field
// named, and nothing is stored.
func TestApplyRefusesBadInput(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.user("alice", false), w.user("bob", false)
	w.org(alice, "aco", map[account.User]account.Role{bob: account.RoleAdmin})
	good := publisher.Application{Slug: "acme", Name: "Acme", Organization: "aco", Namespaces: []string{"acme"}}
	for _, tc := range []struct {
		name, field string
		as          account.User
		change      func(*publisher.Application)
	}{
		{"NUL in the name", "name", alice, func(a *publisher.Application) { a.Name = "Ac\x00me" }},
		{"bidi override in the name", "name", alice, func(a *publisher.Application) { a.Name = "Acme \u202Egnp" }},
		{"bad slug", "slug", alice, func(a *publisher.Application) { a.Slug = "Acme!" }},
		{"six namespaces", "namespaces", alice, func(a *publisher.Application) { a.Namespaces = strings.Fields("a b c d e f") }},
		{"the staging namespace", "namespaces", alice, func(a *publisher.Application) { a.Namespaces = []string{"staging"} }},
		{"an organisation the applicant only administers", "organization", bob, func(*publisher.Application) {}},
		{"no such organisation", "organization", alice, func(a *publisher.Application) { a.Organization = "nope" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good
			in.Namespaces = append([]string(nil), good.Namespaces...)
			tc.change(&in)
			_, err := w.pubs.Apply(w.ctx, tc.as.ID, in)
			var invalid *publisher.InvalidError
			if !errors.As(err, &invalid) || invalid.Field != tc.field {
				t.Errorf("Apply: %v; want an InvalidError on %s", err, tc.field)
			}
			if _, err := w.store.PublisherBySlug(w.ctx, strings.ToLower(in.Slug)); !errors.Is(err, publisher.ErrNotFound) {
				t.Errorf("the refused application was stored (%v)", err)
			}
		})
	}
	w.apply(alice, "aco", "acme", "acme")
	w.org(bob, "bco", nil)
	_, err := w.pubs.Apply(w.ctx, bob.ID, publisher.Application{Slug: "acme", Name: "Other", Organization: "bco", Namespaces: []string{"other"}})
	var conflict *publisher.ConflictError
	if !errors.As(err, &conflict) || conflict.Field != "slug" {
		t.Errorf("another organisation taking the slug: %v; want a conflict on slug", err)
	}
}

// TestApplyOwnOrganisationNamespace: an organisation's owner may claim the
// organisation's own namespace; another user's or organisation's is refused
// as taken (a conflict on namespaces), each refused name said at once.
func TestApplyOwnOrganisationNamespace(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.user("alice", false), w.user("bob", false)
	w.org(alice, "aco", nil)
	w.org(bob, "bco", nil)
	p, err := w.pubs.Apply(w.ctx, alice.ID, publisher.Application{Slug: "aco", Name: "A Co", Organization: "aco", Namespaces: []string{"aco"}})
	if err != nil || len(p.Namespaces) != 1 || p.Namespaces[0] != "aco" {
		t.Fatalf("applying for the organisation's own namespace: %+v, %v; want it accepted", p, err)
	}
	_, err = w.pubs.Apply(w.ctx, alice.ID, publisher.Application{Slug: "aco", Name: "A Co", Organization: "aco", Namespaces: []string{"aco", "bco", "bob"}})
	var conflict *publisher.ConflictError
	if !errors.As(err, &conflict) || conflict.Field != "namespaces" || !errors.Is(err, publisher.ErrNamespaceTaken) ||
		!strings.Contains(conflict.Message, `"bco"`) || !strings.Contains(conflict.Message, `"bob"`) || strings.Contains(conflict.Message, `"aco"`) {
		t.Errorf("claiming bob's organisation's and bob's own namespaces: %v; want a conflict naming bco and bob, not aco", err)
	}
}
