package publisher

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/berth/berth/internal/plaintext"
)

// Limits on applications. Each pending application holds its namespaces
// from everyone else, so that nobody can squat names by applying and
// never being reviewed: an organisation has one pending application, a
// user sends at most MaxPendingPerUser, and one left unreviewed for
// ApplicationTTL expires and releases its namespaces.
const (
	MaxNamespaces     = 5
	MaxPendingPerUser = 3
	ApplicationTTL    = 30 * 24 * time.Hour
)

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

// Application is an organisation's request to publish under Slug, claiming
// registry namespaces.
type Application struct {
	Slug         string
	Name         string
	Organization string // the organisation's name
	Namespaces   []string
}

// Apply records applicantID's application: the applicant must own the
// organisation; its members get publisher roles from their organisation
// roles; the namespaces must belong to no user or organisation and to no
// other publisher or live application. Applying again under the same slug
// replaces the organisation's earlier application.
func (s *Service) Apply(ctx context.Context, applicantID string, in Application) (Publisher, error) {
	now := s.now().UTC()
	in, err := cleanApplication(in)
	if err != nil {
		return Publisher{}, err
	}
	org, ok, err := s.orgs.OrgByName(ctx, in.Organization)
	if err != nil {
		return Publisher{}, fmt.Errorf("finding organisation %s: %w", in.Organization, err)
	}
	if !ok || org.Roles[applicantID] != OrgOwner {
		return Publisher{}, invalid("organization", "name an organisation you own")
	}
	if existing, err := s.store.PublisherBySlug(ctx, in.Slug); err == nil && existing.Org != org.ID {
		return Publisher{}, &ConflictError{Field: "slug", Message: "another publisher is called " + in.Slug, Err: ErrConflict}
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return Publisher{}, err
	}
	if err := s.checkPending(ctx, applicantID, org, in.Slug, now); err != nil {
		return Publisher{}, err
	}
	if err := s.checkNamespaces(ctx, in.Slug, org.ID, in.Namespaces, now); err != nil {
		return Publisher{}, err
	}
	p, err := s.store.PutPublisher(ctx, Publisher{Slug: in.Slug, Name: in.Name, Namespaces: in.Namespaces,
		Roles: rolesOf(org), Org: org.ID, Applicant: applicantID, Status: StatusPending, AppliedAt: now})
	if errors.Is(err, ErrNamespaceTaken) {
		return p, &ConflictError{Field: "namespaces", Message: "one of them belongs to another publisher", Err: ErrNamespaceTaken}
	}
	return p, err
}

// cleanApplication normalises and checks what an application says by
// itself.
func cleanApplication(in Application) (Application, error) {
	in.Slug, in.Name = strings.ToLower(strings.TrimSpace(in.Slug)), strings.TrimSpace(in.Name)
	if !slugPattern.MatchString(in.Slug) {
		return in, invalid("slug", "1 to 40 lower-case letters, digits and hyphens")
	}
	if in.Name == "" || len(in.Name) > 80 {
		return in, invalid("name", "1 to 80 characters")
	}
	if err := plaintext.Line(in.Name); err != nil {
		return in, invalid("name", err.Error())
	}
	if len(in.Namespaces) == 0 || len(in.Namespaces) > MaxNamespaces {
		return in, invalid("namespaces", fmt.Sprintf("claim 1 to %d registry namespaces", MaxNamespaces))
	}
	namespaces := make([]string, 0, len(in.Namespaces))
	for _, ns := range in.Namespaces {
		ns = strings.ToLower(strings.TrimSpace(ns))
		if !slugPattern.MatchString(ns) || ns+"/" == StagingPrefix {
			return in, invalid("namespaces", fmt.Sprintf("%q is not a namespace name: use lower-case letters, digits and hyphens", ns))
		}
		namespaces = append(namespaces, ns)
	}
	in.Namespaces = namespaces
	return in, nil
}

// checkPending enforces the caps on live applications, not counting the
// one under slug, which this application replaces.
func (s *Service) checkPending(ctx context.Context, applicantID string, org Org, slug string, now time.Time) error {
	ofOrg, err := s.store.PublishersByOrg(ctx, org.ID)
	if err != nil {
		return err
	}
	for _, p := range ofOrg {
		if p.Slug != slug && pending(p, now) {
			return &ConflictError{Field: "organization", Err: ErrPendingLimit, Message: fmt.Sprintf(
				"%s already has a pending application (%s): wait for its review, or apply again under that slug to change it", org.Name, p.Slug)}
		}
	}
	mine, err := s.store.PublishersByApplicant(ctx, applicantID)
	if err != nil {
		return err
	}
	n := 0
	for _, p := range mine {
		if p.Slug != slug && pending(p, now) {
			n++
		}
	}
	if n >= MaxPendingPerUser {
		return &ConflictError{Field: "organization", Err: ErrPendingLimit, Message: fmt.Sprintf(
			"you have %d pending publisher applications, the most allowed: wait for their review", n)}
	}
	return nil
}

// checkNamespaces checks each namespace, naming every one refused.
func (s *Service) checkNamespaces(ctx context.Context, slug, orgID string, namespaces []string, now time.Time) error {
	var refused []string
	var first error
	for _, ns := range namespaces {
		err := s.checkNamespace(ctx, slug, orgID, ns, now)
		var conflict *ConflictError
		var bad *InvalidError
		switch {
		case err == nil:
			continue
		case !errors.As(err, &conflict) && !errors.As(err, &bad):
			return err
		case first == nil:
			first = err
		}
		refused = append(refused, strings.TrimPrefix(err.Error(), "namespaces: "))
	}
	if len(refused) > 1 {
		return &ConflictError{Field: "namespaces", Err: ErrNamespaceTaken, Message: strings.Join(refused, "; ")}
	}
	return first
}

// checkNamespace refuses a namespace another user or organisation than
// orgID (the applying organisation) owns, or another publisher or live
// application holds. An expired application holding it is expired now,
// releasing it.
func (s *Service) checkNamespace(ctx context.Context, slug, orgID, ns string, now time.Time) error {
	owner, err := s.namespaces.NamespaceOwner(ctx, ns)
	if err != nil {
		return fmt.Errorf("checking namespace %s: %w", ns, err)
	}
	if owner != "" && owner != orgID {
		return &ConflictError{Field: "namespaces", Err: ErrNamespaceTaken,
			Message: fmt.Sprintf("%q is another user's or organisation's namespace; choose another", ns)}
	}
	holder, err := s.store.PublisherByNamespace(ctx, ns)
	switch {
	case errors.Is(err, ErrNotFound) || err == nil && holder.Slug == slug:
		return nil
	case err != nil:
		return err
	case expired(holder, now):
		return s.expire(ctx, holder)
	case holder.Status == StatusPending:
		return &ConflictError{Field: "namespaces", Err: ErrNamespaceTaken,
			Message: fmt.Sprintf("%q is reserved by a pending publisher application; choose another", ns)}
	}
	return &ConflictError{Field: "namespaces", Err: ErrNamespaceTaken,
		Message: fmt.Sprintf("%q belongs to another publisher; choose another", ns)}
}

// rolesOf gives an organisation's members their publisher roles.
func rolesOf(org Org) map[string]Role {
	roles := make(map[string]Role, len(org.Roles))
	for user, r := range org.Roles {
		switch r {
		case OrgOwner:
			roles[user] = RoleOwner
		case OrgAdmin:
			roles[user] = RoleEditor
		default:
			roles[user] = RoleViewer
		}
	}
	return roles
}

// expired reports whether p is a pending application left unreviewed for
// longer than ApplicationTTL at now.
func expired(p Publisher, now time.Time) bool {
	return p.Status == StatusPending && !p.AppliedAt.IsZero() && now.Sub(p.AppliedAt) > ApplicationTTL
}

// pending reports whether p is a live application at now.
func pending(p Publisher, now time.Time) bool { return p.Status == StatusPending && !expired(p, now) }

// settled returns p as it stands at now: an application past its time
// reads as expired, its namespaces released, before the sweep writes so.
func settled(p Publisher, now time.Time) Publisher {
	if expired(p, now) {
		p.Status, p.Namespaces = StatusExpired, nil
	}
	return p
}

// expire stores p expired and its namespaces released.
func (s *Service) expire(ctx context.Context, p Publisher) error {
	note := "expired unreviewed after 30 days"
	if len(p.Namespaces) > 0 {
		note += "; released " + strings.Join(p.Namespaces, ", ")
	}
	p.Status, p.Namespaces, p.ReviewNote = StatusExpired, nil, note
	if _, err := s.store.PutPublisher(ctx, p); err != nil {
		return fmt.Errorf("expiring the application %s: %w", p.Slug, err)
	}
	return nil
}

// ExpireApplications stores every pending application past ApplicationTTL
// as expired, releasing its namespaces, and returns how many it expired.
// Reads treat them as expired already; this makes the store say so too.
func (s *Service) ExpireApplications(ctx context.Context) (int, error) {
	ps, err := s.store.PublishersByStatus(ctx, StatusPending)
	if err != nil {
		return 0, err
	}
	now, n := s.now(), 0
	for _, p := range ps {
		if !expired(p, now) {
			continue
		}
		if err := s.expire(ctx, p); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Holder returns the publisher or live application holding namespace,
// and false when none does (an expired application holds nothing).
func (s *Service) Holder(ctx context.Context, namespace string) (Publisher, bool, error) {
	p, err := s.store.PublisherByNamespace(ctx, namespace)
	if errors.Is(err, ErrNotFound) {
		return Publisher{}, false, nil
	} else if err != nil {
		return Publisher{}, false, err
	}
	if expired(p, s.now()) {
		return Publisher{}, false, nil
	}
	return p, true, nil
}

// Applications returns the publishers whose application is in status,
// oldest application first, as they stand now: pending ones past their
// time are listed as expired, not pending.
func (s *Service) Applications(ctx context.Context, status Status) ([]Publisher, error) {
	from := status
	if status == StatusExpired {
		from = StatusPending
	}
	ps, err := s.store.PublishersByStatus(ctx, from)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]Publisher, 0, len(ps))
	for _, p := range ps {
		if p = settled(p, now); p.Status == status {
			out = append(out, p)
		}
	}
	if status != StatusExpired {
		return out, nil
	}
	stored, err := s.store.PublishersByStatus(ctx, StatusExpired)
	if err != nil {
		return nil, err
	}
	out = append(stored, out...)
	slices.SortStableFunc(out, func(a, b Publisher) int { return a.AppliedAt.Compare(b.AppliedAt) })
	return out, nil
}
