package builds

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// ErrRefNotFound: the remote has no branch or tag of the name asked for.
var ErrRefNotFound = errors.New("no such branch or tag on the remote")

// Resolve asks src's remote which commit name points to now: a full ref
// ("refs/heads/main", "refs/tags/v1") or a short name, tried as a branch
// and then as a tag. An annotated tag is peeled to its commit. It is what
// a manual build starts from: the ref's tip, as a push would report it.
func (f *Fetcher) Resolve(ctx context.Context, src Source, name string) (Ref, string, error) {
	ep, err := transport.NewEndpoint(src.URL)
	if err != nil {
		return Ref{}, "", fmt.Errorf("reading source URL: %w", err)
	}
	tr, auth, err := f.transport(ctx, ep, src)
	if err != nil {
		return Ref{}, "", err
	}
	sess, err := tr.NewUploadPackSession(ep, auth)
	if err != nil {
		return Ref{}, "", fmt.Errorf("connecting to %s: %w", redactURL(ep), err)
	}
	defer sess.Close()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return Ref{}, "", fmt.Errorf("listing the refs of %s: %w", redactURL(ep), err)
	}
	refs, err := ar.AllReferences()
	if err != nil {
		return Ref{}, "", err
	}
	candidates := []Ref{{Branch, name}, {Tag, name}}
	if strings.HasPrefix(name, "refs/") {
		r, ok := ParseRef(name)
		if !ok {
			return Ref{}, "", fmt.Errorf("%q: %w", name, ErrRefNotFound)
		}
		candidates = []Ref{r}
	}
	for _, r := range candidates {
		tip, err := refs.Reference(plumbing.ReferenceName(r.Full()))
		if err != nil {
			continue
		}
		if peeled, ok := ar.Peeled[r.Full()]; ok {
			return r, peeled.String(), nil
		}
		return r, tip.Hash().String(), nil
	}
	return Ref{}, "", fmt.Errorf("%q: %w", name, ErrRefNotFound)
}
