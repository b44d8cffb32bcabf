package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/audit"
	"github.com/berth/berth/audit/sqlitestore"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// clock is a settable time source for the service.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// newService returns a service on a new SQLite database, with its store
// and its clock, set to storetesting.T1.
func newService(t *testing.T) (*audit.Service, audit.Store, *clock) {
	t.Helper()
	store := storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	c := &clock{now: storetesting.T1}
	return audit.New(store, audit.WithClock(c.Now)), store, c
}

// everything lists every event straight from the store, newest first.
func everything(t *testing.T, s audit.Store) []audit.Event {
	t.Helper()
	got, err := s.Events(context.Background(), audit.Query{Limit: 1000})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	return got
}

func TestRecordStampsIDAndTime(t *testing.T) {
	svc, store, c := newService(t)
	ctx := context.Background()
	in := audit.Event{ID: "mine", At: storetesting.T0, Action: audit.SignIn, ActorID: "u1", ActorName: "ann",
		Credential: audit.CredentialPassword, Address: "192.0.2.7", Outcome: audit.Success, Target: "user:ann",
		Orgs: []string{"o1", "", "o2", "o1"}, Detail: "signed in"}
	for _, now := range []time.Time{storetesting.T1, storetesting.T2} {
		c.now = now
		if err := svc.Record(ctx, in); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	got := everything(t, store)
	if len(got) != 2 {
		t.Fatalf("%d events stored, want 2", len(got))
	}
	if got[0].ID == got[1].ID || got[0].ID == "mine" || len(got[0].ID) < 20 {
		t.Errorf("IDs %q and %q: want two new random IDs", got[0].ID, got[1].ID)
	}
	want := in
	want.ID, want.At, want.Orgs = got[0].ID, storetesting.T2, []string{"o1", "o2"}
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("stored event (-want +got):\n%s", diff)
	}
	if !got[1].At.Equal(storetesting.T1) {
		t.Errorf("first event at %v, want the clock's %v", got[1].At, storetesting.T1)
	}
}

func TestRecordRefusesIncompleteEvents(t *testing.T) {
	svc, store, _ := newService(t)
	for _, tc := range []struct {
		field string
		e     audit.Event
	}{
		{"action", audit.Event{Outcome: audit.Success, ActorID: "u1"}},
		{"outcome", audit.Event{Action: audit.SignIn, ActorID: "u1"}},
	} {
		err := svc.Record(context.Background(), tc.e)
		var invalid *audit.InvalidError
		if !errors.As(err, &invalid) || invalid.Field != tc.field || invalid.Message == "" {
			t.Errorf("Record without %s: err = %v, want an InvalidError naming it", tc.field, err)
		}
	}
	if got := everything(t, store); len(got) != 0 {
		t.Errorf("%d incomplete events stored, want none", len(got))
	}
}

func TestRecordCapsText(t *testing.T) {
	svc, store, c := newService(t)
	// 499 ASCII bytes then a 2-byte character: the cap falls inside it.
	detail := strings.Repeat("d", 499) + "é" + strings.Repeat("x", 100)
	name := strings.Repeat("n", 150) + strings.Repeat("€", 50) // € is 3 bytes
	e := audit.Event{Action: audit.SignInFailed, Outcome: audit.Failure, ActorName: name,
		Target: "user:" + strings.Repeat("t", 300), Address: "bad\xffutf8", Detail: detail}
	if err := svc.Record(context.Background(), e); err != nil {
		t.Fatalf("Record: %v", err)
	}
	got := everything(t, store)[0]
	if want := strings.Repeat("d", 499); got.Detail != want {
		t.Errorf("Detail is %d bytes ending %q, want the first 499 (a character is not split)",
			len(got.Detail), got.Detail[max(0, len(got.Detail)-4):])
	}
	if want := strings.Repeat("n", 150) + strings.Repeat("€", 16); got.ActorName != want {
		t.Errorf("ActorName = %q (%d bytes), want %q", got.ActorName, len(got.ActorName), want)
	}
	if len(got.Target) != audit.MaxField || !strings.HasPrefix(got.Target, "user:ttt") {
		t.Errorf("Target is %d bytes, want %d", len(got.Target), audit.MaxField)
	}
	if got.Address != "bad\uFFFDutf8" {
		t.Errorf("Address = %q, want invalid UTF-8 replaced", got.Address)
	}
	c.now = c.now.Add(time.Second)
	short := audit.Event{Action: audit.AdminAction, Outcome: audit.Success, Detail: strings.Repeat("é", 250)}
	if err := svc.Record(context.Background(), short); err != nil {
		t.Fatalf("Record: %v", err)
	}
	if got := everything(t, store)[0]; got.Detail != short.Detail {
		t.Errorf("a detail of exactly %d bytes was changed to %d bytes", len(short.Detail), len(got.Detail))
	}
}

func TestRecordReturnsStoreErrors(t *testing.T) {
	db := sqldbtest.Open(t)
	store := storetesting.NewStore(t, db, sqlitestore.New)
	svc := audit.New(store)
	if err := db.Close(); err != nil {
		t.Fatalf("closing: %v", err)
	}
	err := svc.Record(context.Background(), audit.Event{Action: audit.SignIn, Outcome: audit.Success})
	if err == nil || !strings.Contains(err.Error(), "recording audit event sign-in") {
		t.Errorf("Record on a closed database: err = %v, want the store's error", err)
	}
}
