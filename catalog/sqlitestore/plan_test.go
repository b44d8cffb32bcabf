package sqlitestore

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// TestExploreUsesIndexes asks SQLite for the plan of Explore's statement
// for every tab and sort, alone and with each filter, and fails on a scan
// of a table without an index or a sort outside one: Explore must answer
// in milliseconds at 100,000 products.
func TestExploreUsesIndexes(t *testing.T) {
	db := sqldbtest.Open(t)
	storetesting.NewStore(t, db, New)
	filters := map[string]catalog.ExploreQuery{
		"no filter": {},
		"category":  {Category: "database"},
		"kind":      {Kind: catalog.KindImage},
		"publisher": {Publisher: "acme"},
		"price":     {Price: "free"},
		"os":        {OS: "linux"},
		"arch":      {Arch: "arm64"},
		"interface": {Interface: "volumedriver"},
		"every filter": {Category: "database", Kind: catalog.KindImage, Publisher: "acme",
			Price: "paid", OS: "linux", Arch: "arm64", Interface: "volumedriver"},
	}
	for _, tab := range []string{"", "official", "certified", "plugins"} {
		for _, sort := range []string{catalog.SortPopular, catalog.SortNewest, catalog.SortUpdated, catalog.SortName} {
			for name, q := range filters {
				q.Tab, q.Sort, q.Limit, q.Offset = tab, sort, 24, 48
				t.Run(fmt.Sprintf("%s/%s/%s", tab, sort, name), func(t *testing.T) {
					stmt, args := exploreQuery(q)
					// The interface filter sorts its products: only
					// plugins with that interface.
					checkPlan(t, db, stmt, len(args), q.Interface != "")
				})
			}
		}
	}
}

// TestStatementsUseIndexes checks the plans of the other catalog
// statements that grow with the catalog, as TestExploreUsesIndexes does.
// Search and TagByDigest sort, but few rows: the ranked matches, and the
// tags sharing a digest.
func TestStatementsUseIndexes(t *testing.T) {
	db := sqldbtest.Open(t)
	storetesting.NewStore(t, db, New)
	for name, stmt := range map[string]string{
		"searchByNamePrefix": searchByNamePrefix, "selectCategories": selectCategories,
		"selectPublishers": selectPublishers, "selectPlatforms": selectPlatforms, "selectTag": selectTag,
		"selectPublisherProducts": selectPublisherProducts,
		"selectRepositoryTags":    selectRepositoryTags,
		"selectTagPulls":          selectTagPulls, "selectTagPullTotals": selectTagPullTotals,
	} {
		t.Run(name, func(t *testing.T) { checkPlan(t, db, stmt, strings.Count(stmt, "?"), false) })
	}
	// A tab's category counts read the tab's rows of product_categories'
	// badge or kind index, and no product; the official tab's come in
	// kind order, and are grouped by category apart.
	for _, tab := range []string{"official", "certified", "plugins"} {
		stmt, args := categoriesQuery(tab)
		t.Run("categories of tab "+tab, func(t *testing.T) {
			checkPlan(t, db, stmt, len(args), tab == "official")
			plan := strings.Join(sqldbtest.Plan(t, db, stmt, make([]any, len(args))...), "\n")
			if !strings.Contains(plan, "USING COVERING INDEX product_categories_") || strings.Contains(plan, "products") {
				t.Errorf("plan:\n%s\nwant product_categories' covering index alone", plan)
			}
		})
	}
	for name, stmt := range map[string]string{
		"searchByTrigrams": searchByTrigrams, "selectTagByDigest": selectTagByDigest,
	} {
		t.Run(name, func(t *testing.T) { checkPlan(t, db, stmt, strings.Count(stmt, "?"), true) })
	}
}

// checkPlan fails t on a step of stmt's plan that scans a table without an
// index, or, unless sorts is set, that sorts rows outside an index.
// Aggregating a product's few repositories or platforms in order, and
// reading a subquery's rows, are fine.
func checkPlan(t *testing.T, db *sql.DB, stmt string, params int, sorts bool) {
	t.Helper()
	for _, step := range sqldbtest.Plan(t, db, stmt, make([]any, params)...) {
		scan := strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, " USING ") &&
			!strings.Contains(step, "VIRTUAL TABLE INDEX") &&
			step != "SCAN CONSTANT ROW" && step != "SCAN h" && step != "SCAN next" && step != "SCAN page" && !strings.HasPrefix(step, "SCAN (subquery")
		sort := strings.Contains(step, "TEMP B-TREE") && !strings.Contains(step, "json_group_array")
		if scan || (sort && !sorts) {
			t.Errorf("plan step %q", step)
		}
	}
}
