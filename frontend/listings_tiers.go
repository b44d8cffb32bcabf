package frontend

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
)

// maxTierRows bounds the tier rows a form may send (the listings service
// allows ten tiers; a few more rows let it say so).
const maxTierRows = 12

// tierRow is one tier of the listing editor's form as typed: strings, so
// that a refused value shows again exactly as it was typed.
type tierRow struct {
	ID, Name, Description, Price, Currency, Interval, TrialDays, Seats string
	PullQuota, QuotaPeriod, Versions, TagPattern, Terms, Repositories  string
	Perpetual                                                          bool
}

// rowOf is a stored tier as the form shows it; prices in major units.
func rowOf(t catalog.Tier) tierRow {
	return tierRow{ID: t.ID, Name: t.Name, Description: t.Description, Price: formatAmount(t.Price), Currency: t.Currency,
		Interval: t.Interval, TrialDays: itoaBlank(t.TrialDays), Seats: itoaBlank(t.Seats), PullQuota: itoaBlank(t.PullQuota),
		QuotaPeriod: t.QuotaPeriod, Versions: t.Versions, TagPattern: t.TagPattern, Terms: t.Terms,
		Repositories: strings.Join(t.Repositories, " "), Perpetual: t.Perpetual}
}

func rowsOf(ts []catalog.Tier) []tierRow {
	out := make([]tierRow, 0, len(ts))
	for _, t := range ts {
		out = append(out, rowOf(t))
	}
	return out
}

// formatAmount shows minor units as an amount: 2500 → "25.00".
func formatAmount(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

// itoaBlank shows 0 as an empty field: the tier's "none" or "unlimited".
func itoaBlank(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// formTierRows reads the editor's tier rows ("tiers.<i>.<field>"), in
// order; a row is there when its id field was sent.
func formTierRows(c *fiber.Ctx) []tierRow {
	var out []tierRow
	args := c.Request().PostArgs()
	for i := 0; i < maxTierRows; i++ {
		key := func(f string) string { return fmt.Sprintf("tiers.%d.%s", i, f) }
		if !args.Has(key("id")) {
			continue
		}
		get := func(f string) string { return strings.TrimSpace(string(args.Peek(key(f)))) }
		out = append(out, tierRow{ID: get("id"), Name: get("name"), Description: get("description"), Price: get("price"),
			Currency: get("currency"), Interval: get("interval"), TrialDays: get("trial_days"), Seats: get("seats"),
			PullQuota: get("pull_quota"), QuotaPeriod: get("quota_period"), Versions: get("versions"), TagPattern: get("tag_pattern"),
			Terms: string(args.Peek(key("terms"))), Repositories: get("repositories"), Perpetual: get("perpetual_fallback") != ""})
	}
	return out
}

// tierInputs turns the rows into tiers, with every number that is not
// one named under its field ("tiers.1.price").
func tierInputs(rows []tierRow) ([]tierInput, map[string]string) {
	problems := map[string]string{}
	out := make([]tierInput, 0, len(rows))
	for i, r := range rows {
		num := func(field, s string) int {
			if s == "" {
				return 0
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				problems[fmt.Sprintf("tiers.%d.%s", i, field)] = "a whole number, such as 5"
			}
			return n
		}
		t := tierInput{ID: r.ID, Name: r.Name, Description: r.Description, Currency: r.Currency, Interval: r.Interval,
			TrialDays: num("trial_days", r.TrialDays), Seats: num("seats", r.Seats), PullQuota: num("pull_quota", r.PullQuota),
			QuotaPeriod: r.QuotaPeriod, Versions: r.Versions, TagPattern: r.TagPattern, Perpetual: r.Perpetual, Terms: r.Terms,
			Repositories: strings.Fields(strings.ReplaceAll(r.Repositories, ",", " "))}
		price, ok := parseAmount(r.Price)
		if !ok {
			problems[fmt.Sprintf("tiers.%d.price", i)] = "an amount such as 25 or 25.00 (0 for a free tier)"
		}
		t.Price = price
		out = append(out, t)
	}
	return out, problems
}

// parseAmount reads "25", "25.5" or "25.00" as minor units; "" is 0.
func parseAmount(s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" && frac == "" {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(orZero(whole), 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w < 0 || f < 0 || w > 10_000_000 {
		return 0, false
	}
	return w*100 + f, true
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// editTiers applies the form's "add tier" or "remove tier" button to the
// rows, and reports whether one was pressed (then nothing is saved).
func editTiers(c *fiber.Ctx, rows []tierRow) ([]tierRow, bool) {
	if c.FormValue("add_tier") != "" {
		return append(rows, tierRow{Currency: "usd"}), true
	}
	if v := c.FormValue("remove_tier"); v != "" {
		i, err := strconv.Atoi(v)
		if err == nil && i >= 0 && i < len(rows) {
			rows = append(rows[:i:i], rows[i+1:]...)
		}
		return rows, true
	}
	return rows, false
}

// tierRowTemplate is what the "tier-row" template draws: row i of the
// form f ("tiers.<i>"; the script's template row has i = -1).
type tierRowTemplate struct {
	Form   form
	Index  int
	Number int
	Key    string
	Tier   tierRow
}

// tierRowView is the template func tierRowView.
func tierRowView(f form, i int, t tierRow) tierRowTemplate {
	key := fmt.Sprintf("tiers.%d", i)
	if i < 0 {
		key = "tiers.__i__"
	}
	return tierRowTemplate{Form: f, Index: i, Number: i + 1, Key: key, Tier: t}
}
