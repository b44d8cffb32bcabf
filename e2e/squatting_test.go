package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/publisher"
)

// apiErrorBody is the API's error answer.
type apiErrorBody struct {
	Error struct{ Code, Field, Message string }
}

// TestPendingApplicationsCannotSquat: a pending publisher application
// holds its namespaces, and a sign-up or a new organisation asking for one
// is told so; an organisation has one pending application and a user three;
// an application left unreviewed for 30 days holds nothing, cannot be
// approved, and the sweep stores it expired.
func TestPendingApplicationsCannotSquat(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	ctx := context.Background()
	accounts := in.srv.Backend.Accounts
	sam, olga := register(t, in, "sam"), register(t, in, "olga")
	_, err := accounts.Register(ctx, account.SignUp{Username: "ada", Email: "ada@example.com", Password: "ada-password", Admin: true})
	must(t, err)
	for _, org := range []string{"samco1", "samco2", "samco3", "samco4"} {
		_, err := accounts.CreateOrg(ctx, sam, org, "")
		must(t, err)
	}
	apply := func(org, slug, namespace string) (int, apiErrorBody) {
		var e apiErrorBody
		status := in.call("POST", "/api/v1/publishers", "sam", "sam-password", map[string]any{
			"slug": slug, "name": slug, "organization": org, "namespaces": []string{namespace}}, &e)
		return status, e
	}
	if status, e := apply("samco1", "samsoft", "squat"); status != http.StatusCreated {
		t.Fatalf("applying: %d %+v", status, e)
	}

	const held = "the name squat is reserved by a pending publisher application; choose another"
	var e apiErrorBody
	if status := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "squat", "email": "s@example.com",
		"password": "squat-password"}, &e); status != http.StatusConflict || e.Error.Message != held {
		t.Errorf("signing up as squat: %d %+v; want 409 %q", status, e, held)
	}
	if status := in.call("POST", "/api/v1/orgs", "olga", "olga-password", map[string]string{"name": "squat"}, &e); status != http.StatusConflict || e.Error.Message != held {
		t.Errorf("an organisation called squat: %d %+v; want 409 %q", status, e, held)
	}

	if status, e := apply("samco1", "samsoft-two", "other"); status != http.StatusConflict || e.Error.Field != "organization" ||
		!strings.Contains(e.Error.Message, "samco1 already has a pending application (samsoft)") {
		t.Errorf("a second application of samco1: %d %+v", status, e)
	}
	for _, org := range []string{"samco2", "samco3"} {
		if status, e := apply(org, org+"-soft", org+"-ns"); status != http.StatusCreated {
			t.Fatalf("applying as %s: %d %+v", org, status, e)
		}
	}
	if status, e := apply("samco4", "samco4-soft", "samco4-ns"); status != http.StatusConflict ||
		!strings.Contains(e.Error.Message, "you have 3 pending publisher applications") {
		t.Errorf("a fourth pending application: %d %+v", status, e)
	}

	// An application from 31 days ago, never reviewed.
	oldOrg, err := accounts.CreateOrg(ctx, olga, "olgaco", "")
	must(t, err)
	_, err = in.srv.Backend.Stores.Publishers.PutPublisher(ctx, publisher.Publisher{Slug: "stalesoft", Name: "Stale", Namespaces: []string{"stale"},
		Roles: map[string]publisher.Role{olga.ID: publisher.RoleOwner}, Org: oldOrg.ID, Applicant: olga.ID,
		Status: publisher.StatusPending, AppliedAt: time.Now().Add(-publisher.ApplicationTTL - time.Hour)})
	must(t, err)
	if status := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "stale", "email": "st@example.com",
		"password": "stale-password"}, &e); status != http.StatusCreated {
		t.Errorf("signing up as stale, held by an expired application: %d %+v", status, e)
	}
	if got := applications(t, in, ""); strings.Contains(got, "stalesoft") || !strings.Contains(got, "samsoft") {
		t.Errorf("pending applications = %s; want samsoft's, not stalesoft's", got)
	}
	if got := applications(t, in, "expired"); got != "stalesoft" {
		t.Errorf("expired applications = %s; want stalesoft", got)
	}
	if status := in.call("POST", "/api/v1/admin/publishers/stalesoft/review", "ada", "ada-password",
		map[string]any{"decision": "approve"}, &e); status != http.StatusConflict || e.Error.Code != "expired" {
		t.Errorf("approving the expired application: %d %+v; want 409 expired", status, e)
	}

	if n, err := in.srv.Backend.Publishers.ExpireApplications(ctx); err != nil || n != 1 {
		t.Errorf("the sweep expired %d, %v; want 1", n, err)
	}
	stored, err := in.srv.Backend.Stores.Publishers.PublisherBySlug(ctx, "stalesoft")
	if err != nil || stored.Status != publisher.StatusExpired || len(stored.Namespaces) != 0 {
		t.Errorf("after the sweep stalesoft is stored %+v, %v; want expired without namespaces", stored, err)
	}
}

// applications lists the slugs of the applications in status ("" for
// pending) as the admin sees them.
func applications(t *testing.T, in *instance, status string) string {
	t.Helper()
	var list struct{ Publishers []struct{ Slug string } }
	path := "/api/v1/admin/publishers"
	if status != "" {
		path += "?status=" + status
	}
	if code := in.call("GET", path, "ada", "ada-password", nil, &list); code != http.StatusOK {
		t.Fatalf("GET %s: %d", path, code)
	}
	var slugs []string
	for _, p := range list.Publishers {
		slugs = append(slugs, p.Slug)
	}
	return strings.Join(slugs, ",")
}
