package netguard

import (
	"net/netip"
	"testing"
)

// TestGloballyReachable walks the edges of every special-purpose block: its
// first and last address refused, its neighbours just outside accepted
// (where they are public), and the registries' exceptions inside.
func TestGloballyReachable(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		// Plainly public, for contrast.
		{"8.8.8.8", true}, {"1.1.1.1", true}, {"2606:4700:4700::1111", true}, {"2a00:1450:4001::1", true},

		{"0.0.0.0", false}, {"0.255.255.255", false}, {"1.0.0.0", true},
		{"9.255.255.255", true}, {"10.0.0.0", false}, {"10.255.255.255", false}, {"11.0.0.0", true},
		{"100.63.255.255", true}, {"100.64.0.0", false}, {"100.64.0.1", false}, {"100.127.255.255", false}, {"100.128.0.0", true},
		{"126.255.255.255", true}, {"127.0.0.0", false}, {"127.0.0.1", false}, {"127.255.255.255", false}, {"128.0.0.0", true},
		{"169.253.255.255", true}, {"169.254.0.0", false}, {"169.254.169.254", false}, {"169.254.255.255", false}, {"169.255.0.0", true},
		{"172.15.255.255", true}, {"172.16.0.0", false}, {"172.31.255.255", false}, {"172.32.0.0", true},
		// 192.0.0.0/24 with its two globally reachable anycast addresses.
		{"191.255.255.255", true}, {"192.0.0.0", false}, {"192.0.0.8", false}, {"192.0.0.9", true}, {"192.0.0.10", true},
		{"192.0.0.11", false}, {"192.0.0.170", false}, {"192.0.0.171", false}, {"192.0.0.255", false}, {"192.0.1.0", true},
		{"192.0.1.255", true}, {"192.0.2.0", false}, {"192.0.2.255", false}, {"192.0.3.0", true},
		{"192.31.196.1", true}, {"192.52.193.1", true}, {"192.175.48.1", true}, // AS112, AMT: globally reachable
		{"192.88.98.255", true}, {"192.88.99.0", false}, {"192.88.99.2", false}, {"192.88.99.255", false}, {"192.88.100.0", true},
		{"192.167.255.255", true}, {"192.168.0.0", false}, {"192.168.255.255", false}, {"192.169.0.0", true},
		{"198.17.255.255", true}, {"198.18.0.0", false}, {"198.19.255.255", false}, {"198.20.0.0", true},
		{"198.51.99.255", true}, {"198.51.100.0", false}, {"198.51.100.255", false}, {"198.51.101.0", true},
		{"203.0.112.255", true}, {"203.0.113.0", false}, {"203.0.113.255", false}, {"203.0.114.0", true},
		{"223.255.255.255", true}, {"224.0.0.0", false}, {"239.255.255.255", false},
		{"240.0.0.0", false}, {"255.255.255.254", false}, {"255.255.255.255", false},

		{"::", false}, {"::1", false}, {"::2", false},
		// IPv4-mapped: the IPv4 address decides.
		{"::ffff:8.8.8.8", true}, {"::ffff:0.0.0.0", false}, {"::ffff:10.0.0.1", false}, {"::ffff:127.0.0.1", false},
		{"::ffff:100.64.0.1", false}, {"::ffff:255.255.255.255", false},
		{"::fffe:ffff:ffff", false}, {"::1:0:0:0", false}, // just outside: reserved ::/8
		{"::8.8.8.8", false}, {"::ffff:0:808:808", false}, // IPv4-compatible, IPv4-translated: deprecated
		// NAT64 well-known prefix: the embedded IPv4 address decides.
		{"64:ff9b::808:808", true}, {"64:ff9b::", false}, {"64:ff9b::a00:1", false}, {"64:ff9b::7f00:1", false},
		{"64:ff9b::6440:1", false}, {"64:ff9b::a9fe:a9fe", false}, {"64:ff9b::ffff:ffff", false},
		{"64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"64:ff9b::1:0:0", false},
		{"64:ff9b:1::", false}, {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", false}, {"64:ff9b:2::", false},
		{"100::", false}, {"100::ffff:ffff:ffff:ffff", false}, {"100:0:0:1::", false}, {"100:0:0:1:ffff:ffff:ffff:ffff", false},
		{"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"2000::1", true},
		// 2001::/23 and the registry's globally reachable blocks inside it.
		{"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"2001::", false}, {"2001::1", false},
		{"2001:0:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"2001:1::", false},
		{"2001:1::1", true}, {"2001:1::2", true}, {"2001:1::3", true}, {"2001:1::4", false},
		{"2001:2::", false}, {"2001:2:0:ffff:ffff:ffff:ffff:ffff", false},
		{"2001:2:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"2001:3::", true}, {"2001:3:ffff:ffff:ffff:ffff:ffff:ffff", true},
		{"2001:4::", false}, {"2001:4:111:ffff:ffff:ffff:ffff:ffff", false}, {"2001:4:112::", true},
		{"2001:4:112:ffff:ffff:ffff:ffff:ffff", true}, {"2001:4:113::", false},
		{"2001:10::", false}, {"2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", false},
		{"2001:20::", true}, {"2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", true},
		{"2001:30::", true}, {"2001:3f:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"2001:40::", false},
		{"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"2001:200::", true},
		{"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"2001:db8::", false},
		{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"2001:db9::", true},
		// 6to4: the embedded IPv4 address decides.
		{"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"2002::", false}, {"2002:808:808::1", true},
		{"2002:a00:1::1", false}, {"2002:7f00:1::", false}, {"2002:6440:1::", false},
		{"2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"2003::", true},
		{"2620:4f:8000::1", true}, // AS112 direct delegation: globally reachable
		{"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"3fff::", false},
		{"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"3fff:1000::", true},
		{"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"4000::", false}, // end of 2000::/3
		{"5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"5f00::", false}, {"5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
		{"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false}, {"fc00::", false}, {"fd00::1", false},
		{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
		{"fe80::", false}, {"fe80::1%eth0", false}, {"fe80::1%1", false}, {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
		{"fec0::1", false}, {"ff00::", false}, {"ff02::1", false}, {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
		{"2001:db8::1%eth0", false}, {"2606:4700:4700::1111%eth0", true}, // a zone does not hide the address
	} {
		if got := GloballyReachable(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("GloballyReachable(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
	if GloballyReachable(netip.Addr{}) {
		t.Error("the zero Addr is reachable")
	}
}
