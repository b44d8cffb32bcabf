package demo

// The long descriptions of the demo products, in Markdown. Code blocks use
// ~~~ fences so they fit in Go raw strings; pull lines name the registry
// address of the default setup.
const (
	acmeDBListing = `Acme DB is a distributed SQL database for applications that cannot lose a write. Data is split into ranges that replicate with Raft across nodes, racks or regions, and the cluster rebalances itself when you add or lose a node. It speaks the PostgreSQL wire protocol, so existing drivers, ORMs and tools work unchanged.

## Getting started

Start a single node for development:

~~~sh
docker run -d --name acme-db -p 26257:26257 -p 8080:8080 \
  -v acme-data:/var/lib/acme-db localhost:5000/acme/db:24.1.0
~~~

Then connect with any PostgreSQL client on port 26257, and open the console on port 8080 to watch ranges, replication and slow queries.

## What is in each tier

The **Developer** tier is free and has everything a single node needs. **Standard** licenses production clusters of any size with business-hours support. **Enterprise** adds the *acme/db-backup* agent: continuous, incremental backups to S3, GCS or Azure Blob and restore to any second in the retention window.

## Versions

Tags follow the release version (24.1.0); *latest* follows the newest release. Images run as the unprivileged *acme* user and keep data under /var/lib/acme-db.`

	acmeStreamListing = `Acme Stream is an event streaming platform that speaks the Kafka protocol. Your producers, consumers and Kafka Streams applications connect to it without code changes, but there is no ZooKeeper, no JVM and no page-cache tuning: one binary per broker, with Raft for metadata.

## Why teams switch

- **Lower latency.** A thread-per-core engine keeps p99 produce latency in single-digit milliseconds under load.
- **Tiered storage.** Old segments move to S3-compatible storage automatically, so retention is a cost decision rather than a disk one.
- **Simple operations.** Rolling upgrades, partition rebalancing and rack awareness are built in.

## Running it

~~~sh
docker run -d --name stream -p 9092:9092 localhost:5000/acme/stream:3.7.0
~~~

The Enterprise tier includes **Acme Stream Connect** (*acme/stream-connect*), a Connect-compatible runtime with 40 maintained source and sink connectors for PostgreSQL, MySQL, S3, Snowflake and more.`

	acmeCacheListing = `Acme Cache is an in-memory data store compatible with the Redis protocol: strings, hashes, lists, sets, sorted sets and streams, with pub/sub and Lua scripting. Use it as a cache in front of a database, a session store, a rate limiter or a lightweight queue.

## Multi-architecture

Every tag is a manifest list for **linux/amd64** and **linux/arm64**, so the same reference runs on x86 servers, Graviton and Ampere instances and Apple-silicon laptops.

~~~sh
docker run -d --name cache -p 6379:6379 -v cache-data:/data localhost:5000/acme/cache:7.4.0
~~~

## Persistence

The image ships with append-only persistence enabled and data under /data. Mount a volume there to keep data across restarts, or override the configuration file at /etc/acme-cache/acme-cache.conf.

Acme Cache is free software under the BSD 3-Clause licence.`

	cpxListing = `NetScaler CPX is the NetScaler application delivery controller packaged as a container. It brings the same L4–L7 traffic management, TLS offload, content switching and rewrite policies as the hardware and VPX appliances to Docker and Kubernetes, and it can serve as the data plane of the NetScaler ingress controller.

## Express: free to start

The **Express** tier is free for development and small production workloads, limited to 20 Mbps and 250 concurrent SSL connections per instance. Accept the EULA through the environment when you run it:

~~~sh
docker run -dt --privileged -e EULA=yes -p 9080:80 -p 9443:443 \
  --ulimit core=-1 localhost:5000/netscaler/cpx:14.1-25.56
~~~

## Standard and Enterprise

**Standard** lifts the bandwidth and connection limits to 1 Gbps per instance and includes support. **Enterprise** adds web application firewall and bot management policies, and the *netscaler/cpx-enterprise-tools* image with diagnostics, packet capture and configuration migration from VPX and MPX appliances.

## Integrations

CPX exports metrics in Prometheus format, ships logs to any syslog endpoint, and is managed centrally by NetScaler Console through the ADM agent.`

	admAgentListing = `The NetScaler ADM agent connects the NetScaler instances in your data center or cluster to NetScaler Console. It collects configuration, metrics, syslog and AppFlow records locally, and sends only what Console needs over an outbound TLS connection — no inbound firewall rules required.

## What you get

- Fleet inventory, configuration audit and jobs across MPX, VPX, CPX and BLX instances.
- Application dashboards with latency, throughput and error analytics per virtual server.
- SSL certificate expiry tracking and automated renewal.

## Running the agent

~~~sh
docker run -d --name adm-agent -p 443:443 -p 5557:5557 \
  -e ADM_REGISTRATION_TOKEN=... localhost:5000/netscaler/adm-agent:14.1-25.56
~~~

One agent manages up to 50 instances; run several for larger fleets or for high availability.`

	nfsListing = `The Northwind NFS Volume Driver is a Docker managed plugin that turns NFS exports into Docker volumes. Create a volume and the driver provisions a directory on the export, mounts it on whichever host the container lands on, and unmounts it when the last container stops.

## Usage

~~~sh
docker plugin install localhost:5000/northwind/nfs-volume:2.4.1 \
  NFS_SERVER=filer.example.com NFS_EXPORT=/exports/docker
docker volume create -d northwind/nfs-volume:2.4.1 -o size=20GiB pgdata
~~~

NFSv3 and NFSv4.1 are supported, with Kerberos (krb5, krb5i, krb5p) and per-volume quotas on filers that offer them.

## Enterprise

The Enterprise tier adds the *northwind/snapshot-agent* plugin: schedule crash-consistent snapshots per volume, keep them by policy, and replicate them to a second site for disaster recovery.`

	s3VolumeListing = `Northwind S3 Volume mounts an S3 bucket, or a prefix inside one, as a Docker volume through FUSE. It works with AWS S3, MinIO, Ceph RGW, Cloudflare R2 and any other S3-compatible store.

## Usage

~~~sh
docker plugin install localhost:5000/northwind/s3-volume:1.0.0 \
  S3_ENDPOINT=https://s3.eu-west-1.amazonaws.com
docker volume create -d northwind/s3-volume:1.0.0 -o bucket=media-assets assets
~~~

It suits read-mostly data such as media, models and build artifacts; it is not a database volume. The **Standard** tier adds a local read cache that makes repeated reads as fast as local disk.`

	edgeListing = `Edge is a small, fast HTTP server and reverse proxy maintained by Berth Labs as an official image. It terminates TLS, serves static files, load balances upstreams with health checks, and reloads its configuration without dropping connections.

## Quick start

Serve a directory:

~~~sh
docker run -d -p 8080:80 -v "$PWD/site:/usr/share/edge/html:ro" localhost:5000/berthlabs/edge:1.26.0
~~~

Or proxy to an application by mounting your own /etc/edge/edge.conf.

## Images

Every tag is multi-architecture (**linux/amd64** and **linux/arm64**) and built on Alpine. The server runs as the unprivileged *edge* user; its cache lives in /var/cache/edge.`

	shipperListing = `Log Shipper is a Docker logging plugin: set it as a container's log driver and every line goes to Loki, Elasticsearch, OpenSearch or S3, with labels from the container's name, image and compose project. A disk buffer absorbs outages of the destination and retries with backoff, so logs survive restarts.

## Usage

~~~sh
docker plugin install localhost:5000/berthlabs/log-shipper:1.9.2 --alias log-shipper
docker run --log-driver log-shipper --log-opt url=http://loki:3100 nginx
~~~

Because it keeps a local copy, *docker logs* still works with the plugin in place.

## Pro

The **Pro** tier adds the *berthlabs/log-shipper-fips* build, linked against a FIPS 140-3 validated OpenSSL module for regulated environments, and priority support.`
)
