package catalog

import "testing"

func TestPriceLabel(t *testing.T) {
	for _, tc := range []struct {
		tier Tier
		want string
	}{
		{Tier{Price: 0, Currency: "usd"}, "Free"},
		{Tier{Price: 4900, Currency: "usd", Interval: "month"}, "$49.00 a month"},
		{Tier{Price: 29900, Currency: "usd", Interval: "month", Seats: 25}, "$299.00 a month for 25 seats"},
		{Tier{Price: 99000, Currency: "eur"}, "€990.00 one-time"},
		{Tier{Price: 1205, Currency: "gbp", Interval: "year"}, "£12.05 a year"},
	} {
		if got := tc.tier.PriceLabel(); got != tc.want {
			t.Errorf("PriceLabel(%+v) = %q, want %q", tc.tier, got, tc.want)
		}
	}
}

func TestLowestPriceLabel(t *testing.T) {
	p := Product{Tiers: []Tier{{Price: 0}, {Price: 29900, Currency: "usd", Interval: "month", Seats: 25},
		{Price: 4900, Currency: "usd", Interval: "month"}}}
	if got, want := p.LowestPriceLabel(), "from $49.00 a month"; got != want {
		t.Errorf("LowestPriceLabel = %q, want %q", got, want)
	}
	if got := (Product{Tiers: []Tier{{Price: 0}}}).LowestPriceLabel(); got != "Free" {
		t.Errorf("free-only product: %q, want Free", got)
	}
}
