package catalog

import (
	"fmt"
	"strings"
)

// FormatMoney renders an amount in minor units: 0 → "$0.00", 9900 usd →
// "$99.00", 1250 eur → "€12.50". Unknown currencies are prefixed by their
// upper-case code.
func FormatMoney(cents int64, currency string) string {
	symbol := map[string]string{"usd": "$", "eur": "€", "gbp": "£"}[strings.ToLower(currency)]
	if symbol == "" {
		symbol = strings.ToUpper(currency) + " "
	}
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%s%d.%02d", sign, symbol, cents/100, cents%100)
}

// PriceLabel is the tier's price in the one form every page and the API
// show: amount, then period, then what one unit buys.
//
//	Free
//	$49.00 a month
//	$299.00 a month for 25 seats
//	$990.00 one-time
//
// A tier bought in quantities is priced per unit of Seats seats; the
// publisher's description should not repeat the price.
func (t Tier) PriceLabel() string {
	if t.Free() {
		return "Free"
	}
	label := FormatMoney(t.Price, t.Currency)
	if t.Interval == "" {
		label += " one-time"
	} else {
		label += " a " + t.Interval
	}
	if t.Seats > 0 {
		label += fmt.Sprintf(" for %d seats", t.Seats)
	}
	return label
}

// TrialLabel says how long the tier's free trial lasts ("14-day free
// trial"), "" when it has none.
func (t Tier) TrialLabel() string {
	if t.TrialDays <= 0 || t.Free() {
		return ""
	}
	return fmt.Sprintf("%d-day free trial", t.TrialDays)
}

// LowestPaid returns the product's paid tier with the smallest amount
// (the first of equals), and false when every tier is free. A listing's
// tiers share a currency in practice; periods are not converted.
func (p Product) LowestPaid() (Tier, bool) {
	var best Tier
	found := false
	for _, t := range p.Tiers {
		if t.Free() {
			continue
		}
		if !found || t.Price < best.Price {
			best, found = t, true
		}
	}
	return best, found
}

// LowestPriceLabel is what a product card shows: "from $49.00 a month"
// for the cheapest paid tier, "Free" when only free tiers exist, and ""
// without tiers.
func (p Product) LowestPriceLabel() string {
	if t, ok := p.LowestPaid(); ok {
		return "from " + t.PriceLabel()
	}
	if p.HasFree() {
		return "Free"
	}
	return ""
}
