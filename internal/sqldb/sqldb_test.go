package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// open opens a fresh database under t's temporary directory.
func open(t *testing.T) *sql.DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "a dir", "..", "berth test.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestOpenAppliesPragmas(t *testing.T) {
	db := open(t)
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"busy_timeout": "5000",
		"foreign_keys": "1",
		"synchronous":  "1", // NORMAL
	} {
		var got string
		if err := db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

func TestOpenRejectsNoFile(t *testing.T) {
	for _, path := range []string{"", ":memory:"} {
		if db, err := Open(path); err == nil {
			_ = db.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

func TestUniqueViolation(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id TEXT PRIMARY KEY, email TEXT UNIQUE, n INTEGER NOT NULL)`); err != nil {
		t.Fatalf("creating table: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO t VALUES ('a', 'a@x', 1)`); err != nil {
		t.Fatalf("inserting: %v", err)
	}
	for _, tc := range []struct {
		name, stmt, column string
		ok                 bool
	}{
		{"primary key", `INSERT INTO t VALUES ('a', 'b@x', 1)`, "t.id", true},
		{"unique column", `INSERT INTO t VALUES ('b', 'a@x', 1)`, "t.email", true},
		{"not null is no unique violation", `INSERT INTO t VALUES ('c', 'c@x', NULL)`, "", false},
		{"no error", `INSERT INTO t VALUES ('d', 'd@x', 1)`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.ExecContext(ctx, tc.stmt)
			column, ok := UniqueViolation(err)
			if column != tc.column || ok != tc.ok {
				t.Errorf("UniqueViolation(%v) = %q, %v; want %q, %v", err, column, ok, tc.column, tc.ok)
			}
		})
	}
}

func TestNameDuplicate(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatalf("creating table: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO t VALUES ('a')`); err != nil {
		t.Fatalf("inserting: %v", err)
	}
	_, violation := db.ExecContext(ctx, `INSERT INTO t VALUES ('a')`)
	if violation == nil {
		t.Fatal("inserting a duplicate succeeded")
	}
	got := NameDuplicate(violation)
	if !errors.Is(got, violation) || got.Error() != "duplicate t.id: "+violation.Error() {
		t.Errorf("NameDuplicate(%v) = %v; want it wrapped, naming t.id", violation, got)
	}
	if got := NameDuplicate(nil); got != nil {
		t.Errorf("NameDuplicate(nil) = %v, want nil", got)
	}
	other := errors.New("other")
	if got := NameDuplicate(other); !errors.Is(got, other) || got.Error() != "other" {
		t.Errorf("NameDuplicate(other) = %v; want it as it is", got)
	}
}

func TestMigrate(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	steps := []string{`CREATE TABLE a (x INTEGER)`}
	for range 2 { // the second run must be a no-op
		if err := Migrate(ctx, db, "test", steps); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	steps = append(steps, `ALTER TABLE a ADD COLUMN y INTEGER`)
	if err := Migrate(ctx, db, "test", steps); err != nil {
		t.Fatalf("Migrate with a new step: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO a (x, y) VALUES (1, 2)`); err != nil {
		t.Errorf("new column missing: %v", err)
	}
	if err := Migrate(ctx, db, "test", steps[:1]); err == nil {
		t.Error("Migrate with fewer steps than applied succeeded, want an error")
	}
	if err := Migrate(ctx, db, "other", []string{`CREATE TABLE a (x INTEGER)`}); err == nil {
		t.Error("a failing step succeeded, want an error")
	}
	var version int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_versions WHERE domain = 'other'`).Scan(&version)
	if err != nil || version != 0 {
		t.Errorf("failed migration recorded a version (count %d, err %v)", version, err)
	}
}

func TestStrings(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{}, nil},
		{[]string{"a", "", `q"uote`, "ü"}, []string{"a", "", `q"uote`, "ü"}},
	} {
		got, err := ParseStrings(Strings(tc.in))
		if err != nil {
			t.Fatalf("ParseStrings: %v", err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("round trip of %q (-want +got):\n%s", tc.in, diff)
		}
	}
	if _, err := ParseStrings("not json"); err == nil {
		t.Error("ParseStrings(not json) succeeded, want an error")
	}
}

// TestOpenRestrictsFiles: the database, its write-ahead log and its
// shared-memory index are their owner's only, whether Open creates the
// database or finds one an older install left readable to all.
func TestOpenRestrictsFiles(t *testing.T) {
	for _, existing := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "berth.db")
		if existing {
			for _, name := range []string{path, path + "-wal", path + "-shm"} {
				if err := os.WriteFile(name, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(name, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		db, err := Open(path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if _, err := db.Exec(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x')`); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(name)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("existing %v: %s: mode %v (%v); want -rw-------", existing, filepath.Base(name), fi.Mode(), err)
			}
		}
		_ = db.Close()
	}
}
