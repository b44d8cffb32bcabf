package demo

import (
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publisher"
)

// Publishers returns the demo publishers. IDs and creation times are left
// for the store to keep; a product's Publisher field holds a publisher slug.
func Publishers() []publisher.Publisher {
	return []publisher.Publisher{
		{Slug: "acme", Name: "Acme Data", Verified: true, Namespaces: []string{"acme"}},
		{Slug: "netscaler", Name: "NetScaler", Verified: true, Namespaces: []string{"netscaler"}},
		{Slug: "northwind", Name: "Northwind Storage", Verified: true, Namespaces: []string{"northwind"}},
		{Slug: "berthlabs", Name: "Berth Labs", Verified: true, Namespaces: []string{"berthlabs"}},
	}
}

// tier returns a tier priced in US cents.
func tier(id, name string, cents int64, description string, repos ...string) catalog.Tier {
	return catalog.Tier{ID: id, Name: name, Description: description, Price: cents, Currency: "usd", Repositories: repos}
}

// Billing terms of demo tiers: paid tiers are monthly subscriptions unless
// marked one-time.
func oneTime(t catalog.Tier) catalog.Tier { t.Interval = "-"; return t }

func trial(t catalog.Tier, days int) catalog.Tier { t.TrialDays = days; return t }

// Entitlement terms of demo tiers.
func seats(t catalog.Tier, n int) catalog.Tier { t.Seats = n; return t }

func perpetual(t catalog.Tier) catalog.Tier { t.Perpetual = true; return t }

func quota(t catalog.Tier, pulls int, period string) catalog.Tier {
	t.PullQuota, t.QuotaPeriod = pulls, period
	return t
}

func tags(t catalog.Tier, versions, pattern string) catalog.Tier {
	t.Versions, t.TagPattern = versions, pattern
	return t
}

// withTerms gives every tier of p the publisher's license agreement,
// version 1, and makes paid tiers monthly unless marked one-time.
func withTerms(ps []catalog.Product) []catalog.Product {
	for i := range ps {
		for j := range ps[i].Tiers {
			t := &ps[i].Tiers[j]
			t.Terms, t.TermsVersion = eula(ps[i].Name, ps[i].Publisher), 1
			switch {
			case t.Interval == "-":
				t.Interval = ""
			case t.Price > 0:
				t.Interval = "month"
			}
		}
	}
	return ps
}

// eula is a demo end-user license agreement.
func eula(product, publisher string) string {
	return "# " + product + " end-user license agreement\n\n" +
		"1. " + publisher + " grants the license holder a non-exclusive right to pull and run the images of the repositories this tier names, " +
		"on as many machines as the tier allows, for as long as the license is active.\n" +
		"2. The images may not be redistributed outside the holder's organisation.\n" +
		"3. The software is provided as is, without warranty of any kind.\n"
}

// Products returns the demo products: official and certified images and
// plugins, some with a free tier beside paid ones and some paid only. A
// tier's price, period and seats are its fields (the pages show them as
// catalog.Tier.PriceLabel); its description says what it adds.
func Products() []catalog.Product {
	return withTerms([]catalog.Product{
		{Slug: "acme-db", Name: "Acme DB", Publisher: "acme", Kind: catalog.KindImage, Badge: catalog.BadgeOfficial,
			Summary:     "Distributed SQL database with automatic sharding, strong consistency and point-in-time recovery.",
			Description: acmeDBListing, Categories: []string{"Databases", "Storage"},
			Repositories: []string{"acme/db", "acme/db-backup"},
			Tiers: []catalog.Tier{
				tier("developer", "Developer", 0, "Free for development and CI. Single node, community support.", "acme/db"),
				perpetual(tier("standard", "Standard", 4900, "Production clusters, business-hours support. Perpetual fallback: the versions released while you subscribe stay yours.", "acme/db")),
				seats(tier("enterprise", "Enterprise", 29900, "Adds the continuous backup agent and 24/7 support. Up to 25 seats for your organisation.", "acme/db", "acme/db-backup"), 25),
			}},
		{Slug: "acme-stream", Name: "Acme Stream", Publisher: "acme", Kind: catalog.KindImage, Badge: catalog.BadgeCertified,
			Summary:     "Kafka-compatible event streaming in a single binary, without ZooKeeper or a JVM.",
			Description: acmeStreamListing, Categories: []string{"Messaging", "Analytics"},
			Repositories: []string{"acme/stream", "acme/stream-connect"},
			Tiers: []catalog.Tier{
				trial(tier("standard", "Standard", 19900, "Up to 3 brokers, tiered storage to S3.", "acme/stream"), 14),
				tier("enterprise", "Enterprise", 59900, "Unlimited brokers and the Connect runtime with 40 connectors.", "acme/stream", "acme/stream-connect"),
			}},
		{Slug: "acme-cache", Name: "Acme Cache", Publisher: "acme", Kind: catalog.KindImage, Badge: catalog.BadgeOfficial,
			Summary:     "Redis-protocol in-memory cache for amd64 and arm64, with persistence and replication.",
			Description: acmeCacheListing, Categories: []string{"Databases", "Caching"},
			Repositories: []string{"acme/cache"},
			Tiers: []catalog.Tier{
				tier("express", "Community", 0, "Free under the BSD licence.", "acme/cache"),
			}},
		{Slug: "netscaler-cpx", Name: "NetScaler CPX", Publisher: "netscaler", Kind: catalog.KindImage, Badge: catalog.BadgeCertified,
			Summary:     "The NetScaler application delivery controller as a container: L4–L7 load balancing, TLS offload and ingress for microservices.",
			Description: cpxListing, Categories: []string{"Networking", "Security"},
			Repositories: []string{"netscaler/cpx", "netscaler/cpx-enterprise-tools"},
			Tiers: []catalog.Tier{
				quota(tier("express", "Express", 0, "Free. Up to 20 Mbps and 250 SSL connections per instance, for development and small production. 100 pulls a day.", "netscaler/cpx"), 100, "day"),
				tags(tier("standard", "Standard", 9900, "1 Gbps throughput, unlimited SSL connections, support included. Release 14.1 builds.", "netscaler/cpx"), "", "14.1-*"),
				tier("enterprise", "Enterprise", 49900, "Adds web application firewall policies and the enterprise diagnostics tools.", "netscaler/cpx", "netscaler/cpx-enterprise-tools"),
			}},
		{Slug: "netscaler-adm-agent", Name: "NetScaler ADM Agent", Publisher: "netscaler", Kind: catalog.KindImage, Badge: catalog.BadgeCertified,
			Summary:     "On-premises agent connecting NetScaler instances to NetScaler Console for analytics and fleet management.",
			Description: admAgentListing, Categories: []string{"Networking", "Monitoring"},
			Repositories: []string{"netscaler/adm-agent"},
			Tiers: []catalog.Tier{
				oneTime(tier("standard", "Standard", 49900, "A perpetual license for one agent managing up to 50 NetScaler instances.", "netscaler/adm-agent")),
			}},
		{Slug: "northwind-nfs", Name: "Northwind NFS Volume Driver", Publisher: "northwind", Kind: catalog.KindPlugin, Badge: catalog.BadgeCertified,
			Summary:     "Docker volume plugin that provisions and mounts NFSv3 and NFSv4 exports, with scheduled snapshots.",
			Description: nfsListing, Categories: []string{"Storage", "Volume plugins"},
			Repositories: []string{"northwind/nfs-volume", "northwind/snapshot-agent"},
			Tiers: []catalog.Tier{
				tier("standard", "Standard", 2900, "The NFS volume driver for one host, with email support.", "northwind/nfs-volume"),
				tier("enterprise", "Enterprise", 9900, "Adds the snapshot agent and replication between sites.", "northwind/nfs-volume", "northwind/snapshot-agent"),
			}},
		{Slug: "northwind-s3-volume", Name: "Northwind S3 Volume", Publisher: "northwind", Kind: catalog.KindPlugin, Badge: catalog.BadgeNone,
			Summary:     "Mount an S3 or S3-compatible bucket as a Docker volume.",
			Description: s3VolumeListing, Categories: []string{"Storage", "Volume plugins"},
			Repositories: []string{"northwind/s3-volume"},
			Tiers: []catalog.Tier{
				tier("express", "Express", 0, "Free. Community support on GitHub.", "northwind/s3-volume"),
				tags(tier("standard", "Standard", 1500, "Local read cache and email support. Stable 1.x releases.", "northwind/s3-volume"), ">=1.0.0 <2.0.0", ""),
			}},
		{Slug: "edge", Name: "Edge", Publisher: "berthlabs", Kind: catalog.KindImage, Badge: catalog.BadgeOfficial,
			Summary:     "Fast HTTP reverse proxy and static file server, multi-architecture.",
			Description: edgeListing, Categories: []string{"Web servers", "Networking"},
			Repositories: []string{"berthlabs/edge"},
			Tiers: []catalog.Tier{
				tier("express", "Express", 0, "Free under the Apache 2.0 licence.", "berthlabs/edge"),
			}},
		{Slug: "log-shipper", Name: "Log Shipper", Publisher: "berthlabs", Kind: catalog.KindPlugin, Badge: catalog.BadgeOfficial,
			Summary:     "Docker logging plugin that ships container logs to Loki, Elasticsearch or S3 with buffering and retries.",
			Description: shipperListing, Categories: []string{"Logging", "Monitoring"},
			Repositories: []string{"berthlabs/log-shipper", "berthlabs/log-shipper-fips"},
			Tiers: []catalog.Tier{
				tier("express", "Express", 0, "Free. All outputs, community support.", "berthlabs/log-shipper"),
				seats(tier("pro", "Pro", 1900, "Adds the FIPS 140-3 build and priority support. Up to 10 seats.", "berthlabs/log-shipper", "berthlabs/log-shipper-fips"), 10),
			}},
	})
}
