// Package mongostore keeps the security audit log in MongoDB, using only
// what MongoDB 7 and FerretDB v1 both accept: each event is one document,
// written by a single insert, with its organisations as an indexed array.
package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/audit"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

// Store implements audit.Store on MongoDB with the collection audit_events,
// keyed by ID.
type Store struct {
	events *mongo.Collection
}

var _ audit.Store = (*Store)(nil)

// eventDoc is an event as stored in the audit_events collection.
type eventDoc struct {
	ID         string   `bson:"_id"`
	At         int64    `bson:"at"`
	Action     string   `bson:"action"`
	ActorID    string   `bson:"actor_id"`
	ActorName  string   `bson:"actor_name"`
	Credential string   `bson:"credential"`
	Address    string   `bson:"address"`
	Outcome    string   `bson:"outcome"`
	Target     string   `bson:"target"`
	Orgs       []string `bson:"orgs"`
	Detail     string   `bson:"detail"`
}

// New creates the audit indexes if needed and returns a Store using db: one
// per listing (every event, by organisation, by actor, by action), each in
// its newest-first order; the first also serves the sweep.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{events: db.Collection("audit_events")}
	newest := bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}
	index := func(name, field string) mongo.IndexModel {
		keys := newest
		if field != "" {
			keys = append(bson.D{{Key: field, Value: 1}}, newest...)
		}
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name)}
	}
	err := mongodb.CreateIndexes(ctx, s.events, index("at", ""), index("orgs_at", "orgs"),
		index("actor_at", "actor_id"), index("action_at", "action"))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// AddEvent stores e in one insert.
func (s *Store) AddEvent(ctx context.Context, e audit.Event) error {
	_, err := s.events.InsertOne(ctx, eventDoc{
		ID: e.ID, At: storecodec.Time(e.At), Action: string(e.Action), ActorID: e.ActorID,
		ActorName: e.ActorName, Credential: e.Credential, Address: e.Address, Outcome: string(e.Outcome),
		Target: e.Target, Orgs: storecodec.Distinct(e.Orgs), Detail: e.Detail,
	})
	if err != nil {
		return fmt.Errorf("adding audit event %s: %w", e.ID, err)
	}
	return nil
}

// Events returns the events q selects, newest first (ties by ID,
// descending), at most q.Limit.
func (s *Store) Events(ctx context.Context, q audit.Query) ([]audit.Event, error) {
	if q.Limit < 1 {
		return nil, nil
	}
	out, err := mongodb.FindAll(ctx, s.events, filter(q), decodeEvent,
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(q.Limit)))
	if err != nil {
		return nil, fmt.Errorf("listing audit events: %w", err)
	}
	return out, nil
}

// filter selects what q asks for: each set field narrows it, and the cursor
// keeps events strictly before (q.Before, q.BeforeID).
func filter(q audit.Query) bson.D {
	f := bson.D{}
	if q.OrgID != "" {
		f = append(f, bson.E{Key: "orgs", Value: q.OrgID})
	}
	if q.ActorID != "" {
		f = append(f, bson.E{Key: "actor_id", Value: q.ActorID})
	}
	if q.Action != "" {
		f = append(f, bson.E{Key: "action", Value: string(q.Action)})
	}
	if q.Before.IsZero() {
		return f
	}
	before := storecodec.Time(q.Before)
	if q.BeforeID == "" {
		return append(f, bson.E{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}})
	}
	return append(f, bson.E{Key: "$or", Value: bson.A{
		bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}},
		bson.D{{Key: "at", Value: before}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: q.BeforeID}}}},
	}})
}

// DeleteEvents deletes the events older than before in one delete and
// returns how many went.
func (s *Store) DeleteEvents(ctx context.Context, before time.Time) (int, error) {
	res, err := s.events.DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: storecodec.Time(before)}}}})
	if err != nil {
		return 0, fmt.Errorf("deleting audit events: %w", err)
	}
	return int(res.DeletedCount), nil
}

// decodeEvent converts a stored event to the domain type; an empty list of
// organisations reads back as nil.
func decodeEvent(d eventDoc) audit.Event {
	return audit.Event{
		ID: d.ID, At: storecodec.ParseTime(d.At), Action: audit.Action(d.Action), ActorID: d.ActorID,
		ActorName: d.ActorName, Credential: d.Credential, Address: d.Address, Outcome: audit.Outcome(d.Outcome),
		Target: d.Target, Orgs: storecodec.NilIfEmpty(d.Orgs), Detail: d.Detail,
	}
}
