package licensing

import "context"

// withdrawal says why rt's tag, absent from idx, was withdrawn, or "".
// Only tags the registry does not hold are looked up: a pull of a tag
// that is there costs nothing more.
func (g *Gate) withdrawal(ctx context.Context, idx *repoIndex, rt route) (string, error) {
	if _, known := idx.tags[rt.ref]; known || g.withdrawn == nil {
		return "", nil
	}
	why, ok, err := g.withdrawn.Withdrawn(ctx, rt.repo, rt.ref)
	if err != nil || !ok {
		return "", err
	}
	return why, nil
}

// Withdrawals names the tags publishers withdrew from buyers.
type Withdrawals interface {
	// Withdrawn says why repo:tag was withdrawn, and false if it never
	// was.
	Withdrawn(ctx context.Context, repo, tag string) (string, bool, error)
}
