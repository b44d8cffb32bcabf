package frontend

import (
	"testing"

	"github.com/berth/berth/publisher"
)

// TestPublishHref: "Publish" opens the application form until the viewer
// has a live application or a publisher, then that publisher's portal; a
// refused or lapsed application leads back to the form.
func TestPublishHref(t *testing.T) {
	for _, tc := range []struct {
		name string
		pubs []publisher.Publisher
		want string
	}{
		{"none", nil, "/publishers/apply"},
		{"pending", []publisher.Publisher{{Slug: "pia", Status: publisher.StatusPending}}, "/publishers/pia"},
		{"approved", []publisher.Publisher{{Slug: "acme", Status: publisher.StatusApproved}}, "/publishers/acme"},
		{"rejected", []publisher.Publisher{{Slug: "no", Status: publisher.StatusRejected}}, "/publishers/apply"},
		{"expired then approved", []publisher.Publisher{{Slug: "old", Status: publisher.StatusExpired}, {Slug: "new", Status: publisher.StatusApproved}}, "/publishers/new"},
	} {
		if got := publishHref(tc.pubs); got != tc.want {
			t.Errorf("%s: Publish opens %q; want %q", tc.name, got, tc.want)
		}
	}
}

// TestCurrentFor: a header link is the current page on its own address,
// marks its section below it, and nothing on a page that only shares a
// prefix of its name.
func TestCurrentFor(t *testing.T) {
	for _, tc := range []struct{ path, href, want string }{
		{"/licenses", "/licenses", "page"},
		{"/licenses/abc", "/licenses", "true"},
		{"/licensesx", "/licenses", ""},
		{"/", "/admin", ""},
	} {
		if got := currentFor(tc.path, tc.href); got != tc.want {
			t.Errorf("currentFor(%q, %q) = %q; want %q", tc.path, tc.href, got, tc.want)
		}
	}
}
