package main

import (
	"context"
	"errors"
	"github.com/berth/berth/audit"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/demo"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/server"
)

// cli runs the berth command line in-process with BERTH_DATA_DIR=dir as its
// only variable and stdin as standard input; it returns what was written.
func cli(t *testing.T, dir, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := map[string]string{"BERTH_DATA_DIR": dir}
	var out, errOut strings.Builder
	err = run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustCLI is cli that fails the test on error and returns standard output.
func mustCLI(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	out, stderr, err := cli(t, dir, stdin, args...)
	if err != nil {
		t.Fatalf("berth %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

// seededDir returns a data directory holding the demo catalog, its images
// and the user alice.
func seededDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mustCLI(t, dir, "", "seed", "--demo")
	mustCLI(t, dir, "s3cret-passw0rd\n", "user", "create", "--username", "alice", "--email", "alice@example.com")
	return dir
}

// paidTier returns the first demo image product with a paid tier, that tier
// and the tier's first repository.
func paidTier(t *testing.T) (product, tier, repo string) {
	t.Helper()
	for _, p := range demo.Products() {
		for _, tr := range p.Tiers {
			if p.Kind == catalog.KindImage && !tr.Free() && len(tr.Repositories) > 0 {
				return p.Slug, tr.ID, tr.Repositories[0]
			}
		}
	}
	t.Fatal("no demo image product has a paid tier")
	return "", "", ""
}

var granted = regexp.MustCompile(`license (\S+) granted to alice.*\nkey \(shown once\): (berth_lk_\S+)\n`)

// grant runs `license grant` for alice and returns the license id and key.
func grant(t *testing.T, dir, product, tier string) (id, key string) {
	t.Helper()
	out := mustCLI(t, dir, "", "license", "grant", "--user", "alice", "--product", product, "--tier", tier, "--expires", "720h")
	m := granted.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("license grant said %q; want an id and a berth_lk_ key", out)
	}
	return m[1], m[2]
}

func TestUserCreate(t *testing.T) {
	dir := t.TempDir()
	taken := func(want error) func(error) bool {
		return func(err error) bool { return errors.Is(err, want) }
	}
	for _, tc := range []struct {
		name, stdin, username, email string
		wantOut                      string
		wantErr                      func(error) bool
	}{
		{"new user", "s3cret-passw0rd\n", "alice", "alice@example.com", "created user alice", nil},
		{"same again", "s3cret-passw0rd\n", "alice", "alice@example.com", "", taken(account.ErrUsernameTaken)},
		{"username taken", "an0ther-passw0rd\n", "alice", "other@example.com", "", taken(account.ErrUsernameTaken)},
		// Emails are not unique: a unique email would tell anyone who has an account.
		{"email shared", "an0ther-passw0rd\n", "carol", "alice@example.com", "created user carol", nil},
		{"bad username", "s3cret-passw0rd\n", "Not A Name!", "x@example.com", "", func(err error) bool {
			var inv *account.InvalidError
			return errors.As(err, &inv) && inv.Field == "username"
		}},
		{"no password", "", "bob", "bob@example.com", "", mentions("password on standard input")},
		{"password without newline", "s3cret-passw0rd", "bob", "bob@example.com", "created user bob", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := cli(t, dir, tc.stdin, "user", "create", "--username", tc.username, "--email", tc.email)
			if tc.wantErr == nil && (err != nil || !strings.Contains(out, tc.wantOut)) {
				t.Errorf("user create %s: %q, %v; want %q", tc.username, out, err, tc.wantOut)
			}
			if tc.wantErr != nil && (err == nil || !tc.wantErr(err)) {
				t.Errorf("user create %s: %v; want the %s error", tc.username, err, tc.name)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		wantErr   string // "" for success
		usageOnto string // "stdout" or "stderr"
	}{
		{"help", []string{"help"}, "", "stdout"},
		{"unknown", []string{"frobnicate"}, `unknown command "frobnicate"`, "stderr"},
		{"unknown subcommand", []string{"license", "burn"}, `unknown command "license burn"`, "stderr"},
		{"no command", nil, "see usage above", "stderr"},
		{"seed without --demo", []string{"seed"}, "--demo", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, err := cli(t, t.TempDir(), "", tc.args...)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("berth %v: error %v; want %q", tc.args, err, tc.wantErr)
			}
			streams := map[string]string{"stdout": out, "stderr": stderr}
			if s := streams[tc.usageOnto]; tc.usageOnto != "" && !strings.Contains(s, "Usage:") {
				t.Errorf("berth %v: %s %q lacks the usage", tc.args, tc.usageOnto, s)
			}
		})
	}
}

// TestLicenseCommands grants, lists and revokes a license, and checks the
// grants that must be refused.
func TestLicenseCommands(t *testing.T) {
	dir := seededDir(t)
	product, tier, _ := paidTier(t)
	id, key := grant(t, dir, product, tier)

	list := mustCLI(t, dir, "", "license", "list", "--user", "alice")
	if !regexp.MustCompile(id + `\s+` + product + `\s+` + tier + `\s+active\s+…` + key[len(key)-4:]).MatchString(list) {
		t.Errorf("license list:\n%s\nwant %s active with hint …%s", list, id, key[len(key)-4:])
	}
	if strings.Contains(list, key) {
		t.Errorf("license list shows the full key:\n%s", list)
	}
	checkLicenseFile(t, dir, id, product)
	if out := mustCLI(t, dir, "", "license", "revoke", id); !strings.Contains(out, id+" revoked") {
		t.Errorf("license revoke said %q", out)
	}
	if list := mustCLI(t, dir, "", "license", "list", "--user", "alice"); !regexp.MustCompile(id + `.*\srevoked\s`).MatchString(list) {
		t.Errorf("license list after revoking:\n%s", list)
	}

	for _, tc := range []struct {
		name  string
		args  []string
		check func(error) bool
	}{
		{"unknown tier", []string{"--product", product, "--tier", "platinum"}, isTierNotFound},
		{"unknown product", []string{"--product", "no-such-product", "--tier", tier}, isTierNotFound},
		{"bad expiry", []string{"--product", product, "--tier", tier, "--expires", "nonsense"}, mentions("--expires")},
		{"unknown user", []string{"--user", "nobody", "--product", product, "--tier", tier}, mentions(`user "nobody"`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"license", "grant", "--user", "alice"}, tc.args...)
			if out, _, err := cli(t, dir, "", args...); err == nil || !tc.check(err) {
				t.Errorf("berth %v: %q, %v; want refused", args, out, err)
			}
		})
	}
	checkAdminRecords(t, dir, map[string]int{"berth license grant success": 1, "berth license revoke success": 1,
		"berth license grant failure": 4, "berth user create success": 1})
}

// checkAdminRecords counts the security audit log's command-line admin
// actions by command and outcome; listing commands are not recorded.
func checkAdminRecords(t *testing.T, dir string, want map[string]int) {
	t.Helper()
	ctx := context.Background()
	cfg := server.Defaults()
	cfg.DataDir = dir
	b, err := server.OpenBackend(ctx, cfg, "", "", "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	events, err := b.Security.List(ctx, audit.Query{Action: audit.AdminAction, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range events {
		if e.Credential != audit.CredentialCLI {
			t.Errorf("admin event %+v is not marked as the command line's", e)
		}
		got[e.Target+" "+string(e.Outcome)]++
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%d %q records, want %d (all: %v)", got[k], k, n, got)
		}
	}
	if got["berth license list success"] != 0 {
		t.Error("listing licenses was recorded as an admin action")
	}
}

func isTierNotFound(err error) bool { return errors.Is(err, licensing.ErrTierNotFound) }

// mentions returns a check that an error's message contains s.
func mentions(s string) func(error) bool {
	return func(err error) bool { return strings.Contains(err.Error(), s) }
}

func TestPublisherAddMember(t *testing.T) {
	dir := seededDir(t)
	pub := demo.Publishers()[0]
	for range 2 { // adding twice is harmless
		out := mustCLI(t, dir, "", "publisher", "add-member", "--publisher", pub.Slug, "--user", "alice")
		if !strings.Contains(out, "alice may now push to staging/"+strings.Join(pub.Namespaces, ", staging/")) {
			t.Errorf("publisher add-member said %q; want alice and %v", out, pub.Namespaces)
		}
	}
	if _, _, err := cli(t, dir, "", "publisher", "add-member", "--publisher", "no-such-publisher", "--user", "alice"); err == nil {
		t.Error("adding to an unknown publisher succeeded")
	}
}

// TestFlagHelpAndOverride: "-h" on a subcommand lists its flags and succeeds;
// a flag given on the command line wins over a variable that does not parse.
func TestFlagHelpAndOverride(t *testing.T) {
	_, stderr, err := cli(t, t.TempDir(), "", "serve", "-h")
	if err != nil || !strings.Contains(stderr, "BERTH_TOKEN_TTL") {
		t.Errorf("serve -h: error %v, output %q; want success listing the flags with their variables", err, stderr)
	}
	env := map[string]string{"BERTH_DATA_DIR": t.TempDir(), "BERTH_TOKEN_TTL": "banana"}
	getenv := func(k string) string { return env[k] }
	var out, errOut strings.Builder
	err = run(context.Background(), []string{"license", "list", "--token-ttl", "5m", "--user", "nobody"}, getenv, strings.NewReader(""), &out, &errOut)
	if err == nil || strings.Contains(err.Error(), "BERTH_TOKEN_TTL") {
		t.Errorf("with --token-ttl given, the bad BERTH_TOKEN_TTL still decided: %v", err)
	}
	err = run(context.Background(), []string{"license", "list", "--user", "nobody"}, getenv, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "BERTH_TOKEN_TTL") {
		t.Errorf("without the flag, the bad BERTH_TOKEN_TTL must stop the command: %v", err)
	}
}

// TestKeysCommands rotates the signing key from the command line and lists
// the keys: the new one current, the old one retiring.
func TestKeysCommands(t *testing.T) {
	dir := t.TempDir()
	list := func() []string {
		out := mustCLI(t, dir, "", "keys", "list")
		return strings.Split(strings.TrimSpace(out), "\n")[1:]
	}
	first := list()
	if len(first) != 1 || !strings.HasSuffix(first[0], "current") {
		t.Fatalf("keys list on a new data dir = %q; want one current key", first)
	}
	out := mustCLI(t, dir, "", "keys", "rotate")
	kid := strings.TrimPrefix(strings.SplitN(out, "\n", 2)[0], "new signing key ")
	rows := list()
	if len(rows) != 2 || !strings.HasPrefix(rows[1], kid) || !strings.HasSuffix(rows[1], "current") || !strings.HasSuffix(rows[0], "retiring") {
		t.Errorf("after rotating to %s, keys list = %q; want the old key retiring and the new one current", kid, rows)
	}
}

// checkLicenseFile writes alice's license file for id, as the API hands it
// out, and checks it with `berth license verify`, then a tampered copy.
func checkLicenseFile(t *testing.T, dir, id, product string) {
	t.Helper()
	ctx := context.Background()
	cfg := server.Defaults()
	cfg.DataDir = dir
	b, err := server.OpenBackend(ctx, cfg, "", "", "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	u, err := b.Accounts.UserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := b.Licenses.LicenseFile(ctx, b.Keys, "berth", u.ID, u.Username, id)
	_ = b.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "license.jwt")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustCLI(t, dir, "", "license", "verify", file)
	if !strings.Contains(out, "valid license "+id) || !strings.Contains(out, product) || !strings.Contains(out, "holder:       alice") {
		t.Errorf("license verify said:\n%s", out)
	}
	tampered := doc[:len(doc)-4] + "AAAA"
	if err := os.WriteFile(file, []byte(tampered), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := cli(t, dir, "", "license", "verify", file); err == nil {
		t.Errorf("a tampered license file verified:\n%s", out)
	}
}
