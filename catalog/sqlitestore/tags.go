package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

var _ catalog.TagStore = (*Store)(nil)

// tagSchema is the migration step for tags: one row per tag with its
// platforms as JSON, listed per repository newest first; tag_digests, one
// row per digest a tag answers to (its own and each platform's), for
// TagByDigest; and tag_pulls, one counter per tag and UTC day.
const tagSchema = `CREATE TABLE IF NOT EXISTS tags (
		repository TEXT NOT NULL,
		name       TEXT NOT NULL,
		digest     TEXT NOT NULL,
		media_type TEXT NOT NULL,
		platforms  TEXT NOT NULL,
		signed     INTEGER NOT NULL,
		pushed_at  INTEGER NOT NULL,
		PRIMARY KEY (repository, name)
	) STRICT;
	CREATE INDEX IF NOT EXISTS tags_pushed ON tags (repository, pushed_at DESC, name);
	CREATE TABLE IF NOT EXISTS tag_digests (
		repository TEXT NOT NULL,
		digest     TEXT NOT NULL,
		name       TEXT NOT NULL,
		PRIMARY KEY (repository, digest, name)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX IF NOT EXISTS tag_digests_tag ON tag_digests (repository, name);
	CREATE TABLE IF NOT EXISTS tag_pulls (
		repository TEXT NOT NULL,
		tag        TEXT NOT NULL,
		day        TEXT NOT NULL,
		pulls      INTEGER NOT NULL,
		PRIMARY KEY (repository, tag, day)
	) STRICT, WITHOUT ROWID`

// platformJSON is a platform as stored in the tags.platforms JSON column.
// Labels stay a JSON object: its keys may hold dots, which JSON minds no
// more than any other character.
type platformJSON struct {
	OS           string            `json:"os"`
	Architecture string            `json:"architecture"`
	Variant      string            `json:"variant,omitempty"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	Created      int64             `json:"created,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Layers       []layerJSON       `json:"layers,omitempty"`
}

// layerJSON is a layer in a platformJSON. Its fields match catalog.Layer's
// one for one, so that the two convert into each other.
type layerJSON struct {
	Digest    string `json:"digest"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	Command   string `json:"command,omitempty"`
}

// tagColumns are every tags column in scanTag's order; the table is t.
const tagColumns = `t.repository, t.name, t.digest, t.media_type, t.platforms, t.signed, t.pushed_at, t.plugin`

// Tag queries, each on an index (see tagSchema).
const (
	selectTag            = `SELECT ` + tagColumns + ` FROM tags t WHERE t.repository = ? AND t.name = ?`
	selectRepositoryTags = `SELECT ` + tagColumns + ` FROM tags t WHERE t.repository = ?
		ORDER BY t.pushed_at DESC, t.name`
	// selectTagByDigest starts from the digest (CROSS JOIN keeps that
	// order) and sorts the few tags sharing it.
	selectTagByDigest = `SELECT ` + tagColumns + ` FROM tag_digests d
		CROSS JOIN tags t ON t.repository = d.repository AND t.name = d.name
		WHERE d.repository = ? AND d.digest = ? ORDER BY t.pushed_at DESC, t.name LIMIT 1`
)

// PutTag inserts or replaces the tag, and its rows in tag_digests, in one
// transaction, and moves the last push of a user's or organisation's
// repository of that name forward to the tag's.
func (s *Store) PutTag(ctx context.Context, t catalog.Tag) error {
	platforms, err := encodePlatforms(t.Platforms)
	if err != nil {
		return fmt.Errorf("putting tag %s:%s: %w", t.Repository, t.Name, err)
	}
	plugin, err := encodePlugin(t.Plugin)
	if err != nil {
		return fmt.Errorf("putting tag %s:%s: %w", t.Repository, t.Name, err)
	}
	err = sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tags (repository, name, digest, media_type,
			platforms, signed, pushed_at, plugin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (repository, name) DO UPDATE SET digest = excluded.digest,
			media_type = excluded.media_type, platforms = excluded.platforms,
			signed = excluded.signed, pushed_at = excluded.pushed_at, plugin = excluded.plugin`,
			t.Repository, t.Name, t.Digest, t.MediaType, platforms, t.Signed, storecodec.Time(t.PushedAt), plugin)
		if err != nil {
			return err
		}
		if err := deleteTagDigests(ctx, tx, t.Repository, t.Name); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE repositories SET pushed_at = max(pushed_at, ?) WHERE name = ?`,
			storecodec.Time(t.PushedAt), t.Repository)
		if err != nil {
			return err
		}
		for _, d := range tagDigests(t) {
			_, err := tx.ExecContext(ctx, `INSERT INTO tag_digests (repository, digest, name)
				VALUES (?, ?, ?)`, t.Repository, d, t.Name)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("putting tag %s:%s: %w", t.Repository, t.Name, err)
	}
	return nil
}

// tagDigests returns the digests t answers to: its own and its platforms',
// each once, empty ones left out.
func tagDigests(t catalog.Tag) []string {
	ds := []string{t.Digest}
	for _, p := range t.Platforms {
		ds = append(ds, p.Digest)
	}
	var out []string
	for _, d := range storecodec.Distinct(ds) {
		if d != "" {
			out = append(out, d)
		}
	}
	return out
}

// deleteTagDigests removes a tag's rows from tag_digests.
func deleteTagDigests(ctx context.Context, tx *sql.Tx, repository, name string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM tag_digests WHERE repository = ? AND name = ?`,
		repository, name)
	return err
}

// Tag returns one tag, or catalog.ErrNotFound.
func (s *Store) Tag(ctx context.Context, repository, name string) (catalog.Tag, error) {
	return sqldb.QueryOne(ctx, s.db, "tag "+repository+":"+name, catalog.ErrNotFound, scanTag,
		selectTag, repository, name)
}

// Tags returns a repository's tags, most recently pushed first, then by
// name.
func (s *Store) Tags(ctx context.Context, repository string) ([]catalog.Tag, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanTag, selectRepositoryTags, repository)
	if err != nil {
		return nil, fmt.Errorf("listing tags of %s: %w", repository, err)
	}
	return out, nil
}

// TagByDigest returns the tag of repository whose manifest, or one of whose
// platforms' manifests, has digest, or catalog.ErrNotFound. Of several such
// tags it returns the most recently pushed (then the first by name).
func (s *Store) TagByDigest(ctx context.Context, repository, digest string) (catalog.Tag, error) {
	return sqldb.QueryOne(ctx, s.db, "tag "+repository+"@"+digest, catalog.ErrNotFound, scanTag,
		selectTagByDigest, repository, digest)
}

// DeleteTag removes a tag and its rows in tag_digests, in one transaction,
// or returns catalog.ErrNotFound. Its pull counts stay.
func (s *Store) DeleteTag(ctx context.Context, repository, name string) error {
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := deleteTagDigests(ctx, tx, repository, name); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE repository = ? AND name = ?`,
			repository, name)
		return sqldb.ChangedOne(res, err, fmt.Errorf("tag %s:%s: %w", repository, name, catalog.ErrNotFound))
	})
	if err != nil {
		return fmt.Errorf("deleting tag %s:%s: %w", repository, name, err)
	}
	return nil
}

// scanTag reads one row of tagColumns.
func scanTag(sc sqldb.Scanner) (catalog.Tag, error) {
	var (
		t         catalog.Tag
		platforms string
		plugin    string
		pushed    int64
	)
	if err := sc.Scan(&t.Repository, &t.Name, &t.Digest, &t.MediaType, &platforms, &t.Signed, &pushed, &plugin); err != nil {
		return catalog.Tag{}, err
	}
	var err error
	if t.Plugin, err = decodePlugin(plugin); err != nil {
		return catalog.Tag{}, fmt.Errorf("plugin of tag %s:%s: %w", t.Repository, t.Name, err)
	}
	t.PushedAt = storecodec.ParseTime(pushed)
	var ps []platformJSON
	if err := json.Unmarshal([]byte(platforms), &ps); err != nil {
		return catalog.Tag{}, fmt.Errorf("platforms of tag %s:%s: %w", t.Repository, t.Name, err)
	}
	for _, p := range ps {
		platform := catalog.Platform{
			OS: p.OS, Architecture: p.Architecture, Variant: p.Variant, Digest: p.Digest,
			Size: p.Size, Created: storecodec.ParseTime(p.Created), Labels: p.Labels,
		}
		for _, l := range p.Layers {
			platform.Layers = append(platform.Layers, catalog.Layer(l))
		}
		t.Platforms = append(t.Platforms, platform)
	}
	return t, nil
}

// encodePlatforms returns platforms as the tags.platforms JSON column.
func encodePlatforms(platforms []catalog.Platform) (string, error) {
	ps := make([]platformJSON, len(platforms))
	for i, p := range platforms {
		ps[i] = platformJSON{
			OS: p.OS, Architecture: p.Architecture, Variant: p.Variant, Digest: p.Digest,
			Size: p.Size, Created: storecodec.Time(p.Created), Labels: p.Labels,
		}
		for _, l := range p.Layers {
			ps[i].Layers = append(ps[i].Layers, layerJSON(l))
		}
	}
	b, err := json.Marshal(ps)
	if err != nil {
		return "", fmt.Errorf("encoding platforms: %w", err)
	}
	return string(b), nil
}
