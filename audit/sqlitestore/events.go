package sqlitestore

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/berth/berth/audit"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// eventColumns lists the audit_events columns in scanEvent's order.
const eventColumns = `id, at, action, actor_id, actor_name, credential, address, outcome,
	target, orgs, detail`

// The statements. Each listing reads one index newest first, starting at the
// cursor (a row value: events strictly before (at, id)); the filters that
// index does not cover are checked on the rows it yields, and an empty
// filter matches every row.
const (
	insertEvent = `INSERT INTO audit_events (` + eventColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	selectEvents = `SELECT ` + eventColumns + ` FROM audit_events
		WHERE (at, id) < (?, ?) ORDER BY at DESC, id DESC LIMIT ?`
	selectActorEvents = `SELECT ` + eventColumns + ` FROM audit_events
		WHERE actor_id = ? AND (at, id) < (?, ?) AND (? = '' OR action = ?)
		ORDER BY at DESC, id DESC LIMIT ?`
	selectActionEvents = `SELECT ` + eventColumns + ` FROM audit_events
		WHERE action = ? AND (at, id) < (?, ?) ORDER BY at DESC, id DESC LIMIT ?`
	selectOrgEvents = `SELECT e.id, e.at, e.action, e.actor_id, e.actor_name, e.credential,
		e.address, e.outcome, e.target, e.orgs, e.detail
		FROM audit_event_orgs o JOIN audit_events e ON e.at = o.at AND e.id = o.event_id
		WHERE o.org_id = ? AND (o.at, o.event_id) < (?, ?)
			AND (? = '' OR e.actor_id = ?) AND (? = '' OR e.action = ?)
		ORDER BY o.at DESC, o.event_id DESC LIMIT ?`
	deleteEvents = `DELETE FROM audit_events WHERE at < ?`
)

// AddEvent stores e in one statement; a trigger adds its organisation rows.
func (s *Store) AddEvent(ctx context.Context, e audit.Event) error {
	_, err := sqldb.Exec(ctx, s.db, insertEvent, e.ID, storecodec.Time(e.At), string(e.Action), e.ActorID,
		e.ActorName, e.Credential, e.Address, string(e.Outcome), e.Target,
		sqldb.Strings(storecodec.Distinct(e.Orgs)), e.Detail)
	if err != nil {
		return fmt.Errorf("adding audit event %s: %w", e.ID, sqldb.NameDuplicate(err))
	}
	return nil
}

// Events returns the events q selects, newest first (ties by ID,
// descending), at most q.Limit, through the index of the narrowest filter
// set: organisation, then actor, then action.
func (s *Store) Events(ctx context.Context, q audit.Query) ([]audit.Event, error) {
	if q.Limit < 1 {
		return nil, nil
	}
	before, beforeID := cursor(q)
	action := string(q.Action)
	var (
		out []audit.Event
		err error
	)
	switch {
	case q.OrgID != "":
		out, err = sqldb.QueryAll(ctx, s.db, scanEvent, selectOrgEvents, q.OrgID, before, beforeID,
			q.ActorID, q.ActorID, action, action, q.Limit)
	case q.ActorID != "":
		out, err = sqldb.QueryAll(ctx, s.db, scanEvent, selectActorEvents, q.ActorID, before, beforeID,
			action, action, q.Limit)
	case action != "":
		out, err = sqldb.QueryAll(ctx, s.db, scanEvent, selectActionEvents, action, before, beforeID, q.Limit)
	default:
		out, err = sqldb.QueryAll(ctx, s.db, scanEvent, selectEvents, before, beforeID, q.Limit)
	}
	if err != nil {
		return nil, fmt.Errorf("listing audit events: %w", err)
	}
	return out, nil
}

// cursor returns q's paging cursor as query arguments: events strictly
// before (at, id). Without q.Before every event is before it; without
// q.BeforeID, none at exactly q.Before is (no ID sorts below "").
func cursor(q audit.Query) (at int64, id string) {
	if q.Before.IsZero() {
		return math.MaxInt64, ""
	}
	return storecodec.Time(q.Before), q.BeforeID
}

// DeleteEvents deletes the events older than before in one statement (a
// trigger deletes their organisation rows) and returns how many went.
func (s *Store) DeleteEvents(ctx context.Context, before time.Time) (int, error) {
	n, err := sqldb.ExecCount(ctx, s.db, deleteEvents, storecodec.Time(before))
	if err != nil {
		return 0, fmt.Errorf("deleting audit events: %w", err)
	}
	return n, nil
}

// scanEvent reads one row of eventColumns.
func scanEvent(sc sqldb.Scanner) (audit.Event, error) {
	var (
		e    audit.Event
		at   int64
		orgs string
	)
	err := sc.Scan(&e.ID, &at, &e.Action, &e.ActorID, &e.ActorName, &e.Credential, &e.Address,
		&e.Outcome, &e.Target, &orgs, &e.Detail)
	if err != nil {
		return audit.Event{}, err
	}
	e.At = storecodec.ParseTime(at)
	if e.Orgs, err = sqldb.ParseStrings(orgs); err != nil {
		return audit.Event{}, fmt.Errorf("organisations of audit event %s: %w", e.ID, err)
	}
	return e, nil
}
