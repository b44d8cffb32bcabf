package frontend

import (
	"context"
	"strings"

	"github.com/berth/berth/catalog"
)

// namedLicense is a license with the names people read: its product's
// and its tier's, instead of their slugs.
type namedLicense struct {
	heldLicense
	ProductName string
	TierName    string
	product     catalog.Product
}

// nameLicense looks up l's product and tier names; a product since
// deleted keeps its slug and tier ID as names.
func (h *handlers) nameLicense(ctx context.Context, l heldLicense) namedLicense {
	return h.nameLicenses(ctx, []heldLicense{l})[0]
}

// nameLicenses names each of ls, looking each product up once.
func (h *handlers) nameLicenses(ctx context.Context, ls []heldLicense) []namedLicense {
	products := map[string]catalog.Product{}
	out := make([]namedLicense, 0, len(ls))
	for _, l := range ls {
		n := namedLicense{heldLicense: l, ProductName: l.Product, TierName: l.Tier}
		p, ok := products[l.Product]
		if !ok {
			if got, err := h.Products.ProductBySlug(ctx, l.Product); err == nil {
				p, ok = got, true
				products[l.Product] = got
			}
		}
		if ok {
			n.product, n.ProductName = p, p.Name
			if t, found := p.Tier(l.Tier); found {
				n.TierName = t.Name
			}
		}
		out = append(out, n)
	}
	return out
}

// Who names a credential subject in the license page's tables: the
// license's own key reads "this license's key" rather than
// "license:<id>"; another license's key reads "a license key".
func (v licenseView) Who(subject string) string {
	switch {
	case subject == "license:"+v.License.ID:
		return "this license's key"
	case strings.HasPrefix(subject, "license:"):
		return "a license key"
	}
	return subject
}
