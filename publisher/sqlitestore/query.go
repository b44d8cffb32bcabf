package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// selectPublishers reads every publishers column plus the publisher's
// namespaces and members, in order, as JSON arrays and its roles as a JSON
// object.
const selectPublishers = `SELECT p.id, p.slug, p.name, p.verified, p.org, p.applicant, p.status,
	p.review_note, p.applied_at, p.reviewed_at, p.created_at, p.description, p.logo_tag,
	(SELECT json_group_array(n.namespace ORDER BY n.position)
		FROM publisher_namespaces n WHERE n.publisher_id = p.id),
	(SELECT json_group_array(m.user_id ORDER BY m.position)
		FROM publisher_members m WHERE m.publisher_id = p.id),
	(SELECT json_group_object(r.user_id, r.role)
		FROM publisher_roles r WHERE r.publisher_id = p.id)
	FROM publishers p`

// PublisherBySlug returns the publisher or publisher.ErrNotFound.
func (s *Store) PublisherBySlug(ctx context.Context, slug string) (publisher.Publisher, error) {
	p, err := scanPublisher(sqldb.QueryRow(ctx, s.db, selectPublishers+` WHERE p.slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return publisher.Publisher{}, fmt.Errorf("publisher %s: %w", slug, publisher.ErrNotFound)
	}
	if err != nil {
		return publisher.Publisher{}, fmt.Errorf("reading publisher %s: %w", slug, err)
	}
	return p, nil
}

// PublisherByNamespace returns the publisher owning namespace or publisher.ErrNotFound.
func (s *Store) PublisherByNamespace(ctx context.Context, namespace string) (publisher.Publisher, error) {
	p, err := scanPublisher(sqldb.QueryRow(ctx, s.db, selectPublishers+` WHERE p.id =
		(SELECT publisher_id FROM publisher_namespaces WHERE namespace = ?)`, namespace))
	if errors.Is(err, sql.ErrNoRows) {
		return publisher.Publisher{}, fmt.Errorf("namespace %s: %w", namespace, publisher.ErrNotFound)
	}
	if err != nil {
		return publisher.Publisher{}, fmt.Errorf("reading publisher of %s: %w", namespace, err)
	}
	return p, nil
}

// PublishersByMember returns the publishers userID is a member of, by slug.
func (s *Store) PublishersByMember(ctx context.Context, userID string) ([]publisher.Publisher, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanPublisher, selectPublishers+` WHERE p.id IN
		(SELECT publisher_id FROM publisher_members WHERE user_id = ?) ORDER BY p.slug`, userID)
	if err != nil {
		return nil, fmt.Errorf("listing publishers of %s: %w", userID, err)
	}
	return out, nil
}

// PublishersByUser returns the publishers userID has a role in or is a
// member of, by slug: publishers stored without roles count their members.
func (s *Store) PublishersByUser(ctx context.Context, userID string) ([]publisher.Publisher, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanPublisher, selectPublishers+` WHERE p.id IN
		(SELECT publisher_id FROM publisher_roles WHERE user_id = ?
		UNION SELECT publisher_id FROM publisher_members WHERE user_id = ?) ORDER BY p.slug`, userID, userID)
	if err != nil {
		return nil, fmt.Errorf("listing publishers of user %s: %w", userID, err)
	}
	return out, nil
}

// PublishersByStatus returns the publishers whose application is in status,
// oldest application first (ties by slug).
func (s *Store) PublishersByStatus(ctx context.Context, status publisher.Status) ([]publisher.Publisher, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanPublisher, selectPublishers+` WHERE p.status = ?
		ORDER BY p.applied_at, p.slug`, status)
	if err != nil {
		return nil, fmt.Errorf("listing %s publishers: %w", status, err)
	}
	return out, nil
}

// PublishersByOrg returns the publishers the organisation orgID applied
// for, by slug.
func (s *Store) PublishersByOrg(ctx context.Context, orgID string) ([]publisher.Publisher, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanPublisher, selectPublishers+` WHERE p.org = ? ORDER BY p.slug`, orgID)
	if err != nil {
		return nil, fmt.Errorf("listing publishers of organisation %s: %w", orgID, err)
	}
	return out, nil
}

// PublishersByApplicant returns the publishers userID applied for, by slug.
func (s *Store) PublishersByApplicant(ctx context.Context, userID string) ([]publisher.Publisher, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanPublisher, selectPublishers+` WHERE p.applicant = ? ORDER BY p.slug`, userID)
	if err != nil {
		return nil, fmt.Errorf("listing applications of %s: %w", userID, err)
	}
	return out, nil
}

// scanPublisher reads one row of selectPublishers.
func scanPublisher(sc sqldb.Scanner) (publisher.Publisher, error) {
	var (
		p                          publisher.Publisher
		applied, reviewed, created int64
		namespaces, members, roles string
	)
	err := sc.Scan(&p.ID, &p.Slug, &p.Name, &p.Verified, &p.Org, &p.Applicant, &p.Status, &p.ReviewNote,
		&applied, &reviewed, &created, &p.Description, &p.LogoTag, &namespaces, &members, &roles)
	if err != nil {
		return publisher.Publisher{}, err
	}
	p.AppliedAt, p.ReviewedAt = storecodec.ParseTime(applied), storecodec.ParseTime(reviewed)
	p.CreatedAt = storecodec.ParseTime(created)
	if p.Namespaces, err = sqldb.ParseStrings(namespaces); err != nil {
		return publisher.Publisher{}, fmt.Errorf("namespaces of %s: %w", p.Slug, err)
	}
	if p.Members, err = sqldb.ParseStrings(members); err != nil {
		return publisher.Publisher{}, fmt.Errorf("members of %s: %w", p.Slug, err)
	}
	if err := json.Unmarshal([]byte(roles), &p.Roles); err != nil {
		return publisher.Publisher{}, fmt.Errorf("roles of %s: %w", p.Slug, err)
	}
	if len(p.Roles) == 0 {
		p.Roles = nil
	}
	return p, nil
}
