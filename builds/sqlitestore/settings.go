package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// RequestCancel sets the build's cancellation flag and returns it.
func (s *Store) RequestCancel(ctx context.Context, repository, id string) (builds.Record, error) {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE builds SET cancel_requested = 1 WHERE id = ? AND repository = ?`, id, repository)
	if err := sqldb.ChangedOne(res, err, builds.ErrNotFound); err != nil {
		return builds.Record{}, fmt.Errorf("cancelling build %s: %w", id, err)
	}
	return s.Build(ctx, repository, id)
}

// PutSettings stores st, replacing the repository's settings, and its
// rows of the link index in the same transaction.
func (s *Store) PutSettings(ctx context.Context, st builds.StoredSettings) error {
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO build_settings (repository, url, host_key, rules, links, token,
		deploy_key_public, deploy_key_private, hook_secret, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (repository) DO UPDATE SET url = excluded.url, host_key = excluded.host_key, rules = excluded.rules,
		links = excluded.links, token = excluded.token, deploy_key_public = excluded.deploy_key_public,
		deploy_key_private = excluded.deploy_key_private, hook_secret = excluded.hook_secret, updated_at = excluded.updated_at`,
			st.Repository, st.URL, st.HostKey, builds.EncodeRules(st.Rules), sqldb.Strings(st.Links), blob(st.Token),
			st.DeployKeyPublic, blob(st.DeployKeyPrivate), blob(st.HookSecret), storecodec.Time(st.UpdatedAt))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM build_links WHERE repository = ?`, st.Repository); err != nil {
			return err
		}
		for _, l := range st.Links {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO build_links (link, repository) VALUES (?, ?)`,
				l, st.Repository); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storing build settings of %s: %w", st.Repository, err)
	}
	return nil
}

// Linked reads the link index.
func (s *Store) Linked(ctx context.Context, link string) ([]string, error) {
	out, err := sqldb.QueryAll(ctx, s.db, func(sc sqldb.Scanner) (string, error) {
		var repo string
		return repo, sc.Scan(&repo)
	}, `SELECT repository FROM build_links WHERE link = ? ORDER BY repository`, link)
	if err != nil {
		return nil, fmt.Errorf("listing repositories linking %s: %w", link, err)
	}
	return out, nil
}

// blob is b, never NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nilIfEmpty reads an empty blob back as nil.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Settings returns the repository's build settings.
func (s *Store) Settings(ctx context.Context, repository string) (builds.StoredSettings, error) {
	return sqldb.QueryOne(ctx, s.db, "build settings of "+repository, builds.ErrNotFound, func(sc sqldb.Scanner) (builds.StoredSettings, error) {
		var (
			st           builds.StoredSettings
			rules, links string
			updated      int64
		)
		if err := sc.Scan(&st.Repository, &st.URL, &st.HostKey, &rules, &links, &st.Token, &st.DeployKeyPublic,
			&st.DeployKeyPrivate, &st.HookSecret, &updated); err != nil {
			return st, err
		}
		var err error
		if st.Rules, err = builds.DecodeRules(rules); err != nil {
			return st, err
		}
		if st.Links, err = sqldb.ParseStrings(links); err != nil {
			return st, err
		}
		st.Token, st.DeployKeyPrivate, st.HookSecret = nilIfEmpty(st.Token), nilIfEmpty(st.DeployKeyPrivate), nilIfEmpty(st.HookSecret)
		st.UpdatedAt = storecodec.ParseTime(updated)
		return st, nil
	}, `SELECT repository, url, host_key, rules, links, token, deploy_key_public, deploy_key_private, hook_secret, updated_at
		FROM build_settings WHERE repository = ?`, repository)
}

// AcquireSlot takes or extends the slot in one conditional upsert.
func (s *Store) AcquireSlot(ctx context.Context, key, holder string, now, until time.Time) (bool, error) {
	res, err := sqldb.Exec(ctx, s.db, `INSERT INTO build_slots (key, holder, until) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE build_slots.holder = excluded.holder OR build_slots.until < ?`,
		key, holder, storecodec.Time(until), storecodec.Time(now))
	if err != nil {
		return false, fmt.Errorf("taking build slot %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseSlot frees the slot if holder holds it.
func (s *Store) ReleaseSlot(ctx context.Context, key, holder string) error {
	if _, err := sqldb.Exec(ctx, s.db, `DELETE FROM build_slots WHERE key = ? AND holder = ?`, key, holder); err != nil {
		return fmt.Errorf("freeing build slot %s: %w", key, err)
	}
	return nil
}
