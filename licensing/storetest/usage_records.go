package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

// tokenRecord returns an audit record of a license token with every field
// set, naming licenses.
func tokenRecord(id string, at time.Time, licenses ...string) licensing.TokenRecord {
	return licensing.TokenRecord{
		ID: id, At: at, Subject: "user:u1", UserID: "u1", Kind: licensing.CredentialToken,
		Credential: "pat-" + id, Licenses: licenses,
		Asked:   []string{"repository:acme/db:pull", "repository:acme/db-tools:pull,push"},
		Granted: []string{"repository:acme/db:pull"},
		Denied:  []string{`license l9: tag "1.0" outside ">=2"`},
		IP:      "192.0.2.7", UserAgent: `docker/27.0 "ünïcode"`,
	}
}

func testTokenRecords(t *testing.T, s licensing.UsageStore) {
	anonymous := licensing.TokenRecord{ID: "r3", At: storetesting.T2, IP: "198.51.100.1",
		Asked: []string{"repository:acme/free:pull"}, Granted: []string{"repository:acme/free:pull"}}
	records := map[string]licensing.TokenRecord{
		"r1": tokenRecord("r1", storetesting.T0, "l1"),
		"r2": tokenRecord("r2", storetesting.T1, "l1", "l2"),
		"r3": anonymous,
		"r4": tokenRecord("r4", storetesting.T1, "l2"),
		"r5": tokenRecord("r5", storetesting.T1.Add(time.Nanosecond), "l1", "l1"),
		"r6": {ID: "r6"}, // zero time: oldest
	}
	mustRecordTokens(t, s, records["r2"], records["r5"], records["r1"])
	mustRecordTokens(t, s, records["r3"], records["r6"], records["r4"])
	mustRecordTokens(t, s)

	for _, tc := range []struct {
		name string
		q    licensing.UsageQuery
		want []string
	}{
		{"all", licensing.UsageQuery{Limit: 10}, []string{"r3", "r5", "r4", "r2", "r1", "r6"}},
		{"no limit", licensing.UsageQuery{}, []string{"r3", "r5", "r4", "r2", "r1", "r6"}},
		{"license", licensing.UsageQuery{LicenseID: "l1", Limit: 10}, []string{"r5", "r2", "r1"}},
		{"other license", licensing.UsageQuery{LicenseID: "l2", Limit: 10}, []string{"r4", "r2"}},
		{"unknown license", licensing.UsageQuery{LicenseID: "l3", Limit: 10}, nil},
		{"limit", licensing.UsageQuery{LicenseID: "l1", Limit: 2}, []string{"r5", "r2"}},
		{"before is strict", licensing.UsageQuery{LicenseID: "l1", Before: storetesting.T1.Add(time.Nanosecond), Limit: 10},
			[]string{"r2", "r1"}},
		{"before, all", licensing.UsageQuery{Before: storetesting.T1, Limit: 10}, []string{"r1", "r6"}},
		{"before and limit", licensing.UsageQuery{Before: storetesting.T2, Limit: 2}, []string{"r5", "r4"}},
		{"before the first", licensing.UsageQuery{LicenseID: "l2", Before: storetesting.T1, Limit: 10}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []licensing.TokenRecord
			for _, id := range tc.want {
				want = append(want, records[id])
			}
			if diff := cmp.Diff(want, mustTokenRecords(t, s, tc.q), equate); diff != "" {
				t.Errorf("TokenRecords(%+v) (-want +got):\n%s", tc.q, diff)
			}
		})
	}
}

func testTokenRecordDuplicates(t *testing.T, s licensing.UsageStore) {
	first := tokenRecord("r1", storetesting.T0, "l1")
	mustRecordTokens(t, s, first)
	// A batch written again: the same record, here with other fields, at
	// the same time.
	changed := tokenRecord("r1", storetesting.T0, "l2")
	changed.Subject = "user:u2"
	second := tokenRecord("r2", storetesting.T1, "l2")
	mustRecordTokens(t, s, changed, second, second)

	all := mustTokenRecords(t, s, licensing.UsageQuery{Limit: 10})
	if diff := cmp.Diff([]licensing.TokenRecord{second, first}, all, equate); diff != "" {
		t.Errorf("TokenRecords (-want +got):\n%s", diff)
	}
	l2 := mustTokenRecords(t, s, licensing.UsageQuery{LicenseID: "l2", Limit: 10})
	if diff := cmp.Diff([]licensing.TokenRecord{second}, l2, equate); diff != "" {
		t.Errorf("TokenRecords(l2) lists the skipped duplicate (-want +got):\n%s", diff)
	}
}

// pull returns a pull of acme/db with every field set.
func pull(id, license string, at time.Time) licensing.Pull {
	return licensing.Pull{
		ID: id, At: at, LicenseID: license, Owner: "org-" + license, Repository: "acme/db",
		Reference: "2.1", Digest: "sha256:" + id, Subject: "user:u1",
		IP: "2001:db8::1", UserAgent: `containerd/2.0 "ünïcode"`,
	}
}

func testPulls(t *testing.T, s licensing.UsageStore) {
	pulls := map[string]licensing.Pull{
		"p1": pull("p1", "l1", storetesting.T0),
		"p2": pull("p2", "l2", storetesting.T1),
		"p3": pull("p3", "l1", storetesting.T2),
		"p4": pull("p4", "l1", storetesting.T1),
		"p5": pull("p5", "l1", storetesting.T1),
	}
	mustRecordPulls(t, s, pulls["p4"], pulls["p1"], pulls["p3"])
	mustRecordPulls(t, s, pulls["p2"], pulls["p5"])
	mustRecordPulls(t, s)

	for _, tc := range []struct {
		name string
		q    licensing.UsageQuery
		want []string
	}{
		{"all", licensing.UsageQuery{Limit: 10}, []string{"p3", "p5", "p4", "p2", "p1"}},
		{"license", licensing.UsageQuery{LicenseID: "l1", Limit: 10}, []string{"p3", "p5", "p4", "p1"}},
		{"other license", licensing.UsageQuery{LicenseID: "l2", Limit: 10}, []string{"p2"}},
		{"unknown license", licensing.UsageQuery{LicenseID: "l3", Limit: 10}, nil},
		{"limit", licensing.UsageQuery{LicenseID: "l1", Limit: 2}, []string{"p3", "p5"}},
		{"before is strict", licensing.UsageQuery{LicenseID: "l1", Before: storetesting.T1, Limit: 10}, []string{"p1"}},
		{"before, all", licensing.UsageQuery{Before: storetesting.T2, Limit: 10}, []string{"p5", "p4", "p2", "p1"}},
		{"before and limit", licensing.UsageQuery{Before: storetesting.T2, Limit: 1}, []string{"p5"}},
		{"before the first", licensing.UsageQuery{Before: storetesting.T0, Limit: 10}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []licensing.Pull
			for _, id := range tc.want {
				want = append(want, pulls[id])
			}
			if diff := cmp.Diff(want, mustPulls(t, s, tc.q), equate); diff != "" {
				t.Errorf("Pulls(%+v) (-want +got):\n%s", tc.q, diff)
			}
		})
	}
}

func testPullDuplicates(t *testing.T, s licensing.UsageStore) {
	first := pull("p1", "l1", storetesting.T0)
	mustRecordPulls(t, s, first)
	changed := pull("p1", "l2", storetesting.T2)
	second := pull("p2", "l2", storetesting.T1)
	mustRecordPulls(t, s, changed, second, second)
	if diff := cmp.Diff([]licensing.Pull{second, first}, mustPulls(t, s, licensing.UsageQuery{Limit: 10}), equate); diff != "" {
		t.Errorf("Pulls (-want +got):\n%s", diff)
	}
}

// mustRecordTokens records the audit records and fails the test on error.
func mustRecordTokens(t *testing.T, s licensing.UsageStore, records ...licensing.TokenRecord) {
	t.Helper()
	if err := s.RecordTokens(context.Background(), records); err != nil {
		t.Fatalf("RecordTokens: %v", err)
	}
}

// mustTokenRecords lists audit records and fails the test on error.
func mustTokenRecords(t *testing.T, s licensing.UsageStore, q licensing.UsageQuery) []licensing.TokenRecord {
	t.Helper()
	got, err := s.TokenRecords(context.Background(), q)
	if err != nil {
		t.Fatalf("TokenRecords(%+v): %v", q, err)
	}
	return got
}

// mustRecordPulls records the pulls and fails the test on error.
func mustRecordPulls(t *testing.T, s licensing.UsageStore, pulls ...licensing.Pull) {
	t.Helper()
	if err := s.RecordPulls(context.Background(), pulls); err != nil {
		t.Fatalf("RecordPulls: %v", err)
	}
}

// mustPulls lists pulls and fails the test on error.
func mustPulls(t *testing.T, s licensing.UsageStore, q licensing.UsageQuery) []licensing.Pull {
	t.Helper()
	got, err := s.Pulls(context.Background(), q)
	if err != nil {
		t.Fatalf("Pulls(%+v): %v", q, err)
	}
	return got
}
