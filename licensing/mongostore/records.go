package mongostore

import (
	"context"
	"fmt"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

// tokenRecordDoc is an audit record as stored in the token_records
// collection; a multikey index on licenses lists it under each license.
type tokenRecordDoc struct {
	ID         string   `bson:"_id"`
	At         int64    `bson:"at"`
	Subject    string   `bson:"subject"`
	UserID     string   `bson:"user_id"`
	Kind       string   `bson:"kind"`
	Credential string   `bson:"credential"`
	Licenses   []string `bson:"licenses"`
	Asked      []string `bson:"asked"`
	Granted    []string `bson:"granted"`
	Denied     []string `bson:"denied"`
	IP         string   `bson:"ip"`
	UserAgent  string   `bson:"user_agent"`
}

// pullDoc is a pull as stored in the pulls collection.
type pullDoc struct {
	ID         string `bson:"_id"`
	At         int64  `bson:"at"`
	LicenseID  string `bson:"license_id"`
	Owner      string `bson:"owner"`
	Repository string `bson:"repository"`
	Reference  string `bson:"reference"`
	Digest     string `bson:"digest"`
	Subject    string `bson:"subject"`
	IP         string `bson:"ip"`
	UserAgent  string `bson:"user_agent"`
}

// RecordTokens stores audit records in one unordered insert; a record whose
// ID exists is skipped.
func (s *Store) RecordTokens(ctx context.Context, records []licensing.TokenRecord) error {
	docs := make([]tokenRecordDoc, len(records))
	for i, r := range records {
		docs[i] = tokenRecordDoc{
			ID: r.ID, At: storecodec.Time(r.At), Subject: r.Subject, UserID: r.UserID, Kind: string(r.Kind),
			Credential: r.Credential, Licenses: r.Licenses, Asked: r.Asked, Granted: r.Granted,
			Denied: r.Denied, IP: r.IP, UserAgent: r.UserAgent,
		}
	}
	if err := insertNew(ctx, s.tokenRecords, docs); err != nil {
		return fmt.Errorf("recording %d token records: %w", len(records), err)
	}
	return nil
}

// TokenRecords returns the records whose Licenses include q.LicenseID (or
// all of them), newest first (ties by ID, descending).
func (s *Store) TokenRecords(ctx context.Context, q licensing.UsageQuery) ([]licensing.TokenRecord, error) {
	filter, opts := page(q, "licenses")
	out, err := mongodb.FindAll(ctx, s.tokenRecords, filter, decodeTokenRecord, opts)
	if err != nil {
		return nil, fmt.Errorf("listing token records of %q: %w", q.LicenseID, err)
	}
	return out, nil
}

// RecordPulls stores pulls in one unordered insert; a pull whose ID exists
// is skipped.
func (s *Store) RecordPulls(ctx context.Context, pulls []licensing.Pull) error {
	docs := make([]pullDoc, len(pulls))
	for i, p := range pulls {
		docs[i] = pullDoc{
			ID: p.ID, At: storecodec.Time(p.At), LicenseID: p.LicenseID, Owner: p.Owner,
			Repository: p.Repository, Reference: p.Reference, Digest: p.Digest, Subject: p.Subject,
			IP: p.IP, UserAgent: p.UserAgent,
		}
	}
	if err := insertNew(ctx, s.pulls, docs); err != nil {
		return fmt.Errorf("recording %d pulls: %w", len(pulls), err)
	}
	return nil
}

// Pulls returns the pulls of q.LicenseID (or all of them), newest first
// (ties by ID, descending).
func (s *Store) Pulls(ctx context.Context, q licensing.UsageQuery) ([]licensing.Pull, error) {
	filter, opts := page(q, "license_id")
	out, err := mongodb.FindAll(ctx, s.pulls, filter, decodePull, opts)
	if err != nil {
		return nil, fmt.Errorf("listing pulls of %q: %w", q.LicenseID, err)
	}
	return out, nil
}

// decodeTokenRecord converts a stored audit record to the domain type.
func decodeTokenRecord(d tokenRecordDoc) licensing.TokenRecord {
	return licensing.TokenRecord{
		ID: d.ID, At: storecodec.ParseTime(d.At), Subject: d.Subject, UserID: d.UserID,
		Kind: licensing.CredentialKind(d.Kind), Credential: d.Credential,
		Licenses: storecodec.NilIfEmpty(d.Licenses), Asked: storecodec.NilIfEmpty(d.Asked),
		Granted: storecodec.NilIfEmpty(d.Granted), Denied: storecodec.NilIfEmpty(d.Denied),
		IP: d.IP, UserAgent: d.UserAgent,
	}
}

// decodePull converts a stored pull to the domain type.
func decodePull(d pullDoc) licensing.Pull {
	return licensing.Pull{
		ID: d.ID, At: storecodec.ParseTime(d.At), LicenseID: d.LicenseID, Owner: d.Owner,
		Repository: d.Repository, Reference: d.Reference, Digest: d.Digest, Subject: d.Subject,
		IP: d.IP, UserAgent: d.UserAgent,
	}
}
