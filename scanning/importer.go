package scanning

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

// ImportResult says what an import changed, so that a rescan can be
// limited to the packages it touched and a changelog can be kept.
type ImportResult struct {
	Added     []string `json:"added"`
	Changed   []string `json:"changed"`
	Removed   []string `json:"removed"`
	Unchanged int      `json:"unchanged"`
	// Keys are the packages named by added, changed or removed records:
	// inventories holding none of them need no rescan.
	Keys []PackageKey `json:"-"`
}

// Import makes the database hold exactly the OSV records found at path (a
// directory, .zip or .tar.gz): records not there any more are removed, so
// importing a newer snapshot of a database replaces the older one, and
// importing the same one twice changes nothing. A file that is not a valid
// OSV record fails the whole import before anything is written.
func (s *Service) Import(ctx context.Context, path string) (ImportResult, error) {
	incoming := map[string]Record{}
	err := readSource(path, func(name string, b []byte) error {
		rec, err := newRecord(b)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadSource, name, err)
		}
		if _, dup := incoming[rec.ID]; dup {
			return fmt.Errorf("%w: %s: record %s appears twice", ErrBadSource, name, rec.ID)
		}
		incoming[rec.ID] = rec
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	old, err := s.store.Digests(ctx)
	if err != nil {
		return ImportResult{}, fmt.Errorf("reading the advisory database: %w", err)
	}
	var res ImportResult
	var put []Record
	keys := map[PackageKey]bool{}
	for id, rec := range incoming {
		switch d, ok := old[id]; {
		case !ok:
			res.Added = append(res.Added, id)
		case d != rec.Digest:
			res.Changed = append(res.Changed, id)
		default:
			res.Unchanged++
			continue
		}
		put = append(put, rec)
		for _, k := range rec.Keys {
			keys[k] = true
		}
	}
	for id := range old {
		if _, ok := incoming[id]; !ok {
			res.Removed = append(res.Removed, id)
		}
	}
	if err := s.removedKeys(ctx, res.Removed, keys); err != nil {
		return ImportResult{}, err
	}
	if err := s.store.Put(ctx, put); err != nil {
		return ImportResult{}, fmt.Errorf("storing advisories: %w", err)
	}
	if err := s.store.Delete(ctx, res.Removed); err != nil {
		return ImportResult{}, fmt.Errorf("removing advisories: %w", err)
	}
	for k := range keys {
		res.Keys = append(res.Keys, k)
	}
	sort.Strings(res.Added)
	sort.Strings(res.Changed)
	sort.Strings(res.Removed)
	sort.Slice(res.Keys, func(i, j int) bool { return keyLess(res.Keys[i], res.Keys[j]) })
	return res, nil
}

// removedKeys adds to keys the packages that the records about to be
// removed were indexed under, so their packages get rescanned too.
func (s *Service) removedKeys(ctx context.Context, ids []string, keys map[PackageKey]bool) error {
	for start := 0; start < len(ids); start += lookupBatch {
		recs, err := s.store.Get(ctx, ids[start:min(start+lookupBatch, len(ids))])
		if err != nil {
			return fmt.Errorf("reading advisories to remove: %w", err)
		}
		for _, r := range recs {
			for _, k := range r.Keys {
				keys[k] = true
			}
		}
	}
	return nil
}

// newRecord parses one OSV file into the stored form.
func newRecord(b []byte) (Record, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return Record{}, fmt.Errorf("not JSON: %w", err)
	}
	a, err := ParseAdvisory(buf.Bytes())
	if err != nil {
		return Record{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return Record{ID: a.ID, Digest: hex.EncodeToString(sum[:]), Modified: a.Modified, Keys: a.Keys(), Raw: buf.Bytes()}, nil
}

func keyLess(a, b PackageKey) bool {
	if a.Ecosystem != b.Ecosystem {
		return a.Ecosystem < b.Ecosystem
	}
	return a.Name < b.Name
}
