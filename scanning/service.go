package scanning

import (
	"context"
	"fmt"
	"sort"
)

// Service imports advisories and matches inventories against them.
type Service struct {
	store Store
}

// New returns a Service over the advisory database store.
func New(store Store) *Service {
	return &Service{store: store}
}

// lookupBatch bounds the keys or IDs in one store query, below SQLite's
// limit on bound parameters.
const lookupBatch = 500

// Report is the result of matching one inventory.
type Report struct {
	Image    string     `json:"image"`
	Findings []Finding  `json:"findings"`
	Stats    MatchStats `json:"stats"`
}

// Match returns the advisories that apply to inv's packages, worst first.
func (s *Service) Match(ctx context.Context, inv Inventory) (Report, error) {
	reps, err := s.MatchAll(ctx, []Inventory{inv})
	if err != nil {
		return Report{}, err
	}
	return reps[0], nil
}

// MatchAll matches many inventories, reading and parsing each package's
// records once for all of them: the rescan after an import.
func (s *Service) MatchAll(ctx context.Context, invs []Inventory) ([]Report, error) {
	seen := map[PackageKey]bool{}
	var keys []PackageKey
	for _, inv := range invs {
		for _, p := range inv.Packages {
			k := p.key()
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	byKey, err := s.advisories(ctx, keys)
	if err != nil {
		return nil, err
	}
	reps := make([]Report, len(invs))
	for i, inv := range invs {
		reps[i] = matchInventory(inv, byKey)
	}
	return reps, nil
}

// advisories reads the records indexed under keys, in batches, and parses
// each once.
func (s *Service) advisories(ctx context.Context, keys []PackageKey) (map[PackageKey][]Advisory, error) {
	byKey := map[PackageKey][]Advisory{}
	parsed := map[string]bool{}
	for start := 0; start < len(keys); start += lookupBatch {
		recs, err := s.store.Lookup(ctx, keys[start:min(start+lookupBatch, len(keys))])
		if err != nil {
			return nil, fmt.Errorf("looking up advisories: %w", err)
		}
		for _, r := range recs {
			if parsed[r.ID] {
				continue
			}
			parsed[r.ID] = true
			a, err := ParseAdvisory(r.Raw)
			if err != nil {
				return nil, fmt.Errorf("stored advisory %s: %w", r.ID, err)
			}
			for _, k := range a.Keys() {
				byKey[k] = append(byKey[k], a)
			}
		}
	}
	return byKey, nil
}

func matchInventory(inv Inventory, byKey map[PackageKey][]Advisory) Report {
	rep := Report{Image: inv.Image, Findings: []Finding{}}
	for _, p := range inv.Packages {
		for _, a := range byKey[p.key()] {
			if f, ok := matchPackage(p, a, &rep.Stats); ok {
				rep.Findings = append(rep.Findings, f)
			}
		}
	}
	sort.Slice(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		return a.ID < b.ID
	})
	return rep
}
