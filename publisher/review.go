package publisher

import (
	"context"
	"strings"

	"github.com/berth/berth/internal/plaintext"
)

// Review is an administrator's decision on an application: "approve" or
// "reject", the Verified badge (for approvals) and a note to the applicant.
type Review struct {
	Decision string
	Verified bool
	Note     string
}

// Review approves or rejects the application of the publisher slug and
// sets its Verified badge. An expired application cannot be decided: its
// namespaces may have gone to others since.
func (s *Service) Review(ctx context.Context, slug string, r Review) (Publisher, error) {
	p, err := s.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return p, err
	}
	if p = settled(p, s.now()); p.Status == StatusExpired {
		return p, ErrExpired
	}
	switch r.Decision {
	case "approve":
		p.Status = StatusApproved
	case "reject":
		p.Status = StatusRejected
	default:
		return p, invalid("decision", "approve or reject")
	}
	note := strings.TrimSpace(r.Note)
	if len(note) > 2000 {
		return p, invalid("note", "at most 2,000 characters")
	}
	if err := plaintext.Text(note); err != nil {
		return p, invalid("note", err.Error())
	}
	p.Verified = r.Verified && p.Status == StatusApproved
	p.ReviewNote, p.ReviewedAt = note, s.now().UTC()
	return s.store.PutPublisher(ctx, p)
}
