package demo

import (
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
)

// distro is the base image a recipe builds FROM.
type distro string

// The two demo base images.
const (
	alpine distro = "alpine"
	debian distro = "debian"
)

// triple returns the machine name of a Go architecture in library paths
// (musl's for 32-bit arm, the one demo platform only Alpine builds).
func triple(arch string) string {
	switch arch {
	case "arm64":
		return "aarch64"
	case "arm":
		return "armhf"
	}
	return "x86_64"
}

// baseUsers and baseGroups are /etc/passwd and /etc/group of both bases.
var (
	baseUsers  = []string{"root:x:0:0:root:/root:/bin/sh", "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin", "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"}
	baseGroups = []string{"root:x:0:", "daemon:x:1:", "nogroup:x:65534:"}
)

// baseFiles returns the root filesystem the base image's ADD step unpacks.
func baseFiles(d distro, arch string, r *rand.ChaCha8) []file {
	common := []file{
		regular("/etc/passwd", 0o644, text(baseUsers...)),
		regular("/etc/group", 0o644, text(baseGroups...)),
		dir("/tmp", 0), dir("/root", 0),
	}
	if d == alpine {
		ld := "/lib/ld-musl-" + triple(arch) + ".so.1"
		return append(common,
			regular("/etc/alpine-release", 0o644, text("3.19.1")),
			regular("/etc/os-release", 0o644, text(`NAME="Alpine Linux"`, "ID=alpine", "VERSION_ID=3.19.1", `PRETTY_NAME="Alpine Linux v3.19"`)),
			regular("/etc/apk/repositories", 0o644, text("https://dl-cdn.alpinelinux.org/alpine/v3.19/main", "https://dl-cdn.alpinelinux.org/alpine/v3.19/community")),
			regular("/bin/busybox", 0o755, binary(r, 112<<10)),
			symlink("/bin/sh", "/bin/busybox"),
			regular(ld, 0o755, binary(r, 40<<10)),
			symlink("/lib/libc.musl-"+triple(arch)+".so.1", path.Base(ld)),
			regular("/lib/apk/db/installed", 0o644, apkInstalled(arch, []string{"alpine-baselayout", "busybox", "musl"})),
		)
	}
	return append(common,
		symlink("/bin", "usr/bin"), symlink("/lib", "usr/lib"),
		regular("/etc/debian_version", 0o644, text("12.5")),
		regular("/etc/os-release", 0o644, text(`PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"`, "ID=debian", `VERSION_ID="12"`, "VERSION_CODENAME=bookworm")),
		regular("/usr/bin/bash", 0o755, binary(r, 128<<10)),
		regular("/usr/lib/"+triple(arch)+"-linux-gnu/libc.so.6", 0o755, binary(r, 56<<10)),
		regular("/var/lib/dpkg/status", 0o644, dpkgStatus([]string{"base-files", "bash", "libc6"})),
	)
}

// baseCreated returns the history command of the base image's ADD step;
// like docker's it names the uncompressed digest of what it added.
func baseCreated(diffID string) string {
	return fmt.Sprintf("/bin/sh -c #(nop) ADD file:%s in / ", diffID)
}

// baseCmd returns the history command of the base image's CMD.
func baseCmd(d distro) string {
	if d == alpine {
		return `/bin/sh -c #(nop)  CMD ["/bin/sh"]`
	}
	return `/bin/sh -c #(nop)  CMD ["bash"]`
}

// installCommand returns the RUN line installing packages.
func installCommand(d distro, pkgs []string) string {
	if d == alpine {
		return "RUN /bin/sh -c apk add --no-cache " + strings.Join(pkgs, " ") + " # buildkit"
	}
	return "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends " +
		strings.Join(pkgs, " ") + " && rm -rf /var/lib/apt/lists/* # buildkit"
}

// packageFiles returns what installing pkgs adds to the filesystem.
func packageFiles(d distro, arch string, pkgs []string, r *rand.ChaCha8) []file {
	var fs []file
	for _, p := range pkgs {
		switch p {
		case "ca-certificates":
			fs = append(fs, regular("/etc/ssl/certs/ca-certificates.crt", 0o644, pemBundle(r, 24)))
		case "tzdata":
			fs = append(fs,
				regular("/usr/share/zoneinfo/UTC", 0o644, binary(r, 114)),
				regular("/usr/share/zoneinfo/Europe/Berlin", 0o644, binary(r, 2298)))
		default:
			fs = append(fs, regular(packagePath(d, arch, p), 0o755, binary(r, 24<<10)))
		}
	}
	if d == alpine {
		return append(fs, regular("/lib/apk/db/installed", 0o644, apkInstalled(arch, append([]string{"alpine-baselayout", "busybox", "musl"}, pkgs...))))
	}
	return append(fs, regular("/var/lib/dpkg/status", 0o644, dpkgStatus(append([]string{"base-files", "bash", "libc6"}, pkgs...))))
}

// packagePath returns the main file a package installs.
func packagePath(d distro, arch, pkg string) string {
	lib := "/usr/lib/"
	if d == debian {
		lib += triple(arch) + "-linux-gnu/"
	}
	known := map[string]string{
		"curl": "/usr/bin/curl", "iproute2": "/usr/sbin/ip", "iptables": "/usr/sbin/iptables-legacy",
		"nfs-utils": "/sbin/mount.nfs", "fuse3": "/usr/bin/fusermount3", "tini": "/sbin/tini",
		"libssl3": lib + "libssl.so.3", "libzstd1": lib + "libzstd.so.1", "zstd-libs": lib + "libzstd.so.1",
		"pcre2": lib + "libpcre2-8.so.0", "libpq": lib + "libpq.so.5",
	}
	if p, ok := known[pkg]; ok {
		return p
	}
	return lib + "lib" + pkg + ".so"
}

// apkInstalled renders an abridged apk database.
func apkInstalled(arch string, pkgs []string) []byte {
	var lines []string
	for _, p := range pkgs {
		lines = append(lines, "P:"+p, "V:3.19.1-r0", "A:"+triple(arch), "")
	}
	return text(lines...)
}

// dpkgStatus renders an abridged dpkg status file.
func dpkgStatus(pkgs []string) []byte {
	var lines []string
	for _, p := range pkgs {
		lines = append(lines, "Package: "+p, "Status: install ok installed", "Priority: optional", "")
	}
	return text(lines...)
}

// userCommand returns the RUN line creating a system user that owns home.
func userCommand(d distro, user, home string) string {
	if d == alpine {
		return fmt.Sprintf("RUN /bin/sh -c addgroup -S %[1]s && adduser -S -D -H -G %[1]s %[1]s && mkdir -p %[2]s && chown %[1]s:%[1]s %[2]s # buildkit", user, home)
	}
	return fmt.Sprintf("RUN /bin/sh -c groupadd --system %[1]s && useradd --system --gid %[1]s --no-create-home %[1]s && mkdir -p %[2]s && chown %[1]s:%[1]s %[2]s # buildkit", user, home)
}

// userFiles returns what userCommand changes: the account files and home.
func userFiles(d distro, user, home string) []file {
	id := 100
	if d == debian {
		id = 999
	}
	users := append(append([]string(nil), baseUsers...), fmt.Sprintf("%s:x:%d:%d::%s:/sbin/nologin", user, id, id, home))
	groups := append(append([]string(nil), baseGroups...), fmt.Sprintf("%s:x:%d:", user, id))
	return []file{
		regular("/etc/passwd", 0o644, text(users...)),
		regular("/etc/group", 0o644, text(groups...)),
		dir(home, id),
	}
}
