package mongostore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/mongodb"
)

// candidatesPerHit is how many candidates Search reads, from each query,
// per hit it returns.
const candidatesPerHit = 5

// searchTerms returns a product's Search terms: the trigrams and whole
// words of its name, publisher, categories and summary, lower-case, and
// apart from them the trigrams of its name. The description is left out,
// so that a long README does not bloat the index: in this store, Search
// finds products by those four fields only (the SQLite store's FTS5 index
// holds the description too).
func searchTerms(p catalog.Product) (terms, nameTerms []string) {
	add := func(to []string, text string, words bool) []string {
		for _, w := range catalog.SplitWords(text) {
			r := []rune(w)
			for i := 0; i+3 <= len(r); i++ {
				to = append(to, string(r[i:i+3]))
			}
			if words {
				to = append(to, w)
			}
		}
		return to
	}
	nameTerms = add(nil, p.Name, false)
	for _, text := range append([]string{p.Name, p.Publisher, p.Summary}, p.Categories...) {
		terms = add(terms, text, true)
	}
	distinct := func(s []string) []string {
		slices.Sort(s)
		return slices.Compact(s)
	}
	return distinct(terms), distinct(nameTerms)
}

// Search returns up to limit products matching text, best first. Words of
// three letters or more match by their trigrams (see searchQueries).
// Shorter words, when the text has no longer one, match the start of the
// name only. score ranks the candidates by the name, publisher, categories
// and summary they were read with (not the description; see searchTerms),
// and the best are read whole. Empty text, or a limit below one, finds
// nothing.
func (s *Store) Search(ctx context.Context, text string, limit int) ([]catalog.SearchHit, error) {
	q := catalog.ParseQuery(text)
	if limit < 1 || len(q.Words) == 0 {
		return nil, nil
	}
	var found []catalog.Product
	for _, cq := range searchQueries(q) {
		opts := options.Find().SetLimit(int64(max(candidatesPerHit*limit, 20))).
			SetProjection(bson.D{{Key: "name", Value: 1}, {Key: "publisher", Value: 1},
				{Key: "categories", Value: 1}, {Key: "summary", Value: 1}})
		if cq.sort != nil {
			opts.SetSort(cq.sort)
		}
		ps, err := mongodb.FindAll(ctx, s.products, cq.filter, decodeProduct, opts)
		if err != nil {
			return nil, fmt.Errorf("searching for %q: %w", text, err)
		}
		for _, p := range ps {
			if !slices.ContainsFunc(found, func(f catalog.Product) bool { return f.ID == p.ID }) {
				found = append(found, p)
			}
		}
	}
	return s.whole(ctx, catalog.Rank(found, q, limit))
}

// candidateQuery is one query for Search's candidates, with its sort, if
// any.
type candidateQuery struct {
	filter, sort bson.D
}

// searchQueries returns the queries for q's candidates: for each trigram,
// the products whose names hold it, asked one trigram at a time so that a
// rare one (as a slip of a name still has) is not crowded out by common
// ones; the products holding any of the trigrams, or a word of q, in their
// terms; and the names starting with q's text (its first word when no word
// has three letters). Each keeps published products only.
func searchQueries(q catalog.Query) []candidateQuery {
	return termQueries(q, listed(), "name_key", sortKeys(catalog.SortName))
}

// termQueries returns searchQueries' queries over any collection whose
// documents hold name_terms and terms, each kept to documents matching
// keep, with the prefix query on the field prefixKey in the order
// prefixSort.
func termQueries(q catalog.Query, keep bson.E, prefixKey string, prefixSort bson.D) []candidateQuery {
	var out []candidateQuery
	prefix := q.Words[0]
	if len(q.Trigrams) > 0 {
		prefix = strings.Join(q.Words, " ")
		for _, t := range q.Trigrams {
			out = append(out, candidateQuery{filter: bson.D{{Key: "name_terms", Value: t}, keep}})
		}
		out = append(out, candidateQuery{filter: bson.D{{Key: "terms", Value: bson.D{
			{Key: "$in", Value: append(slices.Clone(q.Trigrams), q.Words...)},
		}}, keep}})
	}
	return append(out, candidateQuery{
		filter: bson.D{{Key: prefixKey, Value: bson.D{
			{Key: "$gte", Value: prefix}, {Key: "$lt", Value: prefix + "\U0010FFFF"},
		}}, keep},
		sort: prefixSort,
	})
}

// whole replaces the partly read products of hits with whole ones. A
// product gone or hidden in between is left out.
func (s *Store) whole(ctx context.Context, hits []catalog.SearchHit) ([]catalog.SearchHit, error) {
	if len(hits) == 0 {
		return nil, nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.Product.ID
	}
	ps, err := mongodb.FindAll(ctx, s.products, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, listed()},
		decodeProduct, options.Find().SetProjection(productProjection()))
	if err != nil {
		return nil, fmt.Errorf("reading search hits: %w", err)
	}
	var out []catalog.SearchHit
	for _, h := range hits {
		if i := slices.IndexFunc(ps, func(p catalog.Product) bool { return p.ID == h.Product.ID }); i >= 0 {
			out = append(out, catalog.SearchHit{Product: ps[i], Score: h.Score})
		}
	}
	return out, nil
}
