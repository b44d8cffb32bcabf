package sqlitestore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
)

// searchByTrigrams reads the products whose search entries match an FTS5
// query, best bm25 rank first (name weighs 10, publisher 4, categories 2,
// summary 1, description 0.5: the rank set up in exploreSchema). FTS5
// computes the rank of every match, a few microseconds each, so the inner
// LIMIT bounds how many it ranks, and products are read for the best only;
// hidden ones are left out.
const searchByTrigrams = `SELECT ` + productColumns + `
	FROM (SELECT search_id, rank FROM (SELECT rowid AS search_id, rank FROM product_search
		WHERE product_search MATCH ? LIMIT ?) ORDER BY rank LIMIT ?) h
	JOIN products p ON p.search_id = h.search_id
	WHERE ` + published + `
	ORDER BY h.rank`

// searchByNamePrefix reads the published products whose name_key lies in
// [?, ?): the names starting with a text, on the name index.
const searchByNamePrefix = `SELECT ` + productColumns + ` FROM products p
	WHERE p.name_key >= ? AND p.name_key < ? AND ` + published + ` ORDER BY p.name_key, p.slug LIMIT ?`

// Bounds on the work of one search.
const (
	// candidatesPerHit is how many candidates Search reads, from each
	// source, per hit it returns.
	candidatesPerHit = 5
	// maxRanked is how many trigram matches FTS5 ranks at most, and the
	// budget pickTrigrams spends.
	maxRanked = 1_000
)

// Search returns up to limit products matching text, best first. Words of
// three letters or more match by their trigrams, ORed, so that a slip in a
// word still matches most of them, and FTS5 picks the best candidates by
// bm25 (among the products holding the words' rarer trigrams: see
// searchExpression); names starting with the text are candidates too.
// Shorter words, when the text has no longer one, match the start of the
// name only. score then rescores the candidates. Empty text, or a limit
// below one, finds nothing.
func (s *Store) Search(ctx context.Context, text string, limit int) ([]catalog.SearchHit, error) {
	q := catalog.ParseQuery(text)
	if limit < 1 || len(q.Words) == 0 {
		return nil, nil
	}
	candidates := max(candidatesPerHit*limit, 20)
	var found []catalog.Product
	prefix := q.Words[0]
	if len(q.Trigrams) > 0 {
		prefix = strings.Join(q.Words, " ")
		expr, err := s.searchExpression(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("searching for %q: %w", text, err)
		}
		if expr != "" {
			found, err = sqldb.QueryAll(ctx, s.db, scanProduct, searchByTrigrams, expr, maxRanked, candidates)
			if err != nil {
				return nil, fmt.Errorf("searching for %q: %w", text, err)
			}
		}
	}
	byName, err := sqldb.QueryAll(ctx, s.db, scanProduct, searchByNamePrefix,
		prefix, prefix+"\U0010FFFF", candidates)
	if err != nil {
		return nil, fmt.Errorf("searching names for %q: %w", text, err)
	}
	for _, p := range byName {
		if !slices.ContainsFunc(found, func(f catalog.Product) bool { return f.ID == p.ID }) {
			found = append(found, p)
		}
	}
	return catalog.Rank(found, q, limit), nil
}

// searchExpression returns the FTS5 query for q's trigrams, or "" when no
// product holds any. Its matches are the products holding one of the
// trigrams pickTrigrams picks, few; ANDed to them, so that bm25 weighs them
// too, are the other trigrams that carry weight, those in fewer than half
// the products (bm25 gives the others none).
func (s *Store) searchExpression(ctx context.Context, q catalog.Query) (string, error) {
	return trigramExpression(ctx, s.db, &s.trigrams, "product_search_terms", q)
}

// trigramExpression is searchExpression over any FTS5 trigram table,
// named by its vocabulary table vocab, with cache its trigram counts.
func trigramExpression(ctx context.Context, db *sql.DB, cache *trigramCache, vocab string, q catalog.Query) (string, error) {
	docs, err := cache.counts(ctx, db, vocab, q.Trigrams)
	if err != nil {
		return "", err
	}
	picked := pickTrigrams(q.WordTrigrams, docs, maxRanked)
	if len(picked) == 0 {
		return "", nil
	}
	// Only the rare trigrams: bm25 counts the products holding each
	// phrase of the query by walking its posting list, and a common
	// trigram's list is long; rescoring in Go weighs the rest of the text.
	expr := matchExpression(picked)
	return expr, nil
}

// pickTrigrams returns, of each word's trigrams that some product holds
// (docs counts the products holding each), the rarest while the products
// holding them, summed, stay within the word's share of budget; if no word
// has a trigram that rare, the rarest trigram of all. Rare trigrams carry
// nearly all of bm25's weight (a trigram in half the products or more
// carries none), and a slip of a product's name keeps some of the name's
// rare trigrams, so the product still matches and is ranked among few; a
// common trigram would only make FTS5 rank every product holding it, past
// maxRanked.
func pickTrigrams(words [][]string, docs map[string]int64, budget int) []string {
	share := int64(budget / max(len(words), 1))
	var out []string
	rarest := ""
	for _, trigrams := range words {
		held := slices.DeleteFunc(slices.Clone(trigrams), func(t string) bool { return docs[t] == 0 })
		slices.SortStableFunc(held, func(a, b string) int { return cmp.Compare(docs[a], docs[b]) })
		if len(held) > 0 && (rarest == "" || docs[held[0]] < docs[rarest]) {
			rarest = held[0]
		}
		var spent int64
		for _, t := range held {
			if spent += docs[t]; spent > share {
				break
			}
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 && rarest != "" {
		return []string{rarest}
	}
	return out
}

// trigramCache keeps trigram counts for trigramTTL. Counting a trigram in
// FTS5's vocabulary walks its whole posting list, as dear as matching it, so
// a count is reused for a while. The counts only steer which trigrams a
// search matches on (the rarer ones); a stale count can change which
// candidates are ranked, never make a product that does not match appear,
// and every Berth instance sharing the database still reads the same
// products.
type trigramCache struct {
	mu    sync.Mutex
	known map[string]trigramCount
}

type trigramCount struct {
	docs int64
	at   time.Time
}

const trigramTTL = time.Minute

// counts returns how many rows of a search table hold each of trigrams,
// from its vocabulary table vocab; trigrams no row holds are left out.
func (c *trigramCache) counts(ctx context.Context, db *sql.DB, vocab string, trigrams []string) (map[string]int64, error) {
	docs := make(map[string]int64, len(trigrams))
	var missing []any
	now := time.Now()
	c.mu.Lock()
	for _, t := range trigrams {
		if c, ok := c.known[t]; ok && now.Sub(c.at) < trigramTTL {
			if c.docs > 0 {
				docs[t] = c.docs
			}
		} else {
			missing = append(missing, t)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return docs, nil
	}
	fresh, err := countTrigrams(ctx, db, vocab, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.known == nil || len(c.known) > 50_000 {
		c.known = map[string]trigramCount{}
	}
	for _, t := range missing {
		n := fresh[t.(string)]
		c.known[t.(string)] = trigramCount{docs: n, at: now}
		if n > 0 {
			docs[t.(string)] = n
		}
	}
	c.mu.Unlock()
	return docs, nil
}

// countTrigrams reads trigram counts from FTS5's vocabulary.
func countTrigrams(ctx context.Context, db *sql.DB, vocab string, args []any) (map[string]int64, error) {
	trigrams := args
	rows, err := sqldb.Query(ctx, db, `SELECT term, doc FROM `+vocab+` WHERE term IN (?`+
		strings.Repeat(", ?", len(trigrams)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading trigram counts: %w", err)
	}
	defer func() { _ = rows.Close() }()
	docs := make(map[string]int64, len(trigrams))
	for rows.Next() {
		var (
			term string
			n    int64
		)
		if err := rows.Scan(&term, &n); err != nil {
			return nil, fmt.Errorf("reading trigram counts: %w", err)
		}
		docs[term] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading trigram counts: %w", err)
	}
	return docs, nil
}

// matchExpression is the FTS5 query matching any of trigrams, each a quoted
// phrase.
func matchExpression(trigrams []string) string {
	phrases := make([]string, len(trigrams))
	for i, tri := range trigrams {
		phrases[i] = `"` + strings.ReplaceAll(tri, `"`, `""`) + `"`
	}
	return strings.Join(phrases, " OR ")
}
