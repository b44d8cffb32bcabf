package analytics

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

// active counts the products' licenses that entitle at now into r.Active,
// and returns every license by ID.
func (s *Service) active(ctx context.Context, r *Report, products []catalog.Product, now time.Time) (map[string]licensing.License, error) {
	byID := map[string]licensing.License{}
	for _, p := range products {
		ls, err := s.licenses.LicensesOfProduct(ctx, p.Slug, maxLicenses)
		if err != nil {
			return nil, err
		}
		active := map[string]int{}
		for _, l := range ls {
			byID[l.ID] = l
			if l.Entitles(now) {
				active[l.Tier]++
			}
		}
		for tier, n := range active {
			r.Active = append(r.Active, ActiveLicenses{Product: p.Slug, Tier: tier, Active: n})
		}
	}
	slices.SortFunc(r.Active, func(x, y ActiveLicenses) int {
		return cmp.Or(cmp.Compare(x.Product, y.Product), cmp.Compare(x.Tier, y.Tier))
	})
	return byID, nil
}

// pulls counts the products' tag pulls per day over PullDays into r.Days
// and returns each tag's pulls of all time ("repo:tag").
func (s *Service) pulls(ctx context.Context, r *Report, products []catalog.Product, now time.Time) (map[string]int64, error) {
	days, tags := map[string]int64{}, map[string]int64{}
	from := now.Truncate(24*time.Hour).AddDate(0, 0, -PullDays+1)
	for _, p := range products {
		for _, repo := range p.Repositories {
			totals, err := s.tags.TagPullTotals(ctx, repo)
			if err != nil {
				return nil, err
			}
			for tag, n := range totals {
				tags[repo+":"+tag] += n
				counts, err := s.tags.TagPulls(ctx, repo, tag, from, now.Add(24*time.Hour))
				if err != nil {
					return nil, err
				}
				for _, d := range counts {
					days[d.Day] += d.Pulls
				}
			}
		}
	}
	for d := from; !d.After(now); d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		r.Days = append(r.Days, catalog.DayCount{Day: day, Pulls: days[day]})
	}
	return tags, nil
}

// customers ranks the holders and licenses among licenses that made the
// most recent pulls into r.Customers and r.Licenses.
func (s *Service) customers(ctx context.Context, r *Report, licenses map[string]licensing.License) error {
	pulls, err := s.licenses.Pulls(ctx, licensing.UsageQuery{Limit: maxPulls})
	if err != nil {
		return err
	}
	byLicense, byOwner := map[string]int64{}, map[string]int64{}
	names := map[string]string{}
	for _, p := range pulls {
		l, ok := licenses[p.LicenseID]
		if !ok {
			continue
		}
		byLicense[l.ID+" ("+l.Product+" "+l.Tier+", key …"+l.KeyHint+")"]++
		name, ok := names[l.Owner]
		if !ok {
			name = s.ownerName(ctx, l.Owner)
			names[l.Owner] = name
		}
		byOwner[name]++
	}
	r.Customers, r.Licenses = top(byOwner, topN), top(byLicense, topN)
	return nil
}

// ownerName names a license holder: a user's name, else the ID (an
// organisation's).
func (s *Service) ownerName(ctx context.Context, id string) string {
	if u, err := s.users.User(ctx, id); err == nil {
		return u.Username
	}
	return id
}
