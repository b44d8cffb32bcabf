package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// table creates table t (n INTEGER) in a fresh database holding the rows ns.
func table(t *testing.T, ns ...int) *sql.DB {
	t.Helper()
	db := open(t)
	if _, err := db.Exec(`CREATE TABLE t (n INTEGER NOT NULL)`); err != nil {
		t.Fatalf("creating table: %v", err)
	}
	for _, n := range ns {
		if _, err := db.Exec(`INSERT INTO t VALUES (?)`, n); err != nil {
			t.Fatalf("inserting: %v", err)
		}
	}
	return db
}

func scanInt(sc Scanner) (int, error) {
	var n int
	err := sc.Scan(&n)
	return n, err
}

func TestQueryAll(t *testing.T) {
	ctx := context.Background()
	db := table(t, 3, 1, 2)
	got, err := QueryAll(ctx, db, scanInt, `SELECT n FROM t WHERE n > ? ORDER BY n`, 1)
	if err != nil {
		t.Fatalf("QueryAll: %v", err)
	}
	if diff := cmp.Diff([]int{2, 3}, got); diff != "" {
		t.Errorf("QueryAll (-want +got):\n%s", diff)
	}
	got, err = QueryAll(ctx, db, scanInt, `SELECT n FROM t WHERE n > 9`)
	if err != nil || got != nil {
		t.Errorf("QueryAll of no rows = %#v, %v; want nil, nil", got, err)
	}
	if _, err := QueryAll(ctx, db, scanInt, `SELECT nothing FROM t`); err == nil {
		t.Error("QueryAll of a bad query succeeded, want an error")
	}
	errScan := errors.New("scan failed")
	_, err = QueryAll(ctx, db, func(Scanner) (int, error) { return 0, errScan }, `SELECT n FROM t`)
	if !errors.Is(err, errScan) {
		t.Errorf("QueryAll with a failing scan: err = %v, want %v", err, errScan)
	}
}

func TestQueryOne(t *testing.T) {
	ctx := context.Background()
	db := table(t, 3, 1)
	errMissing := errors.New("missing")
	got, err := QueryOne(ctx, db, "n 3", errMissing, scanInt, `SELECT n FROM t WHERE n = ?`, 3)
	if err != nil || got != 3 {
		t.Errorf("QueryOne = %d, %v; want 3, nil", got, err)
	}
	got, err = QueryOne(ctx, db, "n 9", errMissing, scanInt, `SELECT n FROM t WHERE n = ?`, 9)
	if !errors.Is(err, errMissing) || err.Error() != "n 9: missing" || got != 0 {
		t.Errorf("QueryOne of no row = %d, %v; want 0, n 9: missing", got, err)
	}
	errScan := errors.New("scan failed")
	_, err = QueryOne(ctx, db, "n 1", errMissing, func(Scanner) (int, error) { return 0, errScan }, `SELECT n FROM t`)
	if !errors.Is(err, errScan) || err.Error() != "reading n 1: scan failed" {
		t.Errorf("QueryOne with a failing scan: err = %v, want reading n 1: scan failed", err)
	}
}

func TestInTx(t *testing.T) {
	ctx := context.Background()
	db := table(t)
	insert := func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (1)`)
		return err
	}
	if err := InTx(ctx, db, insert); err != nil {
		t.Fatalf("InTx: %v", err)
	}
	errFn := errors.New("fn failed")
	err := InTx(ctx, db, func(tx *sql.Tx) error {
		if err := insert(tx); err != nil {
			return err
		}
		return errFn
	})
	if !errors.Is(err, errFn) {
		t.Errorf("InTx with a failing fn: err = %v, want %v", err, errFn)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil {
		t.Fatalf("counting: %v", err)
	}
	if n != 1 {
		t.Errorf("%d rows after one committed and one failed transaction, want 1", n)
	}
}

func TestChangedOne(t *testing.T) {
	db := table(t)
	notFound := errors.New("gone")
	res, err := db.Exec(`INSERT INTO t VALUES (1)`)
	if got := ChangedOne(res, err, notFound); got != nil {
		t.Errorf("one row changed: %v; want nil", got)
	}
	res, err = db.Exec(`DELETE FROM t WHERE n = 2`)
	if got := ChangedOne(res, err, notFound); !errors.Is(got, notFound) {
		t.Errorf("no row changed: %v; want the not-found error", got)
	}
	res, err = db.Exec(`DELETE FROM nope`)
	if got := ChangedOne(res, err, notFound); got == nil || errors.Is(got, notFound) {
		t.Errorf("a failed statement: %v; want its own error", got)
	}
}

func TestExecCount(t *testing.T) {
	db := table(t, 1, 2, 3)
	n, err := ExecCount(context.Background(), db, `DELETE FROM t WHERE n > ?`, 1)
	if err != nil || n != 2 {
		t.Errorf("deleting two of three rows: %d, %v; want 2", n, err)
	}
	if _, err := ExecCount(context.Background(), db, `DELETE FROM nope`); err == nil {
		t.Error("a failed statement reported no error")
	}
}
