package publisher

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/berth/berth/internal/logoimage"
	"github.com/berth/berth/internal/plaintext"
)

// MaxDescription bounds a publisher's description.
const MaxDescription = 2000

// Public reports whether p has a public page: an approved publisher
// does; an application does not, yet.
func (p Publisher) Public() bool { return p.Status == StatusApproved }

// SetDescription sets the words on the publisher's public page.
func (s *Service) SetDescription(ctx context.Context, slug, description string) (Publisher, error) {
	description = strings.TrimSpace(description)
	if len(description) > MaxDescription {
		return Publisher{}, invalid("description", fmt.Sprintf("at most %d characters", MaxDescription))
	}
	if err := plaintext.Text(description); err != nil {
		return Publisher{}, invalid("description", err.Error())
	}
	p, err := s.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return Publisher{}, err
	}
	p.Description = description
	return s.store.PutPublisher(ctx, p)
}

// SetLogo sets the publisher's logo: a PNG, JPEG or WebP image of at most
// 256 KiB, checked by its content.
func (s *Service) SetLogo(ctx context.Context, slug string, image []byte) (Publisher, error) {
	mime, err := logoimage.Check(image)
	if err != nil {
		return Publisher{}, invalid("logo", err.Error())
	}
	p, err := s.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return Publisher{}, err
	}
	// The bytes first: a tag never names a logo that is not stored.
	if err := s.store.PutLogo(ctx, p.ID, Logo{Type: mime, Bytes: image}); err != nil {
		return Publisher{}, err
	}
	p.LogoTag = logoimage.Tag(image)
	return s.store.PutPublisher(ctx, p)
}

// Logo returns the publisher's logo and its tag, or ErrNotFound when it
// has none.
func (s *Service) Logo(ctx context.Context, slug string) (Logo, string, error) {
	p, err := s.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return Logo{}, "", err
	}
	l, err := s.store.Logo(ctx, p.ID)
	if err != nil {
		return Logo{}, "", err
	}
	return l, logoimage.Tag(l.Bytes), nil
}

// CheckNamespace says, before an application is sent, whether the
// organisation org may claim ns for the publisher slug: nil when it may,
// else the error Apply would give (an InvalidError or ConflictError on
// namespaces).
func (s *Service) CheckNamespace(ctx context.Context, applicantID, org, slug, ns string) error {
	ns = strings.ToLower(strings.TrimSpace(ns))
	if !slugPattern.MatchString(ns) || ns+"/" == StagingPrefix {
		return invalid("namespaces", fmt.Sprintf("%q is not a namespace name: use lower-case letters, digits and hyphens", ns))
	}
	o, ok, err := s.orgs.OrgByName(ctx, org)
	if err != nil {
		return fmt.Errorf("finding organisation %s: %w", org, err)
	}
	if !ok || o.Roles[applicantID] != OrgOwner {
		return invalid("organization", "name an organisation you own")
	}
	err = s.checkNamespace(ctx, strings.ToLower(strings.TrimSpace(slug)), o.ID, ns, s.now())
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
