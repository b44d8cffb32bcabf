package scanning_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// genRecord is a generated OSV record for an OS or language package: the
// tests write these because no Debian, Alpine, npm or PyPI database ships
// as a Go module.
type genRecord struct {
	ID        string
	Ecosystem string
	Name      string
	// Events are the range's events in OSV form, e.g. {"introduced": "0"}.
	Events    []map[string]string
	RangeType string
	Versions  []string
	Severity  string
	CVSS      string
	Withdrawn bool
}

// generatedRecords are the fixture set's OS and language records. Each
// names what it tests; testdata/expected.json lists which must match.
var generatedRecords = []genRecord{
	// openssl source (libssl3 and openssl binaries): fixed in u2, installed u1.
	{ID: "DEBIAN-TEST-0001", Ecosystem: "Debian:12", Name: "openssl", Severity: "high",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}}},
	// fixed in exactly the installed version: not affected.
	{ID: "DEBIAN-TEST-0002", Ecosystem: "Debian:12", Name: "openssl", Severity: "medium",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u1"}}},
	// another Debian release: not affected.
	{ID: "DEBIAN-TEST-0003", Ecosystem: "Debian:11", Name: "openssl", Severity: "critical",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "3.0.99-1"}}},
	// epoch 1 installed, fix in epoch 1: affected.
	{ID: "DEBIAN-TEST-0004", Ecosystem: "Debian:12", Name: "zlib", Severity: "low",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "1:1.2.13.dfsg-2"}}},
	// fix without an epoch sorts below any epoch-1 version: not affected.
	{ID: "DEBIAN-TEST-0005", Ecosystem: "Debian:12", Name: "zlib", Severity: "high",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "1.2.99-1"}}},
	// last_affected equal to the installed glibc: affected, no fix.
	{ID: "DEBIAN-TEST-0006", Ecosystem: "Debian:12", Name: "glibc", Severity: "medium",
		Events: []map[string]string{{"introduced": "2.36-1"}, {"last_affected": "2.36-9+deb12u3"}}},
	// dpkg compares the revision's numbers as numbers (2 < 10): affected,
	// though "1.2+deb12u1" sorts after "1.10" as a string.
	{ID: "DEBIAN-TEST-0007", Ecosystem: "Debian:12", Name: "tar", Severity: "critical",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "1.34+dfsg-1.10"}}},
	// libcrypto3's origin openssl: affected.
	{ID: "ALPINE-TEST-0001", Ecosystem: "Alpine:v3.19", Name: "openssl", Severity: "high",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "3.1.4-r5"}}},
	// r15 is newer than r2 (not so as strings): not affected.
	{ID: "ALPINE-TEST-0002", Ecosystem: "Alpine:v3.19", Name: "busybox", Severity: "critical",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "1.36.1-r2"}}},
	// another Alpine branch: not affected.
	{ID: "ALPINE-TEST-0003", Ecosystem: "Alpine:v3.18", Name: "musl", Severity: "high",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "1.2.5-r0"}}},
	// an explicit versions list naming the installed busybox: affected.
	{ID: "ALPINE-TEST-0004", Ecosystem: "Alpine:v3.19", Name: "busybox", Severity: "medium",
		Versions: []string{"1.36.1-r14", "1.36.1-r15"}},
	// npm semver range with a CVSS 3.1 vector (base 7.4, HIGH).
	{ID: "NPM-TEST-0001", Ecosystem: "npm", Name: "lodash", RangeType: "SEMVER",
		CVSS:   "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "4.17.19"}}},
	// withdrawn: never a finding.
	{ID: "NPM-TEST-0002", Ecosystem: "npm", Name: "lodash", RangeType: "SEMVER", Withdrawn: true,
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "5.0.0"}}},
	// PEP 440 range: affected.
	{ID: "PYPI-TEST-0001", Ecosystem: "PyPI", Name: "requests", Severity: "moderate",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "2.20.0"}}},
	// 2.19.0rc1 is older than 2.19.0 under PEP 440: not affected.
	{ID: "PYPI-TEST-0002", Ecosystem: "PyPI", Name: "requests", Severity: "high",
		Events: []map[string]string{{"introduced": "0"}, {"fixed": "2.19.0rc1"}}},
}

// writeRecords writes recs as OSV JSON files into dir.
func writeRecords(t testing.TB, dir string, recs []genRecord) {
	t.Helper()
	for _, r := range recs {
		rangeType := r.RangeType
		if rangeType == "" {
			rangeType = "ECOSYSTEM"
		}
		affected := map[string]any{"package": map[string]string{"ecosystem": r.Ecosystem, "name": r.Name}}
		if len(r.Events) > 0 {
			affected["ranges"] = []any{map[string]any{"type": rangeType, "events": r.Events}}
		}
		if len(r.Versions) > 0 {
			affected["versions"] = r.Versions
		}
		rec := map[string]any{"schema_version": "1.6.0", "id": r.ID, "modified": "2026-11-01T00:00:00Z",
			"aliases": []string{"CVE-TEST-" + r.ID}, "summary": "generated record " + r.ID, "affected": []any{affected}}
		if r.Severity != "" {
			rec["database_specific"] = map[string]string{"severity": r.Severity}
		}
		if r.CVSS != "" {
			rec["severity"] = []any{map[string]string{"type": "CVSS_V3", "score": r.CVSS}}
		}
		if r.Withdrawn {
			rec["withdrawn"] = "2026-11-02T00:00:00Z"
		}
		b, err := json.MarshalIndent(rec, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, r.ID+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fixtureDB returns a directory holding the real Go records from
// testdata/vulndb-go and the generated records.
func fixtureDB(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir("testdata/vulndb-go")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".json" {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata/vulndb-go", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeRecords(t, dir, generatedRecords)
	return dir
}
