package licensing

import (
	"strings"
	"testing"
	"time"
)

func TestAllowsTag(t *testing.T) {
	end := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	before, after := end.Add(-time.Hour), end.Add(time.Hour)
	for _, c := range []struct {
		name     string
		e        Entitled
		tag      string
		released time.Time
		allowed  bool
		reason   string
	}{
		{"no rule", Entitled{}, "latest", time.Time{}, true, ""},
		{"in range", Entitled{Versions: ">=2.0.0 <3.0.0"}, "2.4.1", time.Time{}, true, ""},
		{"short version in range", Entitled{Versions: ">=2.0.0 <3.0.0"}, "2.4", time.Time{}, true, ""},
		{"v prefix", Entitled{Versions: ">=2.0.0 <3.0.0"}, "v2.0.0", time.Time{}, true, ""},
		{"above range", Entitled{Versions: ">=2.0.0 <3.0.0"}, "3.0.0", time.Time{}, false, "outside that range"},
		{"below range", Entitled{Versions: ">=2.0.0 <3.0.0"}, "1.9.9", time.Time{}, false, "outside that range"},
		{"not a version", Entitled{Versions: ">=2.0.0 <3.0.0"}, "latest", time.Time{}, false, "is not a version"},
		{"prerelease outside a plain range", Entitled{Versions: ">=2.0.0 <3.0.0"}, "2.1.0-rc1", time.Time{}, false, "outside"},
		{"pattern", Entitled{TagPattern: "14.1-*"}, "14.1-25.56", time.Time{}, true, ""},
		{"pattern miss", Entitled{TagPattern: "14.1-*"}, "13.1-52.19", time.Time{}, false, "does not match"},
		{"both rules", Entitled{Versions: ">=2", TagPattern: "*-alpine"}, "2.1.0-alpine", time.Time{}, false, "outside"},
		{"released before the end", Entitled{Until: end.Unix()}, "3.0.0", before, true, ""},
		{"released after the end", Entitled{Until: end.Unix()}, "4.0.0", after, false, "released later"},
		{"release unknown after the end", Entitled{Until: end.Unix()}, "4.0.0", time.Time{}, false, "released later"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := c.e.AllowsTag(c.tag, c.released)
			if d.Allowed != c.allowed || !strings.Contains(d.Reason, c.reason) {
				t.Errorf("AllowsTag(%q) = %+v; want allowed %v with a reason containing %q", c.tag, d, c.allowed, c.reason)
			}
		})
	}
}

func TestEntitlementValidate(t *testing.T) {
	for _, c := range []struct {
		e   Entitlement
		bad string
	}{
		{Entitlement{}, ""},
		{Entitlement{Versions: ">=2.0.0 <3.0.0", TagPattern: "2.*", Perpetual: true}, ""},
		{Entitlement{Versions: "two or three"}, "versions"},
		{Entitlement{TagPattern: "[2"}, "tag pattern"},
	} {
		err := c.e.Validate()
		if (err != nil) != (c.bad != "") || (err != nil && !strings.Contains(err.Error(), c.bad)) {
			t.Errorf("Validate(%+v) = %v; want an error naming %q", c.e, err, c.bad)
		}
	}
	if err := (Quota{Pulls: 10, Period: "week"}).Validate(); err == nil {
		t.Error("a quota per week validated")
	}
	if err := (Quota{Pulls: 10, Period: PerMonth}).Validate(); err != nil {
		t.Errorf("a monthly quota: %v", err)
	}
}

func TestPeriodKey(t *testing.T) {
	now := time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)
	if k, reset := periodKey(PerDay, now); k != "2026-12-31" || !reset.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("day: %s %s", k, reset)
	}
	if k, reset := periodKey(PerMonth, now); k != "2026-12" || !reset.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("month: %s %s", k, reset)
	}
}

func TestParseRoute(t *testing.T) {
	for path, want := range map[string]route{
		"/v2/acme/db/manifests/2.1":                {repo: "acme/db", kind: "manifests", ref: "2.1"},
		"/v2/acme/db/manifests/sha256:abc":         {repo: "acme/db", kind: "manifests", ref: "sha256:abc"},
		"/v2/a/b/c/blobs/sha256:abc":               {repo: "a/b/c", kind: "blobs", ref: "sha256:abc"},
		"/v2/acme/manifests/manifests/latest":      {repo: "acme/manifests", kind: "manifests", ref: "latest"},
		"/v2/acme/db/blobs/uploads/":               {},
		"/v2/acme/db/blobs/uploads/7f3c":           {},
		"/v2/acme/db/tags/list":                    {},
		"/v2/":                                     {},
		"/v2/acme/db/referrers/sha256:abc":         {},
		"/v2/acme/db/manifests/2.1/../../other/db": {},
	} {
		if got := parseRoute(path); got != want {
			t.Errorf("parseRoute(%q) = %+v, want %+v", path, got, want)
		}
	}
}

func TestNextPage(t *testing.T) {
	for link, want := range map[string]string{
		`</v2/acme/db/tags/list?last=2.1&n=1000>; rel="next"`: "/v2/acme/db/tags/list?last=2.1&n=1000",
		"": "",
		`<https://evil.example/v2/x>; rel="next"`: "",
		`</v2/acme/db/tags/list?n=1>; rel="prev"`: "",
	} {
		if got := nextPage(link); got != want {
			t.Errorf("nextPage(%q) = %q, want %q", link, got, want)
		}
	}
}
