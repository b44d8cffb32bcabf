package sqldbtest

import "testing"

func TestOpenGivesEachTestItsOwnDatabase(t *testing.T) {
	a, b := Open(t), Open(t)
	if _, err := a.Exec(`CREATE TABLE t (n INTEGER)`); err != nil {
		t.Fatalf("creating table: %v", err)
	}
	if _, err := b.Exec(`CREATE TABLE t (n INTEGER)`); err != nil {
		t.Errorf("second database sees the first's table: %v", err)
	}
}
