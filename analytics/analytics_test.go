package analytics

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/billing"
)

func TestTierMonths(t *testing.T) {
	at := func(month time.Month, day int) time.Time { return time.Date(2026, month, day, 23, 0, 0, 0, time.UTC) }
	sales := []billing.Sale{
		{Product: "db", Tier: "pro", Currency: "usd", Gross: 500, Net: 400, At: at(3, 1)},
		{Product: "db", Tier: "pro", Currency: "usd", Gross: 500, Net: 400, At: at(3, 31)},
		{Product: "db", Tier: "pro", Currency: "usd", Gross: -500, Net: -400, At: at(3, 31)}, // a refund
		{Product: "db", Tier: "pro", Currency: "eur", Gross: 450, Net: 360, At: at(3, 2)},
		{Product: "db", Tier: "basic", Currency: "usd", Gross: 100, Net: 80, At: at(4, 1)},
		{Product: "app", Tier: "pro", Currency: "usd", Gross: 900, Net: 720, At: at(3, 5)},
	}
	want := []TierMonth{
		{Month: "2026-04", Product: "db", Tier: "basic", Currency: "usd", Sales: 1, Gross: 100, Net: 80},
		{Month: "2026-03", Product: "app", Tier: "pro", Currency: "usd", Sales: 1, Gross: 900, Net: 720},
		{Month: "2026-03", Product: "db", Tier: "pro", Currency: "eur", Sales: 1, Gross: 450, Net: 360},
		{Month: "2026-03", Product: "db", Tier: "pro", Currency: "usd", Sales: 2, Gross: 500, Net: 400},
	}
	if diff := cmp.Diff(want, tierMonths(sales)); diff != "" {
		t.Errorf("tierMonths (-want +got):\n%s", diff)
	}
}

func TestTop(t *testing.T) {
	counts := map[string]int64{"b": 5, "a": 5, "c": 9, "d": 1}
	if diff := cmp.Diff([]Count{{"c", 9}, {"a", 5}, {"b", 5}}, top(counts, 3)); diff != "" {
		t.Errorf("top 3 (-want +got):\n%s", diff)
	}
	if got := top(nil, 10); got == nil || len(got) != 0 {
		t.Errorf("top of nothing = %#v; want an empty list", got)
	}
}
