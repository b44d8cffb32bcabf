// Package netguard decides which addresses Berth may connect to on a
// user's behalf (outbound webhooks, Git sources): only globally reachable
// ones unless an operator allows private networks. The check runs on the
// resolved address just before connecting, so DNS cannot route around it.
package netguard

import "net/netip"

// The address tables follow IANA's special-purpose address registries
// (RFC 6890 and RFC 8190 define their columns; entries as of 2025):
//
//	https://www.iana.org/assignments/iana-ipv4-special-registry/
//	https://www.iana.org/assignments/iana-ipv6-special-registry/
//
// A block whose "Globally Reachable" column is False (or N/A) is refused.
// Two other registries fill what those leave out: the IPv4 multicast
// registry (224.0.0.0/4) and the IPv6 address space registry, in which only
// 2000::/3 is global unicast; the rest of the IPv6 space is reserved by the
// IETF, unique-local, link-local (and the deprecated site-local fec0::/10)
// or multicast.

// notGlobal holds every registry block that is not globally reachable,
// in registry order, plus multicast.
var notGlobal = prefixes(
	"0.0.0.0/8",          // "this network" (RFC 791)
	"10.0.0.0/8",         // private use (RFC 1918)
	"100.64.0.0/10",      // shared address space, carrier-grade NAT (RFC 6598)
	"127.0.0.0/8",        // loopback (RFC 1122)
	"169.254.0.0/16",     // link local (RFC 3927)
	"172.16.0.0/12",      // private use (RFC 1918)
	"192.0.0.0/24",       // IETF protocol assignments (RFC 6890): DS-Lite, NAT64 discovery, ...
	"192.0.2.0/24",       // documentation TEST-NET-1 (RFC 5737)
	"192.88.99.0/24",     // deprecated 6to4 relay anycast (RFC 7526); its 6a44 relay (.2) too: a relay, never a web host
	"192.168.0.0/16",     // private use (RFC 1918)
	"198.18.0.0/15",      // benchmarking (RFC 2544)
	"198.51.100.0/24",    // documentation TEST-NET-2 (RFC 5737)
	"203.0.113.0/24",     // documentation TEST-NET-3 (RFC 5737)
	"224.0.0.0/4",        // multicast (RFC 5771)
	"240.0.0.0/4",        // reserved (RFC 1112)
	"255.255.255.255/32", // limited broadcast (RFC 919)
	"::/128",             // unspecified (RFC 4291)
	"::1/128",            // loopback (RFC 4291)
	"64:ff9b:1::/48",     // local-use IPv4/IPv6 translation (RFC 8215)
	"100::/64",           // discard-only (RFC 6666)
	"100:0:0:1::/64",     // dummy IPv6 prefix (RFC 9780)
	"2001::/23",          // IETF protocol assignments (RFC 2928): Teredo, benchmarking, ORCHID, ...
	"2001:db8::/32",      // documentation (RFC 3849)
	"3fff::/20",          // documentation (RFC 9637)
	"5f00::/16",          // segment routing SIDs (RFC 9602)
	"fc00::/7",           // unique local (RFC 4193)
	"fe80::/10",          // link-local unicast (RFC 4291)
	"fec0::/10",          // deprecated site-local (RFC 3879)
	"ff00::/8",           // multicast (RFC 4291)
)

// globalExceptions are the blocks inside notGlobal ones that the registries
// mark globally reachable.
var globalExceptions = prefixes(
	"192.0.0.9/32",    // port control protocol anycast (RFC 7723)
	"192.0.0.10/32",   // TURN anycast (RFC 8155)
	"2001:1::1/128",   // port control protocol anycast (RFC 7723)
	"2001:1::2/128",   // TURN anycast (RFC 8155)
	"2001:1::3/128",   // DNS-SD service registration protocol anycast (RFC 9665)
	"2001:3::/32",     // AMT (RFC 7450)
	"2001:4:112::/48", // AS112-v6 (RFC 7535)
	"2001:20::/28",    // ORCHIDv2 (RFC 7343)
	"2001:30::/28",    // drone remote ID entity tags (RFC 9374)
)

// IPv6 blocks whose addresses carry an IPv4 address, which is judged in
// their place: ::ffff:0:0/96 (IPv4-mapped, via Unmap), 64:ff9b::/96 (the
// NAT64 well-known prefix, RFC 6052: the registry marks it globally
// reachable, but a NAT64 in our own network would carry it to the embedded
// address) and 2002::/16 (6to4, RFC 3056).
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	// globalUnicast is the only IPv6 space IANA allocates for global unicast.
	globalUnicast = netip.MustParsePrefix("2000::/3")
)

// GloballyReachable reports whether ip is an address Berth may connect to
// on a user's behalf: a globally reachable unicast address. Zones are
// ignored (netip.Prefix.Contains never matches an address with one).
func GloballyReachable(ip netip.Addr) bool {
	ip = ip.WithZone("").Unmap()
	if !ip.IsValid() {
		return false
	}
	if v4, ok := embeddedIPv4(ip); ok {
		return GloballyReachable(v4)
	}
	if ip.Is6() && !globalUnicast.Contains(ip) {
		return false
	}
	for _, p := range globalExceptions {
		if p.Contains(ip) {
			return true
		}
	}
	for _, p := range notGlobal {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// embeddedIPv4 returns the IPv4 address a NAT64 or 6to4 address carries.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	b := ip.As16()
	switch {
	case !ip.Is6():
		return netip.Addr{}, false
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// prefixes parses the tables above; a typo in them panics at start.
func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}
