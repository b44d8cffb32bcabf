package mongostore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

// seatsDoc holds every seat of a license in the license_seats collection:
// one document, so that a claim is one conditional single-document update
// (MongoDB and FerretDB v1 have no multi-document transactions here). Count
// is len(Holders), kept beside it for the claim's filter.
type seatsDoc struct {
	ID      string      `bson:"_id"`
	Holders []holderDoc `bson:"holders"`
	Count   int         `bson:"count"`
}

// holderDoc is one seat of a seatsDoc.
type holderDoc struct {
	Holder    string `bson:"holder"`
	ClaimedAt int64  `bson:"claimed_at"`
}

// ClaimSeat gives holder a seat on the license unless limit seats are taken
// (limit <= 0: no cap), and reports whether holder holds a seat afterwards.
// The claim is one update of the license's seats document, on the condition
// that it has room and no seat of holder, creating the document if there is
// none; when the condition fails (an upsert then meets the existing _id),
// ClaimSeat reads whether holder already holds a seat. On MongoDB the
// update is atomic; FerretDB v1 applies it as read-modify-write, so there
// concurrent claims may pass the cap.
func (s *Store) ClaimSeat(ctx context.Context, licenseID, holder string, limit int, at time.Time) (bool, error) {
	filter := bson.D{{Key: "_id", Value: licenseID},
		{Key: "holders.holder", Value: bson.D{{Key: "$ne", Value: holder}}}}
	if limit > 0 {
		filter = append(filter, bson.E{Key: "count", Value: bson.D{{Key: "$lt", Value: limit}}})
	}
	update := bson.D{
		{Key: "$push", Value: bson.D{{Key: "holders", Value: holderDoc{Holder: holder, ClaimedAt: storecodec.Time(at)}}}},
		{Key: "$inc", Value: bson.D{{Key: "count", Value: 1}}},
	}
	res, err := s.seats.UpdateOne(ctx, filter, update, options.Update().SetUpsert(true))
	if err == nil && res.MatchedCount+res.UpsertedCount > 0 {
		return true, nil
	}
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return false, fmt.Errorf("claiming a seat on license %s: %w", licenseID, err)
	}
	n, err := s.seats.CountDocuments(ctx, bson.D{{Key: "_id", Value: licenseID}, {Key: "holders.holder", Value: holder}})
	if err != nil {
		return false, fmt.Errorf("reading a seat on license %s: %w", licenseID, err)
	}
	return n > 0, nil
}

// Seats returns the license's seats, oldest claim first (ties by holder).
func (s *Store) Seats(ctx context.Context, licenseID string) ([]licensing.Seat, error) {
	var d seatsDoc
	err := s.seats.FindOne(ctx, bson.D{{Key: "_id", Value: licenseID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing seats of license %s: %w", licenseID, err)
	}
	slices.SortStableFunc(d.Holders, func(a, b holderDoc) int {
		return cmp.Or(cmp.Compare(a.ClaimedAt, b.ClaimedAt), cmp.Compare(a.Holder, b.Holder))
	})
	var out []licensing.Seat
	for _, h := range d.Holders {
		out = append(out, licensing.Seat{LicenseID: d.ID, Holder: h.Holder, ClaimedAt: storecodec.ParseTime(h.ClaimedAt)})
	}
	return out, nil
}

// releaseAttempts bounds ReleaseSeat's compare-and-set: each attempt fails
// only when a claim or release of the same license came between its read
// and its write.
const releaseAttempts = 8

// ReleaseSeat frees holder's seat, or returns licensing.ErrNotFound.
//
// FerretDB v1's $pull compares whole values and takes no query such as
// {holder: ...}, and it matches no array element against a document or an
// $elemMatch of fields, so the release reads the seats and writes them back
// without holder's, on the condition that the whole list is unchanged; count
// is rewritten from the list, so it cannot drift from it.
func (s *Store) ReleaseSeat(ctx context.Context, licenseID, holder string) error {
	for range releaseAttempts {
		done, err := s.releaseSeat(ctx, licenseID, holder)
		if err != nil {
			return fmt.Errorf("releasing the seat of %s on license %s: %w", holder, licenseID, err)
		}
		if done {
			return nil
		}
	}
	return fmt.Errorf("releasing the seat of %s on license %s: seats changed under %d attempts",
		holder, licenseID, releaseAttempts)
}

// releaseSeat makes one attempt of ReleaseSeat and reports whether it wrote;
// holder holding no seat is licensing.ErrNotFound.
func (s *Store) releaseSeat(ctx context.Context, licenseID, holder string) (bool, error) {
	var d seatsDoc
	err := s.seats.FindOne(ctx, bson.D{{Key: "_id", Value: licenseID}, {Key: "holders.holder", Value: holder}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, licensing.ErrNotFound
	}
	if err != nil {
		return false, err
	}
	kept := make([]holderDoc, 0, len(d.Holders)) // not nil: $push needs an array
	for _, h := range d.Holders {
		if h.Holder != holder {
			kept = append(kept, h)
		}
	}
	res, err := s.seats.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: licenseID}, {Key: "holders", Value: d.Holders}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "holders", Value: kept}, {Key: "count", Value: len(kept)}}}})
	if err != nil {
		return false, err
	}
	return res.MatchedCount == 1, nil
}
