package sqlitestore

import (
	"math"

	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

var _ licensing.UsageStore = (*Store)(nil)

// usageSchema is the migration step that adds usage: seats (counted per
// license), token audit records (listed per license through
// token_record_licenses, one row per license a record names), pulls, pull
// counts per license and period, and tag releases. Every listing and every
// prune has an index.
const usageSchema = `CREATE TABLE IF NOT EXISTS license_seats (
		license_id TEXT NOT NULL,
		holder     TEXT NOT NULL,
		claimed_at INTEGER NOT NULL,
		PRIMARY KEY (license_id, holder)
	) STRICT;
	CREATE INDEX IF NOT EXISTS license_seats_claimed ON license_seats (license_id, claimed_at, holder);
	CREATE TABLE IF NOT EXISTS token_records (
		id         TEXT NOT NULL,
		at         INTEGER NOT NULL,
		subject    TEXT NOT NULL,
		user_id    TEXT NOT NULL,
		kind       TEXT NOT NULL,
		credential TEXT NOT NULL,
		licenses   TEXT NOT NULL,
		asked      TEXT NOT NULL,
		granted    TEXT NOT NULL,
		denied     TEXT NOT NULL,
		ip         TEXT NOT NULL,
		user_agent TEXT NOT NULL,
		PRIMARY KEY (at, id)
	) STRICT, WITHOUT ROWID;
	CREATE TABLE IF NOT EXISTS token_record_licenses (
		license_id TEXT NOT NULL,
		at         INTEGER NOT NULL,
		record_id  TEXT NOT NULL,
		PRIMARY KEY (license_id, at, record_id)
	) STRICT, WITHOUT ROWID;
	CREATE TABLE IF NOT EXISTS pulls (
		id         TEXT PRIMARY KEY,
		at         INTEGER NOT NULL,
		license_id TEXT NOT NULL,
		owner      TEXT NOT NULL,
		repository TEXT NOT NULL,
		reference  TEXT NOT NULL,
		digest     TEXT NOT NULL,
		subject    TEXT NOT NULL,
		ip         TEXT NOT NULL,
		user_agent TEXT NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS pulls_at ON pulls (at DESC, id DESC);
	CREATE INDEX IF NOT EXISTS pulls_license ON pulls (license_id, at DESC, id DESC);
	CREATE TABLE IF NOT EXISTS pull_counts (
		license_id TEXT NOT NULL,
		period     TEXT NOT NULL,
		count      INTEGER NOT NULL,
		updated_at INTEGER NOT NULL,
		PRIMARY KEY (license_id, period)
	) STRICT;
	CREATE INDEX IF NOT EXISTS pull_counts_updated ON pull_counts (updated_at);
	CREATE TABLE IF NOT EXISTS releases (
		repository TEXT NOT NULL,
		tag        TEXT NOT NULL,
		digest     TEXT NOT NULL,
		at         INTEGER NOT NULL,
		PRIMARY KEY (repository, tag)
	) STRICT`

// tokenRecordColumns lists the token_records columns in scanTokenRecord's
// order.
const tokenRecordColumns = `id, at, subject, user_id, kind, credential, licenses, asked,
	granted, denied, ip, user_agent`

// pullColumns lists the pulls columns in scanPull's order.
const pullColumns = `id, at, license_id, owner, repository, reference, digest, subject,
	ip, user_agent`

// The usage statements, kept together so that a test can show that each
// one searches an index and sorts by it.
const (
	// claimSeat inserts (license_id, holder, claimed_at) unless the cap
	// (its 4th and 6th arguments; <= 0: none) is reached; the count and the
	// insert are one statement, run under SQLite's single write lock.
	claimSeat = `INSERT INTO license_seats (license_id, holder, claimed_at)
		SELECT ?, ?, ? WHERE ? <= 0 OR (SELECT count(*) FROM license_seats WHERE license_id = ?) < ?
		ON CONFLICT (license_id, holder) DO NOTHING`
	seatHeld    = `SELECT EXISTS (SELECT 1 FROM license_seats WHERE license_id = ? AND holder = ?)`
	selectSeats = `SELECT license_id, holder, claimed_at FROM license_seats
		WHERE license_id = ? ORDER BY claimed_at, holder`
	releaseSeat = `DELETE FROM license_seats WHERE license_id = ? AND holder = ?`

	// insertTokenRecord and insertTokenRecordLicense take a whole batch as
	// one JSON array of rows (see recordRows), so that a batch costs two
	// statements however many records it holds. Links go first, and only
	// for records not stored yet.
	insertTokenRecord = `INSERT INTO token_records (` + tokenRecordColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (at, id) DO NOTHING`
	insertTokenRecordLicense = `INSERT INTO token_record_licenses (license_id, at, record_id)
		VALUES (?, ?, ?) ON CONFLICT (license_id, at, record_id) DO NOTHING`
	selectTokenRecords = `SELECT ` + tokenRecordColumns + ` FROM token_records
		WHERE at < ? ORDER BY at DESC, id DESC LIMIT ?`
	selectLicenseTokenRecords = `SELECT r.id, r.at, r.subject, r.user_id, r.kind, r.credential,
		r.licenses, r.asked, r.granted, r.denied, r.ip, r.user_agent
		FROM token_record_licenses l JOIN token_records r ON r.at = l.at AND r.id = l.record_id
		WHERE l.license_id = ? AND l.at < ? ORDER BY l.at DESC, l.record_id DESC LIMIT ?`

	insertPull = `INSERT INTO pulls (` + pullColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	selectPulls = `SELECT ` + pullColumns + ` FROM pulls
		WHERE at < ? ORDER BY at DESC, id DESC LIMIT ?`
	selectLicensePulls = `SELECT ` + pullColumns + ` FROM pulls
		WHERE license_id = ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?`

	// countPull adds one to (license_id, period) unless the limit (its 4th
	// and 5th arguments; <= 0: none) is reached, returning the new count;
	// no row comes back when the limit held.
	countPull = `INSERT INTO pull_counts (license_id, period, count, updated_at) VALUES (?, ?, 1, ?)
		ON CONFLICT (license_id, period) DO UPDATE SET count = count + 1, updated_at = excluded.updated_at
			WHERE ? <= 0 OR count < ?
		RETURNING count`
	selectPullCount = `SELECT count FROM pull_counts WHERE license_id = ? AND period = ?`

	// recordRelease keeps the time of a tag recorded at the same digest.
	recordRelease = `INSERT INTO releases (repository, tag, digest, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest, at = excluded.at
			WHERE digest <> excluded.digest`
	selectReleases = `SELECT repository, tag, digest, at FROM releases WHERE repository = ? ORDER BY tag`

	pruneTokenRecordLicenses = `DELETE FROM token_record_licenses
		WHERE (license_id, at, record_id) IN
			(SELECT l.value, r.at, r.id FROM token_records r, json_each(r.licenses) l WHERE r.at < ?)`
	pruneTokenRecords = `DELETE FROM token_records WHERE at < ?`
	prunePulls        = `DELETE FROM pulls WHERE at < ?`
	prunePullCounts   = `DELETE FROM pull_counts WHERE updated_at < ?`
)

// page returns q's bounds as query arguments: the encoded time listings
// stay strictly before (no bound when q.Before is zero) and the row limit
// (-1, SQLite's none, when q.Limit is not positive).
func page(q licensing.UsageQuery) (before, limit int64) {
	before, limit = math.MaxInt64, -1
	if !q.Before.IsZero() {
		before = storecodec.Time(q.Before)
	}
	if q.Limit > 0 {
		limit = int64(q.Limit)
	}
	return before, limit
}
