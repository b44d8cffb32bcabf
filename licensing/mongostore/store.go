// Package mongostore keeps licenses, token keys, refresh tokens and usage
// (seats, token audit records, pulls, pull counts, tag releases) in MongoDB,
// using only what MongoDB 7 and FerretDB v1 both accept.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

// licenseDoc is a license as stored in the licenses collection. Licenses
// stored before the entitlement terms lack those fields and read back as
// unlimited; those stored before orders and tier terms lack an order and
// accepted terms.
type licenseDoc struct {
	ID              string   `bson:"_id"`
	KeyHash         string   `bson:"key_hash"`
	KeyHint         string   `bson:"key_hint"`
	Owner           string   `bson:"owner"`
	Product         string   `bson:"product"`
	Tier            string   `bson:"tier"`
	Repositories    []string `bson:"repositories"`
	Status          string   `bson:"status"`
	Trial           bool     `bson:"trial"`
	Seats           int      `bson:"seats"`
	Versions        string   `bson:"versions"`
	TagPattern      string   `bson:"tag_pattern"`
	Perpetual       bool     `bson:"perpetual"`
	QuotaPulls      int      `bson:"quota_pulls"`
	QuotaPeriod     string   `bson:"quota_period"`
	OrderID         string   `bson:"order_id"`
	TermsVersion    int      `bson:"terms_version"`
	TermsAcceptedAt int64    `bson:"terms_accepted_at"`
	CreatedAt       int64    `bson:"created_at"`
	ExpiresAt       int64    `bson:"expires_at"`
	RevokedAt       int64    `bson:"revoked_at"`
}

// Store implements licensing.Store and licensing.RefreshStore on MongoDB
// with the collections licenses, token_keys and refresh_tokens, and
// licensing.UsageStore with license_seats, token_records, pulls,
// pull_counts and releases (see usage.go), and licensing.ReferrerStore
// with referrers (see referrers.go), and licensing.HandoverStore with
// key_handovers (see handover.go).
type Store struct {
	licenses     *mongo.Collection
	keys         *mongo.Collection
	refresh      *mongo.Collection
	seats        *mongo.Collection
	tokenRecords *mongo.Collection
	pulls        *mongo.Collection
	pullCounts   *mongo.Collection
	releases     *mongo.Collection
	referrers    *mongo.Collection
	counters     *mongo.Collection
	handovers    *mongo.Collection
}

var _ licensing.Store = (*Store)(nil)

// New creates the licensing indexes if needed and returns a Store using db.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{licenses: db.Collection("licenses"), keys: db.Collection("token_keys"),
		refresh: db.Collection("refresh_tokens"), seats: db.Collection("license_seats"),
		tokenRecords: db.Collection("token_records"), pulls: db.Collection("pulls"),
		pullCounts: db.Collection("pull_counts"), releases: db.Collection("releases"),
		referrers: db.Collection("referrers"), counters: db.Collection("licensing_counters"),
		handovers: db.Collection("key_handovers")}
	err := mongodb.CreateIndexes(ctx, s.licenses,
		mongo.IndexModel{Keys: bson.D{{Key: "key_hash", Value: 1}},
			Options: options.Index().SetName("key_hash_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "owner", Value: 1}, {Key: "created_at", Value: -1}},
			Options: options.Index().SetName("owner_created")},
		mongo.IndexModel{Keys: bson.D{{Key: "product", Value: 1}, {Key: "created_at", Value: -1}},
			Options: options.Index().SetName("product_created")},
	)
	if err != nil {
		return nil, err
	}
	err = mongodb.CreateIndexes(ctx, s.keys, mongo.IndexModel{Keys: bson.D{{Key: "created_at", Value: 1}},
		Options: options.Index().SetName("created")})
	if err != nil {
		return nil, err
	}
	if err := createRefreshIndexes(ctx, s.refresh); err != nil {
		return nil, err
	}
	if err := s.createUsageIndexes(ctx); err != nil {
		return nil, err
	}
	if err := s.createReferrerIndexes(ctx); err != nil {
		return nil, err
	}
	err = mongodb.CreateIndexes(ctx, s.handovers, mongo.IndexModel{Keys: bson.D{{Key: "expires_at", Value: 1}},
		Options: options.Index().SetName("expires")})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// CreateLicense inserts l; a duplicate ID or key hash yields
// licensing.ErrConflict.
func (s *Store) CreateLicense(ctx context.Context, l licensing.License) error {
	_, err := s.licenses.InsertOne(ctx, licenseDoc{
		ID: l.ID, KeyHash: l.KeyHash, KeyHint: l.KeyHint, Owner: l.Owner, Product: l.Product,
		Tier: l.Tier, Repositories: l.Repositories, Status: string(l.Status),
		Trial: l.Trial, Seats: l.Seats, Versions: l.Entitlement.Versions, TagPattern: l.Entitlement.TagPattern,
		Perpetual: l.Entitlement.Perpetual, QuotaPulls: l.Quota.Pulls, QuotaPeriod: string(l.Quota.Period),
		OrderID: l.OrderID, TermsVersion: l.TermsVersion, TermsAcceptedAt: storecodec.Time(l.TermsAcceptedAt),
		CreatedAt: storecodec.Time(l.CreatedAt), ExpiresAt: storecodec.Time(l.ExpiresAt),
		RevokedAt: storecodec.Time(l.RevokedAt),
	})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("creating license %s: %w", l.ID, licensing.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("creating license %s: %w", l.ID, err)
	}
	return nil
}

// LicenseByID returns the license or licensing.ErrNotFound.
func (s *Store) LicenseByID(ctx context.Context, id string) (licensing.License, error) {
	l, err := s.license(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return licensing.License{}, fmt.Errorf("reading license %s: %w", id, err)
	}
	return l, nil
}

// LicenseByKeyHash returns the license whose key hashes to h, or
// licensing.ErrNotFound. The hash stays out of error messages.
func (s *Store) LicenseByKeyHash(ctx context.Context, h string) (licensing.License, error) {
	l, err := s.license(ctx, bson.D{{Key: "key_hash", Value: h}})
	if err != nil {
		return licensing.License{}, fmt.Errorf("reading license by key: %w", err)
	}
	return l, nil
}

// license returns the license filter matches; none is licensing.ErrNotFound.
func (s *Store) license(ctx context.Context, filter bson.D) (licensing.License, error) {
	var d licenseDoc
	err := s.licenses.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return licensing.License{}, licensing.ErrNotFound
	}
	if err != nil {
		return licensing.License{}, err
	}
	return decodeLicense(d), nil
}

// LicensesByOwner returns owner's licenses, newest first.
func (s *Store) LicensesByOwner(ctx context.Context, owner string) ([]licensing.License, error) {
	out, err := mongodb.FindAll(ctx, s.licenses, bson.D{{Key: "owner", Value: owner}}, decodeLicense,
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("listing licenses of %s: %w", owner, err)
	}
	return out, nil
}

// LicensesByProduct returns product's licenses, newest first, at most
// limit; a limit below 1 returns none (MongoDB would read 0 as no limit).
func (s *Store) LicensesByProduct(ctx context.Context, product string, limit int) ([]licensing.License, error) {
	if limit < 1 {
		return nil, nil
	}
	out, err := mongodb.FindAll(ctx, s.licenses, bson.D{{Key: "product", Value: product}}, decodeLicense,
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("listing licenses of product %s: %w", product, err)
	}
	return out, nil
}

// SetLicenseStatus changes a license's status in one update; revoking
// records RevokedAt = at, other statuses leave RevokedAt as it was.
func (s *Store) SetLicenseStatus(ctx context.Context, id string, st licensing.Status, at time.Time) (licensing.License, error) {
	set := bson.D{{Key: "status", Value: string(st)}}
	if st == licensing.StatusRevoked {
		set = append(set, bson.E{Key: "revoked_at", Value: storecodec.Time(at)})
	}
	var d licenseDoc
	err := s.licenses.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		err = licensing.ErrNotFound
	}
	if err == nil {
		err = s.bumpVersion(ctx)
	}
	if err != nil {
		return licensing.License{}, fmt.Errorf("setting license %s to %s: %w", id, st, err)
	}
	return decodeLicense(d), nil
}

// UpdateLicense replaces every field of the stored license but ID, Owner
// and CreatedAt with l's in one update, or returns licensing.ErrNotFound; a
// key hash another license has yields licensing.ErrConflict.
func (s *Store) UpdateLicense(ctx context.Context, l licensing.License) error {
	res, err := s.licenses.UpdateOne(ctx, bson.D{{Key: "_id", Value: l.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "key_hash", Value: l.KeyHash}, {Key: "key_hint", Value: l.KeyHint},
		{Key: "product", Value: l.Product}, {Key: "tier", Value: l.Tier},
		{Key: "repositories", Value: l.Repositories}, {Key: "status", Value: string(l.Status)},
		{Key: "trial", Value: l.Trial}, {Key: "seats", Value: l.Seats},
		{Key: "versions", Value: l.Entitlement.Versions}, {Key: "tag_pattern", Value: l.Entitlement.TagPattern},
		{Key: "perpetual", Value: l.Entitlement.Perpetual},
		{Key: "quota_pulls", Value: l.Quota.Pulls}, {Key: "quota_period", Value: string(l.Quota.Period)},
		{Key: "order_id", Value: l.OrderID}, {Key: "terms_version", Value: l.TermsVersion},
		{Key: "terms_accepted_at", Value: storecodec.Time(l.TermsAcceptedAt)},
		{Key: "expires_at", Value: storecodec.Time(l.ExpiresAt)},
		{Key: "revoked_at", Value: storecodec.Time(l.RevokedAt)},
	}}})
	if err != nil {
		// FerretDB v1 reports a unique-index violation by an update as an
		// internal error, not a duplicate key: look for the other holder.
		if taken, cerr := s.keyHashTaken(ctx, l.ID, l.KeyHash); cerr == nil && taken {
			err = licensing.ErrConflict
		}
	}
	if err == nil && res.MatchedCount == 0 {
		err = licensing.ErrNotFound
	}
	if err == nil {
		err = s.bumpVersion(ctx)
	}
	if err != nil {
		return fmt.Errorf("updating license %s: %w", l.ID, err)
	}
	return nil
}

// keyHashTaken reports whether a license other than id has key hash h.
func (s *Store) keyHashTaken(ctx context.Context, id, h string) (bool, error) {
	n, err := s.licenses.CountDocuments(ctx, bson.D{
		{Key: "key_hash", Value: h}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: id}}},
	}, options.Count().SetLimit(1))
	return n > 0, err
}

// decodeLicense converts a stored license to the domain type.
func decodeLicense(d licenseDoc) licensing.License {
	return licensing.License{
		ID: d.ID, KeyHash: d.KeyHash, KeyHint: d.KeyHint, Owner: d.Owner, Product: d.Product,
		Tier: d.Tier, Repositories: storecodec.NilIfEmpty(d.Repositories), Status: licensing.Status(d.Status),
		Trial: d.Trial, Entitlement: licensing.Entitlement{Versions: d.Versions, TagPattern: d.TagPattern, Perpetual: d.Perpetual},
		Seats: d.Seats, Quota: licensing.Quota{Pulls: d.QuotaPulls, Period: licensing.Period(d.QuotaPeriod)},
		OrderID: d.OrderID, TermsVersion: d.TermsVersion, TermsAcceptedAt: storecodec.ParseTime(d.TermsAcceptedAt),
		CreatedAt: storecodec.ParseTime(d.CreatedAt), ExpiresAt: storecodec.ParseTime(d.ExpiresAt),
		RevokedAt: storecodec.ParseTime(d.RevokedAt),
	}
}
