package demo

// recipe says how the images of one demo repository are built: what a
// Dockerfile for it would install, copy and declare.
type recipe struct {
	repo        string
	title       string
	description string
	vendor      string
	source      string
	licenses    string
	versions    []string // oldest first; "latest" also tags the newest
	distro      distro
	platforms   []string // "os/arch[/variant]"; none means linux/amd64
	packages    []string
	binary      string // absolute path of the main executable
	binaryKiB   int
	config      string // absolute path of the configuration file; "" for none
	configBody  string
	user        string // system user owning home; "" runs as root
	home        string
	env         []string
	ports       []string
	entrypoint  []string
	cmd         []string
	plugin      *pluginSpec // set: a Docker Engine managed plugin, not an image
}

// tags lists the recipe's tags: every version, then "latest".
func (r recipe) tags() []string { return append(append([]string(nil), r.versions...), "latest") }

// recipes returns the image recipe of every demo repository.
func recipes() []recipe {
	return []recipe{
		{repo: "acme/db", title: "Acme DB", description: "Distributed SQL database", vendor: "Acme Data",
			source: "https://github.com/acme-data/acme-db", licenses: "LicenseRef-Acme-Commercial",
			versions: []string{"23.2.4", "24.1.0"}, distro: debian,
			packages: []string{"ca-certificates", "libssl3", "tzdata"},
			binary:   "/usr/local/bin/acme-db", binaryKiB: 176,
			config: "/etc/acme-db/acme-db.toml", configBody: acmeDBConfig,
			user: "acme", home: "/var/lib/acme-db", env: []string{"ACME_DB_DATA=/var/lib/acme-db", "ACME_DB_LOG=info"},
			ports: []string{"26257/tcp", "8080/tcp"}, entrypoint: []string{"acme-db"}, cmd: []string{"start-single-node"}},
		{repo: "acme/db-backup", title: "Acme DB Backup Agent", description: "Continuous backup and point-in-time recovery for Acme DB",
			vendor: "Acme Data", source: "https://github.com/acme-data/acme-db", licenses: "LicenseRef-Acme-Commercial",
			versions: []string{"24.1.0"}, distro: alpine, packages: []string{"ca-certificates", "zstd-libs"},
			binary: "/usr/local/bin/acme-backup", binaryKiB: 96, user: "acme", home: "/var/lib/acme-backup",
			env: []string{"ACME_BACKUP_SCHEDULE=@hourly"}, entrypoint: []string{"acme-backup"}, cmd: []string{"run"}},
		{repo: "acme/stream", title: "Acme Stream", description: "Kafka-compatible event streaming", vendor: "Acme Data",
			source: "https://github.com/acme-data/stream", licenses: "LicenseRef-Acme-Commercial",
			versions: []string{"3.6.1", "3.7.0"}, distro: debian, packages: []string{"ca-certificates", "libzstd1"},
			binary: "/opt/acme-stream/bin/acme-stream", binaryKiB: 208,
			config: "/etc/acme-stream/server.properties", configBody: acmeStreamConfig,
			user: "stream", home: "/var/lib/acme-stream", env: []string{"PATH=/opt/acme-stream/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			ports: []string{"9092/tcp", "9644/tcp"}, entrypoint: []string{"acme-stream"}, cmd: []string{"start", "--config", "/etc/acme-stream/server.properties"}},
		{repo: "acme/stream-connect", title: "Acme Stream Connect", description: "Source and sink connectors for Acme Stream",
			vendor: "Acme Data", source: "https://github.com/acme-data/stream", licenses: "LicenseRef-Acme-Commercial",
			versions: []string{"3.7.0"}, distro: alpine, packages: []string{"ca-certificates", "libpq"},
			binary: "/usr/local/bin/stream-connect", binaryKiB: 128, ports: []string{"8083/tcp"},
			entrypoint: []string{"stream-connect"}, cmd: []string{"--workers", "4"}},
		{repo: "acme/cache", title: "Acme Cache", description: "In-memory key-value cache", vendor: "Acme Data",
			source: "https://github.com/acme-data/cache", licenses: "BSD-3-Clause",
			versions: []string{"7.2.4", "7.4.0"}, distro: alpine, platforms: []string{"linux/amd64", "linux/arm64/v8"},
			packages: []string{"tzdata", "tini"}, binary: "/usr/local/bin/acme-cache", binaryKiB: 112,
			config: "/etc/acme-cache/acme-cache.conf", configBody: acmeCacheConfig, user: "cache", home: "/data",
			ports: []string{"6379/tcp"}, entrypoint: []string{"/sbin/tini", "--", "acme-cache"}, cmd: []string{"/etc/acme-cache/acme-cache.conf"}},
		{repo: "netscaler/cpx", title: "NetScaler CPX", description: "Containerized NetScaler ADC", vendor: "Cloud Software Group",
			source: "https://www.netscaler.com/platform/cpx", licenses: "LicenseRef-NetScaler-EULA",
			versions: []string{"13.1-52.19", "14.1-25.56"}, distro: debian,
			packages: []string{"ca-certificates", "iproute2", "iptables"},
			binary:   "/var/netscaler/bins/nsppe", binaryKiB: 240,
			config: "/etc/cpx.conf", configBody: cpxConfig, env: []string{"EULA=no", "CPX_CORES=1"},
			ports:      []string{"22/tcp", "80/tcp", "161/udp", "443/tcp", "9080/tcp", "9443/tcp"},
			entrypoint: []string{"/var/netscaler/bins/docker_startup.sh"}},
		{repo: "netscaler/cpx-enterprise-tools", title: "NetScaler CPX Enterprise Tools", description: "Diagnostics and config migration for NetScaler CPX",
			vendor: "Cloud Software Group", source: "https://www.netscaler.com/platform/cpx", licenses: "LicenseRef-NetScaler-EULA",
			versions: []string{"14.1-25.56"}, distro: alpine, packages: []string{"ca-certificates", "curl"},
			binary: "/usr/local/bin/nsdiag", binaryKiB: 88, entrypoint: []string{"nsdiag"}, cmd: []string{"--help"}},
		{repo: "netscaler/adm-agent", title: "NetScaler ADM Agent", description: "On-premises agent for NetScaler Console",
			vendor: "Cloud Software Group", source: "https://www.netscaler.com/platform/console", licenses: "LicenseRef-NetScaler-EULA",
			versions: []string{"14.1-21.15", "14.1-25.56"}, distro: debian, packages: []string{"ca-certificates", "libssl3"},
			binary: "/opt/adm/bin/adm-agent", binaryKiB: 144, config: "/etc/adm/agent.conf", configBody: admAgentConfig,
			user: "adm", home: "/var/lib/adm", ports: []string{"443/tcp", "5557/tcp"}, entrypoint: []string{"/opt/adm/bin/adm-agent"}},
		{repo: "northwind/nfs-volume", title: "Northwind NFS Volume Driver", description: "Docker volume plugin for NFSv3 and NFSv4 exports",
			vendor: "Northwind Storage", source: "https://github.com/northwind-storage/nfs-volume", licenses: "LicenseRef-Northwind-Commercial",
			versions: []string{"2.3.0", "2.4.1"}, distro: alpine, packages: []string{"nfs-utils", "ca-certificates"},
			binary: "/usr/bin/nfs-volume-plugin", binaryKiB: 120, env: []string{"NFS_SERVER=", "NFS_EXPORT=", "NFS_MOUNT_ROOT=/mnt/volumes"},
			entrypoint: []string{"/usr/bin/nfs-volume-plugin"}, cmd: []string{"--socket", "/run/docker/plugins/nfs.sock"},
			plugin: &pluginSpec{socket: "nfs.sock", types: []string{"docker.volumedriver/1.0"}, network: "host",
				capabilities: []string{"CAP_SYS_ADMIN"}, propagatedMount: "/mnt/volumes"}},
		{repo: "northwind/snapshot-agent", title: "Northwind Snapshot Agent", description: "Scheduled snapshots of Northwind volumes, served back as read-only volumes",
			vendor: "Northwind Storage", source: "https://github.com/northwind-storage/nfs-volume", licenses: "LicenseRef-Northwind-Commercial",
			versions: []string{"2.4.1"}, distro: alpine, packages: []string{"ca-certificates"},
			binary: "/usr/bin/snapshot-agent", binaryKiB: 72, user: "snapshot", home: "/var/lib/snapshots",
			env: []string{"SNAPSHOT_SCHEDULE=@daily", "SNAPSHOT_KEEP=7"}, entrypoint: []string{"/usr/bin/snapshot-agent"},
			plugin: &pluginSpec{socket: "snapshot.sock", types: []string{"docker.volumedriver/1.0"}, network: "host",
				capabilities: []string{"CAP_SYS_ADMIN"}, propagatedMount: "/mnt/snapshots",
				mounts: []pluginMount{{source: "/var/lib/docker/volumes", destination: "/var/lib/docker/volumes", description: "the local volumes it snapshots", readOnly: true}}}},
		{repo: "northwind/s3-volume", title: "Northwind S3 Volume", description: "Docker volume plugin mounting S3 buckets",
			vendor: "Northwind Storage", source: "https://github.com/northwind-storage/s3-volume", licenses: "Apache-2.0",
			versions: []string{"0.9.0", "1.0.0"}, distro: alpine, packages: []string{"fuse3", "ca-certificates"},
			binary: "/usr/bin/s3-volume-plugin", binaryKiB: 104,
			env:        []string{"S3_ENDPOINT=https://s3.amazonaws.com", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="},
			entrypoint: []string{"/usr/bin/s3-volume-plugin"},
			plugin: &pluginSpec{socket: "s3.sock", types: []string{"docker.volumedriver/1.0"}, network: "host",
				capabilities: []string{"CAP_SYS_ADMIN"}, devices: []string{"/dev/fuse"}, propagatedMount: "/mnt/volumes"}},
		{repo: "berthlabs/edge", title: "Edge", description: "HTTP reverse proxy and static file server", vendor: "Berth Labs",
			source: "https://github.com/berthlabs/edge", licenses: "Apache-2.0",
			versions: []string{"1.25.4", "1.26.0"}, distro: alpine, platforms: []string{"linux/amd64", "linux/arm64/v8", "linux/arm/v7"},
			packages: []string{"ca-certificates", "pcre2"}, binary: "/usr/sbin/edge", binaryKiB: 152,
			config: "/etc/edge/edge.conf", configBody: edgeConfig, user: "edge", home: "/var/cache/edge",
			ports: []string{"80/tcp", "443/tcp"}, entrypoint: []string{"/usr/sbin/edge"}, cmd: []string{"-g", "daemon off;"}},
		{repo: "berthlabs/log-shipper", title: "Log Shipper", description: "Docker logging plugin forwarding to Loki, Elasticsearch and S3",
			vendor: "Berth Labs", source: "https://github.com/berthlabs/log-shipper", licenses: "Apache-2.0",
			versions: []string{"1.8.0", "1.9.2"}, distro: alpine, packages: []string{"ca-certificates", "tzdata"},
			binary: "/usr/bin/log-shipper", binaryKiB: 112, config: "/etc/log-shipper/shipper.yml", configBody: shipperConfig,
			env: []string{"LOG_LEVEL=info"}, entrypoint: []string{"/usr/bin/log-shipper"}, cmd: []string{"--socket", "/run/docker/plugins/log-shipper.sock"},
			plugin: &pluginSpec{socket: "log-shipper.sock", types: []string{"docker.logdriver/1.0"}, network: "host"}},
		{repo: "berthlabs/log-shipper-fips", title: "Log Shipper FIPS", description: "Log Shipper built against a FIPS 140-3 validated OpenSSL",
			vendor: "Berth Labs", source: "https://github.com/berthlabs/log-shipper", licenses: "Apache-2.0",
			versions: []string{"1.9.2"}, distro: debian, packages: []string{"ca-certificates", "libssl3"},
			binary: "/usr/bin/log-shipper", binaryKiB: 120, env: []string{"OPENSSL_FIPS=1", "LOG_LEVEL=info"},
			entrypoint: []string{"/usr/bin/log-shipper"}, cmd: []string{"--socket", "/run/docker/plugins/log-shipper.sock"},
			plugin: &pluginSpec{socket: "log-shipper.sock", types: []string{"docker.logdriver/1.0"}, network: "host"}},
	}
}

// Configuration files copied into the images.
const (
	acmeDBConfig = `[server]
listen = "0.0.0.0:26257"
http_listen = "0.0.0.0:8080"
data_dir = "/var/lib/acme-db"

[cache]
size = "25%"

[replication]
factor = 3
`
	acmeStreamConfig = `broker.id=0
listeners=PLAINTEXT://0.0.0.0:9092
log.dirs=/var/lib/acme-stream/data
num.partitions=3
log.retention.hours=168
`
	acmeCacheConfig = `bind 0.0.0.0
port 6379
dir /data
maxmemory-policy allkeys-lru
appendonly yes
`
	cpxConfig = `# Applied by docker_startup.sh before the packet engine starts.
set ns param -timezone "GMT+00:00-UTC"
add ns ip 172.17.0.2 255.255.0.0 -type SNIP
set ssl parameter -defaultProfile ENABLED
`
	admAgentConfig = `console_url = "https://adm.cloud.com"
register_on_start = true
metrics_interval = "60s"
`
	edgeConfig = `worker_processes auto;
events { worker_connections 1024; }
http {
    server {
        listen 80;
        location / { root /usr/share/edge/html; }
    }
}
`
	shipperConfig = `outputs:
  - type: loki
    url: http://loki:3100/loki/api/v1/push
buffer:
  max_size: 64MiB
`
)
