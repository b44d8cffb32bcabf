package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestStars: starring through the API counts once per user, reorders the
// catalog (stars first), shows on the Starred list and the profile, and
// unstarring undoes it; the product page's button does the same for a
// signed-in browser.
func TestStars(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	for _, u := range []string{"sam", "sue"} {
		in.call("POST", "/api/v1/users", "", "", map[string]string{"username": u, "email": u + "@example.com", "password": u + "-password"}, nil)
	}
	var list struct{ Products []struct{ Slug string } }
	in.call("GET", "/api/v1/products?limit=100", "", "", nil, &list)
	last := list.Products[len(list.Products)-1].Slug
	stars := func() int64 {
		var p struct{ Stars int64 }
		in.call("GET", "/api/v1/products/"+last, "", "", nil, &p)
		return p.Stars
	}
	for _, who := range []string{"sam", "sam", "sue"} {
		if status := in.call("PUT", "/api/v1/products/"+last+"/star", who, who+"-password", nil, nil); status != http.StatusNoContent {
			t.Fatalf("%s starring %s: %d", who, last, status)
		}
	}
	if got := stars(); got != 2 {
		t.Errorf("two users (one starring twice) gave %s %d stars; want 2", last, got)
	}
	in.call("GET", "/api/v1/products?limit=100", "", "", nil, &list)
	if list.Products[0].Slug != last {
		t.Errorf("the catalog starts with %s; want the starred %s first", list.Products[0].Slug, last)
	}
	var starred struct{ Products []struct{ Slug string } }
	in.call("GET", "/api/v1/user/starred", "sam", "sam-password", nil, &starred)
	if len(starred.Products) != 1 || starred.Products[0].Slug != last {
		t.Errorf("sam's starred = %+v", starred.Products)
	}
	var profile struct{ Starred []string }
	in.call("GET", "/api/v1/users/sam", "", "", nil, &profile)
	if len(profile.Starred) != 1 || profile.Starred[0] != last {
		t.Errorf("sam's profile starred = %v", profile.Starred)
	}
	if status := in.call("PUT", "/api/v1/products/no-such-product/star", "sam", "sam-password", nil, nil); status != http.StatusNotFound {
		t.Errorf("starring an unknown product: %d; want 404", status)
	}

	c := signInAPI(t, in, "sue", "sue-password")
	_, page := send(t, "GET", in.URL+"/products/"+last, "", nil, c)
	if !strings.Contains(page, "★ Starred") {
		t.Fatal("the product page does not show sue's star")
	}
	form := url.Values{"_csrf": {between(page, `name="_csrf" value="`, `"`)}}
	resp, _ := send(t, "POST", in.URL+"/products/"+last+"/unstar", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, c)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unstar button: %d", resp.StatusCode)
	}
	if got := stars(); got != 1 {
		t.Errorf("after sue unstarred, %s has %d stars; want 1", last, got)
	}
	_, page = send(t, "GET", in.URL+"/starred", "", nil, c)
	if !strings.Contains(page, "not starred anything") {
		t.Error("sue's Starred page still lists something")
	}
}
