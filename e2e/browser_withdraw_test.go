package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// TestBrowserWithdrawRelease withdraws a promoted tag in a browser: the
// publisher fills in the reason beside the tag on the portal, confirms,
// and sees it under "Withdrawn tags"; the buyer's license page shows the
// notice with the reason.
func TestBrowserWithdrawRelease(t *testing.T) {
	w := newPublisherWorld(t)
	digest := w.pushStaging(t, "3.0", builtImage(t, nil, "3.0", "echo browser release"))
	w.sign(t, digest, w.key)
	if status, reason := w.upload(t, "3.0"); status != "promoted" {
		t.Fatalf("upload: %s (%s)", status, reason)
	}
	waitForTag(t, w.in, "otto/app", "3.0")

	publisher := browser(t)
	signIn(t, publisher, w.in, "ottmar", "ottmar-password", "/publishers/ottosoft")
	form := `form[action="/publishers/ottosoft/images/otto/app/tags/3.0/withdraw"]`
	if releases := text(t, publisher, "#releases"); !strings.Contains(releases, "otto/app:3.0") {
		t.Fatalf("released tags = %q; want otto/app:3.0", releases)
	}
	const reason = "Built against the wrong libc; 3.0.1 replaces it"
	fill(t, publisher, form, "reason", reason)
	acceptConfirms(t, publisher)
	if got := submit(t, publisher, form+` button[type=submit]`); got.Path != "/publishers/ottosoft" {
		t.Fatalf("withdrawing landed on %s (%q)", got, text(t, publisher, ".error"))
	}
	if asked := evaluate[string](t, publisher, `sessionStorage.getItem('confirmed') || ''`); !strings.Contains(asked, "otto/app:3.0") {
		t.Errorf("withdrawing asked %q; want a confirmation naming the tag", asked)
	}
	if flash := text(t, publisher, ".flash"); !strings.Contains(flash, "Withdrew otto/app:3.0") {
		t.Errorf("flash after withdrawing = %q", flash)
	}
	if withdrawn := text(t, publisher, "#withdrawals"); !strings.Contains(withdrawn, "otto/app:3.0") || !strings.Contains(withdrawn, reason) ||
		!strings.Contains(withdrawn, "ottmar") {
		t.Errorf("withdrawn tags = %q; want 3.0 with the reason and who withdrew it", withdrawn)
	}
	if releases := text(t, publisher, "#releases"); strings.Contains(releases, "otto/app:3.0") {
		t.Errorf("released tags still list 3.0: %q", releases)
	}
	screenshot(t, publisher, "publisher-withdrawn.png")

	var licenses struct{ Licenses []struct{ ID string } }
	if status := w.in.call("GET", "/api/v1/licenses", "bob", "bob-password", nil, &licenses); status != http.StatusOK || len(licenses.Licenses) != 1 {
		t.Fatalf("bob's licenses: %d %+v", status, licenses)
	}
	buyer := browser(t)
	signIn(t, buyer, w.in, "bob", "bob-password", "/licenses/"+licenses.Licenses[0].ID)
	if notice := text(t, buyer, "#notices"); !strings.Contains(notice, "otto/app:3.0 was withdrawn") || !strings.Contains(notice, reason) {
		t.Errorf("the buyer's license notices = %q", notice)
	}
	screenshot(t, buyer, "license-notice.png")
}
