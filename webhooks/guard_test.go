package webhooks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/berth/berth/webhooks"
)

// TestRegistrationRefusesWhatIsNotAPublicHTTPSName: without AllowPrivate,
// an endpoint must be https and name its host; each refusal says what to
// do, and only accepted endpoints are stored.
func TestRegistrationRefusesWhatIsNotAPublicHTTPSName(t *testing.T) {
	h := newHarness(t, webhooks.Config{}, nil)
	for _, tc := range []struct{ url, want string }{
		{"http://hooks.example.com/berth", "use https"},
		{"ftp://hooks.example.com/berth", "use https"},
		{"https://127.0.0.1/berth", "use a host name"},
		{"https://100.64.0.1/berth", "use a host name"},
		{"https://93.184.215.14/berth", "use a host name"}, // public, but still a literal
		{"https://[::1]:8443/berth", "use a host name"},
		{"https://[64:ff9b::a00:1]/berth", "use a host name"},
		{"https://[fe80::1%25eth0]/berth", "use a host name"},
		{"https://127.1/berth", "use a host name"},
		{"https://2130706433/berth", "use a host name"},
		{"https://0x7f000001/berth", "use a host name"},
		{"https://0177.0.0.1/berth", "use a host name"},
		{"https://127.0.0.1./berth", "use a host name"},
		{"https://localhost:8443/berth", "localhost"},
		{"https://api.LOCALHOST/berth", "localhost"},
		{"https://user:pw@hooks.example.com/berth", "user name or password"},
		{"/berth", "absolute URL"},
		{"https://", "absolute URL"},
		{"https://hooks.example.com/" + strings.Repeat("a", 2001), "shorter"},
		{"https://hooks.example.com/berth?token=x", ""},
		{"https://hooks.example.com:8443/berth", ""},
		{"https://3com.example/berth", ""},
	} {
		_, _, err := h.d.AddEndpoint(context.Background(), "pub-1", tc.url, nil)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("AddEndpoint(%.60s) = %v, want it accepted", tc.url, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("AddEndpoint(%.60s) = %v, want an error saying %q", tc.url, err, tc.want)
		}
	}
	eps, err := h.d.Endpoints(context.Background(), "pub-1")
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, e := range eps {
		urls = append(urls, e.URL)
	}
	want := []string{"https://hooks.example.com/berth?token=x", "https://hooks.example.com:8443/berth", "https://3com.example/berth"}
	if !slices.Equal(urls, want) {
		t.Errorf("stored endpoints %q, want %q", urls, want)
	}

	private := newHarness(t, webhooks.Config{AllowPrivate: true}, nil)
	for _, u := range []string{"http://127.0.0.1:8080/berth", "https://[::1]/berth", "http://localhost/berth"} {
		if _, _, err := private.d.AddEndpoint(context.Background(), "pub-1", u, nil); err != nil {
			t.Errorf("with AllowPrivate, AddEndpoint(%s) = %v", u, err)
		}
	}
	if _, _, err := private.d.AddEndpoint(context.Background(), "pub-1", "ftp://hooks.example.com/", nil); err == nil {
		t.Error("with AllowPrivate, an ftp endpoint was accepted")
	}
}

// TestDialRefusesNonPublicAddresses: a host name that resolves to an
// address that is not public is refused at dial time, in the dialer's
// Control hook, before connect: the dial guard (which would see any address
// that got through) sees none, the loopback receiver gets no request, the
// publisher reads only the generic reason, and the log names the address.
func TestDialRefusesNonPublicAddresses(t *testing.T) {
	receiver := newCounter(t, func(http.ResponseWriter, *http.Request) {})
	loop := "127.0.0.1"
	for host, as := range map[string][]netip.Addr{
		"cgnat.example.test":     addrs("100.64.0.1"),
		"nat64.example.test":     addrs("64:ff9b::a00:1"),
		"broadcast.example.test": addrs("255.255.255.255"),
		"loopback.example.test":  addrs(loop),
		"loopback6.example.test": addrs("::1"),
		"mapped.example.test":    addrs("::ffff:127.0.0.1"),
		"6to4.example.test":      addrs("2002:7f00:1::1"),
		"metadata.example.test":  addrs("169.254.169.254"),
		"linklocal.example.test": addrs("fe80::1%lo"),
		"ula.example.test":       addrs("fd00::1"),
		"mixed.example.test":     addrs("100.64.0.1", loop, "::1"),
	} {
		t.Run(host, func(t *testing.T) {
			h := newHarness(t, webhooks.Config{}, map[string][]netip.Addr{host: as})
			del, ep := h.deliverOnce(t, fmt.Sprintf("https://%s:%d/hook?token=sekrit", host, receiver.port()))
			if del.LastError != "refused: the address is not public" || del.LastStatus != 0 ||
				del.Status != webhooks.DeliveryPending || del.Attempts != 1 {
				t.Errorf("delivery: status %s, attempts %d, last %d %q; want pending after 1 attempt, refused",
					del.Status, del.Attempts, del.LastStatus, del.LastError)
			}
			if d := h.dials(); len(d) != 0 {
				t.Errorf("addresses that passed the check: %v", d)
			}
			if n := receiver.count(); n != 0 {
				t.Errorf("the receiver got %d requests", n)
			}
			logs := h.logs.String()
			for _, a := range as {
				if !strings.Contains(logs, "refusing to connect to "+a.WithZone("").Unmap().String()) {
					t.Errorf("log does not name %s:\n%s", a, logs)
				}
			}
			if !strings.Contains(logs, "level=INFO") || strings.Contains(logs, "sekrit") || strings.Contains(logs, h.d.Secret(ep.ID)) {
				t.Errorf("want an INFO line without the URL's token or the signing secret:\n%s", logs)
			}
		})
	}
}

// TestDialGuardSeesAllowedDials is the control for the test above: with
// AllowPrivate, the same resolver and guard let a loopback delivery through,
// so an empty guard log there means no dial was attempted.
func TestDialGuardSeesAllowedDials(t *testing.T) {
	receiver := newCounter(t, func(http.ResponseWriter, *http.Request) {})
	h := newHarness(t, webhooks.Config{AllowPrivate: true},
		map[string][]netip.Addr{"loopback.example.test": addrs("127.0.0.1")})
	del, _ := h.deliverOnce(t, fmt.Sprintf("http://loopback.example.test:%d/hook", receiver.port()))
	if del.Status != webhooks.DeliveryDelivered || del.LastStatus != 200 || del.LastError != "" {
		t.Errorf("delivery %s %d %q, want delivered 200", del.Status, del.LastStatus, del.LastError)
	}
	want := []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), receiver.port())}
	if got := h.dials(); !slices.Equal(got, want) || receiver.count() != 1 {
		t.Errorf("dials %v, receiver hits %d; want %v and 1", got, receiver.count(), want)
	}
}
