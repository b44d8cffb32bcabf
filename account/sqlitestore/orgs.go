package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// orgColumns lists the orgs columns in scanOrg's order.
const orgColumns = `id, name, display_name, members, teams, created_at, version`

// CreateOrg inserts o with its name lower-cased and Version 1, and its
// members' IDs into org_members, in one transaction. A taken name yields
// account.ErrNamespaceTaken.
func (s *Store) CreateOrg(ctx context.Context, o account.Org) error {
	o.Name = strings.ToLower(o.Name)
	row, err := encodeOrg(o)
	if err != nil {
		return fmt.Errorf("creating organisation %s: %w", o.Name, err)
	}
	err = sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO orgs (`+orgColumns+`) VALUES (?, ?, ?, ?, ?, ?, 1)`,
			o.ID, o.Name, o.DisplayName, row.members, row.teams, storecodec.Time(o.CreatedAt))
		if _, ok := sqldb.UniqueViolation(err); ok {
			return orgConflict(ctx, tx, o.Name, err)
		}
		if err != nil {
			return err
		}
		return insertMembers(ctx, tx, o)
	})
	if err != nil {
		return fmt.Errorf("creating organisation %s: %w", o.Name, err)
	}
	return nil
}

// orgConflict names what a unique violation inserting an organisation called
// name was about: a taken name is reported before a taken ID, as in the
// MongoDB store.
func orgConflict(ctx context.Context, tx *sql.Tx, name string, violation error) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM orgs WHERE name = ?`, name).Scan(&one)
	switch {
	case err == nil:
		return account.ErrNamespaceTaken
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("checking name after a unique violation: %w", err)
	}
	return sqldb.NameDuplicate(violation)
}

// insertMembers records o's member IDs in org_members.
func insertMembers(ctx context.Context, tx *sql.Tx, o account.Org) error {
	for _, m := range o.Members {
		_, err := tx.ExecContext(ctx, `INSERT INTO org_members (org_id, user_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, o.ID, m.UserID)
		if err != nil {
			return fmt.Errorf("recording member %s: %w", m.UserID, err)
		}
	}
	return nil
}

// OrgByName returns the organisation, its name compared lower-cased, or
// account.ErrNotFound.
func (s *Store) OrgByName(ctx context.Context, name string) (account.Org, error) {
	name = strings.ToLower(name)
	return sqldb.QueryOne(ctx, s.db, "organisation "+name, account.ErrNotFound, scanOrg,
		`SELECT `+orgColumns+` FROM orgs WHERE name = ?`, name)
}

// OrgsByMember returns the organisations whose Members include userID, by
// name. Team membership alone does not count.
func (s *Store) OrgsByMember(ctx context.Context, userID string) ([]account.Org, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanOrg, `SELECT `+orgColumns+` FROM orgs
		WHERE id IN (SELECT org_id FROM org_members WHERE user_id = ?) ORDER BY name`, userID)
	if err != nil {
		return nil, fmt.Errorf("listing organisations of %s: %w", userID, err)
	}
	return out, nil
}

// UpdateOrg replaces the display name, members and teams of the organisation
// with o.ID if its stored Version equals o.Version, and its org_members
// rows, in one transaction. ID, Name and CreatedAt are kept: a rename moves
// a namespace and is not an update.
func (s *Store) UpdateOrg(ctx context.Context, o account.Org) (account.Org, error) {
	row, err := encodeOrg(o)
	if err != nil {
		return account.Org{}, fmt.Errorf("updating organisation %s: %w", o.ID, err)
	}
	var stored account.Org
	err = sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var err error
		stored, err = scanOrg(tx.QueryRowContext(ctx, `UPDATE orgs
			SET display_name = ?, members = ?, teams = ?, version = version + 1
			WHERE id = ? AND version = ? RETURNING `+orgColumns,
			o.DisplayName, row.members, row.teams, o.ID, o.Version))
		if errors.Is(err, sql.ErrNoRows) {
			return missedUpdate(ctx, tx, o.ID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM org_members WHERE org_id = ?`, o.ID); err != nil {
			return fmt.Errorf("clearing members: %w", err)
		}
		return insertMembers(ctx, tx, stored)
	})
	if err != nil {
		return account.Org{}, fmt.Errorf("updating organisation %s: %w", o.ID, err)
	}
	return stored, nil
}

// missedUpdate tells why an update of organisation id matched no row:
// account.ErrStale if it exists (at another version), else account.ErrNotFound.
func missedUpdate(ctx context.Context, tx *sql.Tx, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM orgs WHERE id = ?`, id).Scan(&one)
	switch {
	case err == nil:
		return account.ErrStale
	case errors.Is(err, sql.ErrNoRows):
		return account.ErrNotFound
	}
	return fmt.Errorf("checking organisation after a missed update: %w", err)
}

// ListOrgs returns organisations ordered by name.
func (s *Store) ListOrgs(ctx context.Context, p account.Page) ([]account.Org, error) {
	out, err := queryPage(ctx, s.db, scanOrg, `SELECT `+orgColumns+` FROM orgs ORDER BY name`, p)
	if err != nil {
		return nil, fmt.Errorf("listing organisations: %w", err)
	}
	return out, nil
}

// DeleteOrg removes the organisation and, by cascade, its org_members rows,
// or returns account.ErrNotFound.
func (s *Store) DeleteOrg(ctx context.Context, id string) error {
	res, err := sqldb.Exec(ctx, s.db, `DELETE FROM orgs WHERE id = ?`, id)
	if err := changedOne(res, err); err != nil {
		return fmt.Errorf("deleting organisation %s: %w", id, err)
	}
	return nil
}
