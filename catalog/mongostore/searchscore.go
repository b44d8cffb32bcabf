package mongostore

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/berth/berth/catalog"
)

// The scoring below is the SQLite store's too (sqlitestore/searchscore.go):
// the stores differ in how they find candidates, not in how they rank them.

// Bounds on a search text, so that a pasted paragraph stays one cheap query.
const (
	maxQueryWords    = 16
	maxQueryTrigrams = 64
)

// query is a search text taken apart: its lower-case words, in order, the
// trigrams of each word of three letters or more, and all of those
// trigrams once each.
type query struct {
	words        []string
	wordTrigrams [][]string
	trigrams     []string
}

// parseQuery splits text into lower-case words at anything but letters and
// digits, and collects their trigrams.
func parseQuery(text string) query {
	var q query
	words := splitWords(text)
	q.words = words[:min(len(words), maxQueryWords)]
	seen := make(map[string]bool)
	for _, w := range q.words {
		r := []rune(w)
		var word []string
		for i := 0; i+3 <= len(r) && len(q.trigrams) < maxQueryTrigrams; i++ {
			tri := string(r[i : i+3])
			word = append(word, tri)
			if !seen[tri] {
				seen[tri] = true
				q.trigrams = append(q.trigrams, tri)
			}
		}
		if len(word) > 0 {
			q.wordTrigrams = append(q.wordTrigrams, word)
		}
	}
	return q
}

// splitWords returns the lower-case words of text.
func splitWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// Weights of score: a name equal to the query, a name starting with it, a
// word of the name starting with a short query word, and the shares of the
// query's trigrams found in the name and elsewhere.
const (
	exactNameBonus  = 8
	namePrefixBonus = 4
	wordPrefixBonus = 1
	nameWeight      = 3
	otherWeight     = 1
)

// score rates p against q, higher being better, and reports false when p
// matches too little to be a hit: under a third of q's trigrams anywhere,
// or, for a query of short words only, a name not starting with any.
func score(p catalog.Product, q query) (float64, bool) {
	phrase := strings.Join(q.words, " ")
	name := strings.Join(splitWords(p.Name), " ")
	var s float64
	switch {
	case name == phrase:
		s = exactNameBonus
	case strings.HasPrefix(name, phrase):
		s = namePrefixBonus
	}
	if len(q.trigrams) == 0 {
		if s == 0 && startsWord(name, q.words) {
			s = wordPrefixBonus
		}
		return s, s > 0
	}
	lowerName := strings.ToLower(p.Name)
	other := strings.ToLower(strings.Join(append([]string{p.Publisher, p.Summary, p.Description},
		p.Categories...), "\n"))
	var inName, inOther, anywhere int
	for _, tri := range q.trigrams {
		n, o := strings.Contains(lowerName, tri), strings.Contains(other, tri)
		if n {
			inName++
		}
		if o {
			inOther++
		}
		if n || o {
			anywhere++
		}
	}
	total := float64(len(q.trigrams))
	if 3*anywhere < len(q.trigrams) {
		return 0, false
	}
	return s + nameWeight*float64(inName)/total + otherWeight*float64(inOther)/total, true
}

// startsWord reports whether a word of name starts with one of words.
func startsWord(name string, words []string) bool {
	for _, n := range strings.Fields(name) {
		for _, w := range words {
			if strings.HasPrefix(n, w) {
				return true
			}
		}
	}
	return false
}

// rank scores candidates, in the order they were found, against q and
// returns the best limit hits: by score, then in found order.
func rank(candidates []catalog.Product, q query, limit int) []catalog.SearchHit {
	var hits []catalog.SearchHit
	for _, p := range candidates {
		if s, ok := score(p, q); ok {
			hits = append(hits, catalog.SearchHit{Product: p, Score: s})
		}
	}
	slices.SortStableFunc(hits, func(a, b catalog.SearchHit) int { return cmp.Compare(b.Score, a.Score) })
	return hits[:min(len(hits), limit)]
}
