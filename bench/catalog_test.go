package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth/berth/catalog"
	catalogsqlite "github.com/berth/berth/catalog/sqlitestore"
	"github.com/berth/berth/internal/sqldb"
)

// listings is how many products the catalog benchmarks hold.
const listings = 100_000

var (
	words = []string{"postgres", "redis", "nginx", "kafka", "mongo", "mysql", "traefik", "envoy", "grafana", "prometheus",
		"elastic", "jenkins", "gitlab", "vault", "consul", "nomad", "minio", "rabbitmq", "nats", "clickhouse", "cassandra",
		"influx", "telegraf", "fluentd", "logstash", "keycloak", "superset", "airflow", "spark", "flink", "memcached",
		"haproxy", "caddy", "squid", "bind", "coredns", "etcd", "zookeeper", "solr", "neo4j"}
	flavours   = []string{"server", "operator", "exporter", "agent", "proxy", "gateway", "backup", "cache", "connector", "cli", "ui", "lts", "enterprise", "slim"}
	vendors    = []string{"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne", "soylent", "aperture", "vandelay", "dunder", "pied-piper"}
	categories = []string{"Databases", "Storage", "Networking", "Security", "Monitoring", "Logging", "Messaging", "Analytics", "Web servers", "Caching", "CI/CD", "Machine learning"}
	platforms  = []string{"linux/amd64", "linux/arm64/v8", "linux/arm/v7", "windows/amd64"}
)

// generateCatalog puts n products with realistic names, publishers,
// categories, tiers and descriptions into s, deterministically.
func generateCatalog(b *testing.B, s *catalogsqlite.Store, n int) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		w, f, v := words[r.IntN(len(words))], flavours[r.IntN(len(flavours))], vendors[r.IntN(len(vendors))]
		slug := fmt.Sprintf("%s-%s-%s-%d", v, w, f, i)
		cats := []string{categories[r.IntN(len(categories))], categories[r.IntN(len(categories))]}
		if cats[0] == cats[1] {
			cats = cats[:1]
		}
		kind, badge := catalog.KindImage, catalog.BadgeNone
		switch r.IntN(10) {
		case 0:
			kind = catalog.KindPlugin
		case 1, 2:
			badge = catalog.BadgeOfficial
		case 3, 4, 5:
			badge = catalog.BadgeCertified
		}
		repo := v + "/" + w + "-" + f + fmt.Sprint(i)
		tiers := []catalog.Tier{{ID: "standard", Name: "Standard", Price: int64(r.IntN(5)) * 1900, Currency: "usd", Repositories: []string{repo}}}
		if r.IntN(2) == 0 {
			tiers = append(tiers, catalog.Tier{ID: "express", Name: "Express", Currency: "usd", Repositories: []string{repo}})
		}
		p := catalog.Product{Slug: slug, Name: strings.ToUpper(w[:1]) + w[1:] + " " + f, Publisher: v, Kind: kind, Badge: badge,
			Summary:     fmt.Sprintf("%s %s by %s: production-ready, hardened and supported.", w, f, v),
			Description: fmt.Sprintf("# %s %s\n\nRun %s as a %s with sensible defaults, health checks and metrics. Maintained by %s.", w, f, w, f, v),
			Categories:  cats, Repositories: []string{repo}, Tiers: tiers}
		if _, err := s.PutProduct(ctx, p); err != nil {
			b.Fatal(err)
		}
		if err := s.SetPlatforms(ctx, slug, platforms[:1+r.IntN(len(platforms))]); err != nil {
			b.Fatal(err)
		}
		// Plugins' interfaces in turn, without drawing from r, so that
		// the rest of the catalog stays as it was generated before them.
		if kind == catalog.KindPlugin {
			if err := s.SetPluginInterfaces(ctx, slug, []string{capabilities[i%len(capabilities)]}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// capabilities are the plugin interfaces generateCatalog gives plugins:
// none of them is csinode, Explore's worst case.
var capabilities = []string{"volumedriver", "logdriver", "networkdriver", "ipamdriver", "authz", "metricscollector"}

var (
	bigCatalogOnce sync.Once
	bigCatalog     *catalogsqlite.Store
	bigCatalogErr  error
)

// catalogOf100k opens (once per run) a SQLite catalog of 100,000 listings.
func catalogOf100k(b *testing.B) *catalogsqlite.Store {
	bigCatalogOnce.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			bigCatalogErr = err
			return
		}
		db, err := sqldb.Open(filepath.Join(dir, "catalog.db"))
		if err != nil {
			bigCatalogErr = err
			return
		}
		s, err := catalogsqlite.New(context.Background(), db)
		if err != nil {
			bigCatalogErr = err
			return
		}
		start := time.Now()
		generateCatalog(b, s, listings)
		b.Logf("generated %d listings in %s", listings, time.Since(start).Round(time.Millisecond))
		bigCatalog = s
	})
	if bigCatalogErr != nil {
		b.Fatal(bigCatalogErr)
	}
	return bigCatalog
}

// latencies runs op b.N times, cycling through its cases, and reports
// p50 and p99 in milliseconds.
func latencies(b *testing.B, op func(i int) error) {
	b.Helper()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkExplore100k is Explore's queries at 100,000 listings: each tab
// and sort, with and without a category, price or architecture filter,
// first pages and a few pages in.
func BenchmarkExplore100k(b *testing.B) {
	s := catalogOf100k(b)
	var queries []catalog.ExploreQuery
	for _, tab := range []string{"", "official", "certified", "plugins"} {
		for _, sort := range []string{catalog.SortPopular, catalog.SortNewest, catalog.SortUpdated, catalog.SortName} {
			queries = append(queries,
				catalog.ExploreQuery{Tab: tab, Sort: sort, Limit: 24},
				catalog.ExploreQuery{Tab: tab, Sort: sort, Limit: 24, Offset: 96},
				catalog.ExploreQuery{Tab: tab, Sort: sort, Category: "Databases", Limit: 24},
				catalog.ExploreQuery{Tab: tab, Sort: sort, Price: "free", Limit: 24},
				catalog.ExploreQuery{Tab: tab, Sort: sort, Arch: "arm64", Limit: 24},
				catalog.ExploreQuery{Tab: tab, Sort: sort, Publisher: "globex", Limit: 24})
		}
	}
	ctx := context.Background()
	latencies(b, func(i int) error {
		_, err := s.Explore(ctx, queries[i%len(queries)])
		return err
	})
}

// BenchmarkExplorePluginInterface100k is Explore's plugin interface
// filter at 100,000 listings (about 10,000 plugins, a sixth of them each
// capability): on the plugins tab and on all products, every sort, first
// pages and page 5, and a capability no plugin has, which walks every
// row of the tab's index.
func BenchmarkExplorePluginInterface100k(b *testing.B) {
	s := catalogOf100k(b)
	var queries []catalog.ExploreQuery
	for _, tab := range []string{"", "plugins"} {
		for _, sort := range []string{catalog.SortPopular, catalog.SortNewest, catalog.SortUpdated, catalog.SortName} {
			queries = append(queries,
				catalog.ExploreQuery{Tab: tab, Sort: sort, Interface: "volumedriver", Limit: 24},
				catalog.ExploreQuery{Tab: tab, Sort: sort, Interface: "authz", Limit: 24, Offset: 96},
				catalog.ExploreQuery{Tab: tab, Sort: sort, Interface: "csinode", Limit: 24})
		}
	}
	ctx := context.Background()
	latencies(b, func(i int) error {
		_, err := s.Explore(ctx, queries[i%len(queries)])
		return err
	})
}

// BenchmarkSearch100k is search-as-you-type at 100,000 listings: prefixes
// as typed, whole words, two words, and typos.
func BenchmarkSearch100k(b *testing.B) {
	s := catalogOf100k(b)
	queries := []string{"pos", "postg", "postgres", "postgres backup", "postgers", "redis cache", "rediss", "nginx",
		"kafka connector", "kafak", "globex", "grafana exporter", "monitoring", "prometheus operator", "elastc", "vault agent"}
	ctx := context.Background()
	latencies(b, func(i int) error {
		_, err := s.Search(ctx, queries[i%len(queries)], 10)
		return err
	})
}

// mkdirTemp makes a directory for the shared catalog; it outlives single
// benchmarks, so it is not b.TempDir.
func mkdirTemp() (string, error) { return os.MkdirTemp("", "berth-catalog-bench") }

// BenchmarkExploreFacets100k is what Explore reads beside each page at
// 100,000 listings: each tab's category counts, and the platforms its OS
// and architecture filters offer.
func BenchmarkExploreFacets100k(b *testing.B) {
	s := catalogOf100k(b)
	tabs := []string{"", "official", "certified", "plugins"}
	ctx := context.Background()
	for _, tab := range tabs {
		b.Run("categories of tab "+tab, func(b *testing.B) {
			latencies(b, func(int) error {
				_, err := s.Categories(ctx, tab)
				return err
			})
		})
	}
	b.Run("platforms", func(b *testing.B) {
		latencies(b, func(i int) error {
			_, err := s.PlatformsInUse(ctx)
			return err
		})
	})
}

// communityRepositories is how many user and organisation repositories
// the Community benchmarks hold.
const communityRepositories = 100_000

// generateCommunity returns n community repositories with realistic names
// such as "globex/postgres-backup-17" in 2,000 namespaces, a tenth of them
// private, with summaries, pulls, stars and last pushes, deterministically.
func generateCommunity(n int) []catalog.Repository {
	r := rand.New(rand.NewPCG(3, 4))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]catalog.Repository, n)
	for i := range out {
		w, f := words[r.IntN(len(words))], flavours[r.IntN(len(flavours))]
		ns := fmt.Sprintf("%s%d", vendors[r.IntN(len(vendors))], r.IntN(2000/len(vendors)+1))
		created := t0.Add(time.Duration(r.IntN(300*24)) * time.Hour)
		out[i] = catalog.Repository{
			Name: fmt.Sprintf("%s/%s-%s-%d", ns, w, f, i), Namespace: ns,
			Summary:     fmt.Sprintf("My %s %s, built nightly.", w, f),
			Description: fmt.Sprintf("# %s-%s\n\nA %s %s for %s's services.", w, f, w, f, ns),
			Private:     r.IntN(10) == 0, Pulls: int64(r.IntN(100_000)), Stars: int64(r.IntN(200)),
			CreatedAt: created, UpdatedAt: created, PushedAt: created.Add(time.Duration(r.IntN(48)) * time.Hour),
		}
	}
	return out
}

var (
	bigCommunityOnce sync.Once
	bigCommunity     *catalogsqlite.Store
	bigCommunityErr  error
)

// communityOf100k opens (once per run) a SQLite catalog of 100,000
// community repositories, inserted in batches through ImportRepositories.
func communityOf100k(b *testing.B) *catalogsqlite.Store {
	bigCommunityOnce.Do(func() {
		dir, err := mkdirTemp()
		if err == nil {
			var db *sql.DB
			if db, err = sqldb.Open(filepath.Join(dir, "community.db")); err == nil {
				bigCommunity, err = catalogsqlite.New(context.Background(), db)
			}
		}
		if err != nil {
			bigCommunityErr = err
			return
		}
		start := time.Now()
		for batch := range slices.Chunk(generateCommunity(communityRepositories), 10_000) {
			if bigCommunityErr = bigCommunity.ImportRepositories(context.Background(), batch); bigCommunityErr != nil {
				return
			}
		}
		b.Logf("imported %d repositories in %s", communityRepositories, time.Since(start).Round(time.Millisecond))
	})
	if bigCommunityErr != nil {
		b.Fatal(bigCommunityErr)
	}
	return bigCommunity
}

// BenchmarkCommunitySearch100k is search-as-you-type over 100,000
// community repositories, as an anonymous visitor and as a member of a
// few namespaces (whose private repositories are candidates too):
// prefixes as typed, words, two words, typos and a namespace.
func BenchmarkCommunitySearch100k(b *testing.B) {
	s := communityOf100k(b)
	queries := []string{"pos", "postg", "postgres", "postgres backup", "postgers", "redis cache", "rediss", "nginx",
		"kafka connector", "kafak", "globex12", "grafana exporter", "nightly", "prometheus operator", "elastc", "vault agent"}
	member := []string{"globex1", "acme3", "initech7"}
	ctx := context.Background()
	latencies(b, func(i int) error {
		var ns []string
		if i%2 == 1 {
			ns = member
		}
		_, err := s.SearchRepositories(ctx, queries[i%len(queries)], ns, 10)
		return err
	})
}

// BenchmarkCommunityExplore100k is Explore's Community tab over 100,000
// repositories: every sort, first pages and page 5, anonymous and as a
// member of a few namespaces.
func BenchmarkCommunityExplore100k(b *testing.B) {
	s := communityOf100k(b)
	var queries []catalog.CommunityQuery
	for _, sort := range []string{catalog.SortPopular, catalog.SortNewest, catalog.SortUpdated, catalog.SortName} {
		for _, ns := range [][]string{nil, {"globex1", "acme3", "initech7"}} {
			queries = append(queries,
				catalog.CommunityQuery{Sort: sort, Namespaces: ns, Limit: 24},
				catalog.CommunityQuery{Sort: sort, Namespaces: ns, Limit: 24, Offset: 96})
		}
	}
	ctx := context.Background()
	latencies(b, func(i int) error {
		_, err := s.ExploreRepositories(ctx, queries[i%len(queries)])
		return err
	})
}
