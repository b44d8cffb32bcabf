package catalog

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// Search scoring, shared by both stores: they differ in how they find
// candidates, not in how they rank them.

// Bounds on a search text, so that a pasted paragraph stays one cheap query.
const (
	maxQueryWords    = 16
	maxQueryTrigrams = 64
)

// Query is a search text taken apart: its lower-case words, in order, the
// trigrams of each word of three letters or more, and all of those
// trigrams once each.
type Query struct {
	Words        []string
	WordTrigrams [][]string
	Trigrams     []string
}

// ParseQuery splits text into lower-case words at anything but letters and
// digits, and collects their trigrams.
func ParseQuery(text string) Query {
	var q Query
	words := SplitWords(text)
	q.Words = words[:min(len(words), maxQueryWords)]
	seen := make(map[string]bool)
	for _, w := range q.Words {
		r := []rune(w)
		var word []string
		for i := 0; i+3 <= len(r) && len(q.Trigrams) < maxQueryTrigrams; i++ {
			tri := string(r[i : i+3])
			word = append(word, tri)
			if !seen[tri] {
				seen[tri] = true
				q.Trigrams = append(q.Trigrams, tri)
			}
		}
		if len(word) > 0 {
			q.WordTrigrams = append(q.WordTrigrams, word)
		}
	}
	return q
}

// SplitWords returns the lower-case words of text: what search indexes and
// matches.
func SplitWords(text string) []string {
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
func score(p Product, q Query) (float64, bool) {
	phrase := strings.Join(q.Words, " ")
	name := strings.Join(SplitWords(p.Name), " ")
	var s float64
	switch {
	case name == phrase:
		s = exactNameBonus
	case strings.HasPrefix(name, phrase):
		s = namePrefixBonus
	}
	if len(q.Trigrams) == 0 {
		if s == 0 && startsWord(name, q.Words) {
			s = wordPrefixBonus
		}
		return s, s > 0
	}
	lowerName := strings.ToLower(p.Name)
	other := strings.ToLower(strings.Join(append([]string{p.Publisher, p.Summary, p.Description},
		p.Categories...), "\n"))
	var inName, inOther, anywhere int
	for _, tri := range q.Trigrams {
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
	total := float64(len(q.Trigrams))
	if 3*anywhere < len(q.Trigrams) {
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

// Rank scores candidates, in the order they were found, against q and
// returns the best limit hits: by score, then in found order.
func Rank(candidates []Product, q Query, limit int) []SearchHit {
	var hits []SearchHit
	for _, p := range candidates {
		if s, ok := score(p, q); ok {
			hits = append(hits, SearchHit{Product: p, Score: s})
		}
	}
	slices.SortStableFunc(hits, func(a, b SearchHit) int { return cmp.Compare(b.Score, a.Score) })
	return hits[:min(len(hits), limit)]
}
