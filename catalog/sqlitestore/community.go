package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
)

var _ catalog.CommunityStore = (*Store)(nil)

// communitySchema is the migration step for the Community section and tab:
// repositories' pull and star counters and last push, filled in from the
// pulls and tags already recorded; short_key, the name below the
// namespace with its separators ('-', '_', '.', '/') as spaces, as search
// joins a text's words, for names starting with a search text; an index per
// Explore sort; and repository_search, the FTS5 trigram table (contentless)
// holding the short name, namespace, summary and description, with its
// vocabulary. Triggers keep repository_search in step with every write of
// repositories, so that creating, importing, editing and deleting need no
// code of their own; search_id is the stable rowid of a repository's entry
// (a table's own rowid may change on VACUUM).
const communitySchema = `ALTER TABLE repositories ADD COLUMN pulls INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE repositories ADD COLUMN stars INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE repositories ADD COLUMN pushed_at INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE repositories ADD COLUMN short_key TEXT NOT NULL DEFAULT '';
	ALTER TABLE repositories ADD COLUMN search_id INTEGER NOT NULL DEFAULT 0;
	UPDATE repositories SET short_key = replace(replace(replace(replace(substr(name, length(namespace) + 2), '-', ' '), '_', ' '), '.', ' '), '/', ' '), search_id = rowid;
	UPDATE repositories SET pulls = e.n
		FROM (SELECT repository, count(*) AS n FROM pull_events GROUP BY repository) e
		WHERE e.repository = repositories.name;
	UPDATE repositories SET pushed_at = t.at
		FROM (SELECT repository, max(pushed_at) AS at FROM tags GROUP BY repository) t
		WHERE t.repository = repositories.name;
	CREATE UNIQUE INDEX IF NOT EXISTS repositories_search_id ON repositories (search_id);
	CREATE INDEX IF NOT EXISTS repositories_rank ON repositories (stars DESC, pulls DESC, name);
	CREATE INDEX IF NOT EXISTS repositories_newest ON repositories (created_at DESC, name);
	CREATE INDEX IF NOT EXISTS repositories_pushed ON repositories (pushed_at DESC, name);
	CREATE INDEX IF NOT EXISTS repositories_short ON repositories (short_key, name);
	CREATE VIRTUAL TABLE IF NOT EXISTS repository_search USING fts5 (
		name, namespace, summary, description,
		content = '', contentless_delete = 1, tokenize = 'trigram'
	);
	INSERT INTO repository_search (repository_search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0, 0.5)');
	CREATE VIRTUAL TABLE IF NOT EXISTS repository_search_terms USING fts5vocab (repository_search, 'row');
	INSERT INTO repository_search (rowid, name, namespace, summary, description)
		SELECT search_id, short_key, namespace, summary, description FROM repositories;
	CREATE TRIGGER IF NOT EXISTS repositories_search_insert AFTER INSERT ON repositories BEGIN
		UPDATE repositories SET short_key = replace(replace(replace(replace(substr(NEW.name, length(NEW.namespace) + 2), '-', ' '), '_', ' '), '.', ' '), '/', ' '),
			search_id = (SELECT coalesce(max(search_id), 0) + 1 FROM repositories)
			WHERE rowid = NEW.rowid;
		INSERT INTO repository_search (rowid, name, namespace, summary, description)
			SELECT search_id, short_key, namespace, summary, description FROM repositories
			WHERE rowid = NEW.rowid;
	END;
	CREATE TRIGGER IF NOT EXISTS repositories_search_update AFTER UPDATE OF summary, description ON repositories BEGIN
		DELETE FROM repository_search WHERE rowid = OLD.search_id;
		INSERT INTO repository_search (rowid, name, namespace, summary, description)
			VALUES (NEW.search_id, NEW.short_key, NEW.namespace, NEW.summary, NEW.description);
	END;
	CREATE TRIGGER IF NOT EXISTS repositories_search_delete AFTER DELETE ON repositories BEGIN
		DELETE FROM repository_search WHERE rowid = OLD.search_id;
	END`

// visibleTo is the condition keeping the repositories a community query
// may return: public ones, and private ones of the n namespaces that
// follow as arguments.
func visibleTo(n int) string {
	if n == 0 {
		return `r.private = 0`
	}
	return `(r.private = 0 OR r.namespace IN (?` + strings.Repeat(", ?", n-1) + `))`
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// communityOrder returns the ORDER BY clause of a Community sort; each has
// an index of its own.
func communityOrder(sort string) string {
	switch sort {
	case catalog.SortNewest:
		return "r.created_at DESC, r.name"
	case catalog.SortUpdated:
		return "r.pushed_at DESC, r.name"
	case catalog.SortName:
		return "r.name"
	default:
		return "r.stars DESC, r.pulls DESC, r.name"
	}
}

// ExploreRepositories returns one page of the repositories q selects,
// reading Limit+1 rows to tell whether another page follows (a zero Limit
// is no limit). SQLite walks the sort's index and skips the private
// repositories of other namespaces.
func (s *Store) ExploreRepositories(ctx context.Context, q catalog.CommunityQuery) (catalog.CommunityPage, error) {
	limit := int64(-1)
	if q.Limit > 0 {
		limit = int64(q.Limit) + 1
	}
	query := selectRepositories + ` WHERE ` + visibleTo(len(q.Namespaces)) +
		` ORDER BY ` + communityOrder(q.Sort) + ` LIMIT ? OFFSET ?`
	args := append(anys(q.Namespaces), limit, max(q.Offset, 0))
	out, err := sqldb.QueryAll(ctx, s.db, scanRepository, query, args...)
	if err != nil {
		return catalog.CommunityPage{}, fmt.Errorf("exploring repositories: %w", err)
	}
	page := catalog.CommunityPage{Repositories: out}
	if q.Limit > 0 && len(out) > q.Limit {
		page.Repositories, page.More = out[:q.Limit], true
	}
	return page, nil
}

// ImportRepositories inserts rs in one transaction, through one prepared
// statement; the insert trigger indexes each for search.
func (s *Store) ImportRepositories(ctx context.Context, rs []catalog.Repository) error {
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, insertRepository)
		if err != nil {
			return err
		}
		defer func() { _ = stmt.Close() }()
		for i := range rs {
			r := rs[i]
			if _, err := stmt.ExecContext(ctx, repositoryRow(&r)...); err != nil {
				if _, ok := sqldb.UniqueViolation(err); ok {
					return fmt.Errorf("repository %s: %w", r.Name, catalog.ErrRepositoryExists)
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("importing %d repositories: %w", len(rs), err)
	}
	return nil
}

// Community search statements. searchRepositoriesByTrigrams reads the
// repositories whose entries match an FTS5 query, best bm25 rank first
// (short name 10, namespace 4, summary 1, description 0.5), ranking at
// most the inner LIMIT of matches as product search does;
// searchRepositoriesByName reads those whose short name starts with a
// text, on repositories_short. Both keep the visible ones only (the
// condition follows the text's arguments).
const (
	searchRepositoriesByTrigrams = `SELECT ` + repositoryColumns + `
		FROM (SELECT search_id, rank FROM (SELECT rowid AS search_id, rank FROM repository_search
			WHERE repository_search MATCH ? LIMIT ?) ORDER BY rank LIMIT ?) h
		JOIN repositories r ON r.search_id = h.search_id
		WHERE %s ORDER BY h.rank`
	searchRepositoriesByName = `SELECT ` + repositoryColumns + ` FROM repositories r
		WHERE r.short_key >= ? AND r.short_key < ? AND %s ORDER BY r.short_key, r.name LIMIT ?`
)

// SearchRepositories returns up to limit visible repositories matching
// text, best first, found and ranked as Search finds and ranks products:
// the words' rarer trigrams through FTS5, and short names starting with
// the text; and, when the first word is longer than a stem, short names
// starting with its stem, so that a slip past the start of a common name
// ("postgers") still finds it when its rare trigrams are a different
// word's. Empty text, or a limit below one, finds nothing.
func (s *Store) SearchRepositories(ctx context.Context, text string, namespaces []string, limit int) ([]catalog.RepositoryHit, error) {
	q := catalog.ParseQuery(text)
	if limit < 1 || len(q.Words) == 0 {
		return nil, nil
	}
	c := repoCandidates{s: s, visible: visibleTo(len(namespaces)), namespaces: anys(namespaces), n: max(candidatesPerHit*limit, 20)}
	prefixes := []string{q.Words[0]}
	if len(q.Trigrams) > 0 {
		if err := c.byTrigrams(ctx, q); err != nil {
			return nil, fmt.Errorf("searching repositories for %q: %w", text, err)
		}
		prefixes[0] = strings.Join(q.Words, " ")
		if stem := []rune(q.Words[0]); len(stem) > stemLength {
			prefixes = append(prefixes, string(stem[:stemLength]))
		}
	}
	for _, prefix := range prefixes {
		if err := c.byNamePrefix(ctx, prefix); err != nil {
			return nil, fmt.Errorf("searching repository names for %q: %w", text, err)
		}
	}
	return catalog.RankRepositories(c.found, q, limit), nil
}

// stemLength is how many letters of a longer first word SearchRepositories
// also looks up as the start of names.
const stemLength = 4

// repoCandidates collects SearchRepositories' candidates, each once: up to
// n from each source, visible ones only.
type repoCandidates struct {
	s          *Store
	visible    string
	namespaces []any
	n          int
	found      []catalog.Repository
}

func (c *repoCandidates) add(rs []catalog.Repository) {
	for _, r := range rs {
		if !slices.ContainsFunc(c.found, func(f catalog.Repository) bool { return f.ID == r.ID }) {
			c.found = append(c.found, r)
		}
	}
}

// byTrigrams adds the repositories FTS5 ranks best for q's rarer trigrams.
func (c *repoCandidates) byTrigrams(ctx context.Context, q catalog.Query) error {
	expr, err := trigramExpression(ctx, c.s.db, &c.s.repoTrigrams, "repository_search_terms", q)
	if err != nil || expr == "" {
		return err
	}
	args := append([]any{expr, maxRanked, c.n}, c.namespaces...)
	rs, err := sqldb.QueryAll(ctx, c.s.db, scanRepository, fmt.Sprintf(searchRepositoriesByTrigrams, c.visible), args...)
	c.add(rs)
	return err
}

// byNamePrefix adds the repositories whose short names start with prefix,
// unless enough candidates are found already.
func (c *repoCandidates) byNamePrefix(ctx context.Context, prefix string) error {
	if len(c.found) >= 2*c.n {
		return nil
	}
	args := append(append([]any{prefix, prefix + "\U0010FFFF"}, c.namespaces...), c.n)
	rs, err := sqldb.QueryAll(ctx, c.s.db, scanRepository, fmt.Sprintf(searchRepositoriesByName, c.visible), args...)
	c.add(rs)
	return err
}
