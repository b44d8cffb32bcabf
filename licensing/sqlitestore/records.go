package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

// RecordTokens stores audit records in one transaction; a record whose ID
// exists is skipped.
func (s *Store) RecordTokens(ctx context.Context, records []licensing.TokenRecord) error {
	if len(records) == 0 {
		return nil
	}
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		// One parse of each statement per batch.
		record, err := tx.PrepareContext(ctx, insertTokenRecord)
		if err != nil {
			return err
		}
		defer record.Close()
		link, err := tx.PrepareContext(ctx, insertTokenRecordLicense)
		if err != nil {
			return err
		}
		defer link.Close()
		for _, r := range records {
			at := storecodec.Time(r.At)
			res, err := record.ExecContext(ctx, r.ID, at, r.Subject, r.UserID, string(r.Kind), r.Credential,
				sqldb.Strings(r.Licenses), sqldb.Strings(r.Asked), sqldb.Strings(r.Granted), sqldb.Strings(r.Denied), r.IP, r.UserAgent)
			if err != nil {
				return fmt.Errorf("record %s: %w", r.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				continue // stored already
			}
			for _, license := range storecodec.Distinct(r.Licenses) {
				if _, err := link.ExecContext(ctx, license, at, r.ID); err != nil {
					return fmt.Errorf("record %s, license %s: %w", r.ID, license, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording %d token records: %w", len(records), err)
	}
	return nil
}

// TokenRecords returns the records whose Licenses include q.LicenseID (or
// all of them), newest first (ties by ID, descending).
func (s *Store) TokenRecords(ctx context.Context, q licensing.UsageQuery) ([]licensing.TokenRecord, error) {
	before, limit := page(q)
	query, args := selectTokenRecords, []any{before, limit}
	if q.LicenseID != "" {
		query, args = selectLicenseTokenRecords, []any{q.LicenseID, before, limit}
	}
	out, err := sqldb.QueryAll(ctx, s.db, scanTokenRecord, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing token records of %q: %w", q.LicenseID, err)
	}
	return out, nil
}

// RecordPulls stores pulls in one transaction; a pull whose ID exists is
// skipped.
func (s *Store) RecordPulls(ctx context.Context, pulls []licensing.Pull) error {
	if len(pulls) == 0 {
		return nil
	}
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		insert, err := tx.PrepareContext(ctx, insertPull)
		if err != nil {
			return err
		}
		defer insert.Close()
		for _, p := range pulls {
			_, err := insert.ExecContext(ctx, p.ID, storecodec.Time(p.At), p.LicenseID, p.Owner,
				p.Repository, p.Reference, p.Digest, p.Subject, p.IP, p.UserAgent)
			if err != nil {
				return fmt.Errorf("pull %s: %w", p.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording %d pulls: %w", len(pulls), err)
	}
	return nil
}

// Pulls returns the pulls of q.LicenseID (or all of them), newest first
// (ties by ID, descending).
func (s *Store) Pulls(ctx context.Context, q licensing.UsageQuery) ([]licensing.Pull, error) {
	before, limit := page(q)
	query, args := selectPulls, []any{before, limit}
	if q.LicenseID != "" {
		query, args = selectLicensePulls, []any{q.LicenseID, before, limit}
	}
	out, err := sqldb.QueryAll(ctx, s.db, scanPull, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing pulls of %q: %w", q.LicenseID, err)
	}
	return out, nil
}

// scanTokenRecord reads one row of tokenRecordColumns.
func scanTokenRecord(sc sqldb.Scanner) (licensing.TokenRecord, error) {
	var (
		r                                licensing.TokenRecord
		at                               int64
		licenses, asked, granted, denied string
	)
	err := sc.Scan(&r.ID, &at, &r.Subject, &r.UserID, &r.Kind, &r.Credential,
		&licenses, &asked, &granted, &denied, &r.IP, &r.UserAgent)
	if err != nil {
		return licensing.TokenRecord{}, err
	}
	r.At = storecodec.ParseTime(at)
	for _, l := range []struct {
		dst  *[]string
		text string
	}{{&r.Licenses, licenses}, {&r.Asked, asked}, {&r.Granted, granted}, {&r.Denied, denied}} {
		if *l.dst, err = sqldb.ParseStrings(l.text); err != nil {
			return licensing.TokenRecord{}, fmt.Errorf("token record %s: %w", r.ID, err)
		}
	}
	return r, nil
}

// scanPull reads one row of pullColumns.
func scanPull(sc sqldb.Scanner) (licensing.Pull, error) {
	var (
		p  licensing.Pull
		at int64
	)
	err := sc.Scan(&p.ID, &at, &p.LicenseID, &p.Owner, &p.Repository, &p.Reference, &p.Digest,
		&p.Subject, &p.IP, &p.UserAgent)
	if err != nil {
		return licensing.Pull{}, err
	}
	p.At = storecodec.ParseTime(at)
	return p, nil
}
