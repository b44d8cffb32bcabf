// Package ldaptest starts a real OpenLDAP slapd on loopback for tests: a
// temporary configuration and database, the suffix dc=berth,dc=test with
// ou=people and ou=groups, plain ldap:// and StartTLS with a certificate
// made for the test. Production code must not import it.
package ldaptest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// The directory's names.
const (
	Suffix        = "dc=berth,dc=test"
	People        = "ou=people," + Suffix
	Groups        = "ou=groups," + Suffix
	AdminDN       = "cn=admin," + Suffix
	AdminPassword = "slapd-admin-password"
)

// Server is a running slapd.
type Server struct {
	// URL is ldap://127.0.0.1:<port>; StartTLS works on it with CAPEM.
	URL   string
	CAPEM []byte
}

// Start runs slapd as the current user on a free loopback port until the
// test ends. Without slapd the test fails: it is part of the test
// environment, not optional.
func Start(t testing.TB) *Server {
	t.Helper()
	slapd, err := exec.LookPath("slapd")
	if err != nil {
		if _, statErr := os.Stat("/usr/sbin/slapd"); statErr != nil {
			t.Fatalf("slapd is not installed: ./scripts/test installs slapd (apt-get install slapd ldap-utils)")
		}
		slapd = "/usr/sbin/slapd"
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	caPEM, certPEM, keyPEM := certificates(t)
	for name, data := range map[string][]byte{"ca.pem": caPEM, "cert.pem": certPEM, "key.pem": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(conf, []byte(config(dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	for attempt := 0; ; attempt++ {
		addr := freeAddr(t)
		s := &Server{URL: "ldap://" + addr, CAPEM: caPEM}
		cmd := exec.Command(slapd, "-d", "0", "-h", s.URL+"/", "-f", conf)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting slapd: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		if s.wait(exited) {
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			s.load(t)
			return s
		}
		_ = cmd.Process.Kill()
		<-exited
		if attempt == 2 {
			t.Fatalf("slapd did not start on %s:\n%s", addr, out.String())
		}
	}
}

// config is a slapd.conf with the MDB backend and the schemas that
// inetOrgPerson and groupOfNames need. Only the service account reads
// entries, as in a locked-down directory: a connection left bound as
// someone else finds nobody.
func config(dir string) string {
	return fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile %[1]s/slapd.pid
TLSCACertificateFile %[1]s/ca.pem
TLSCertificateFile %[1]s/cert.pem
TLSCertificateKeyFile %[1]s/key.pem
database mdb
maxsize 10485760
suffix "%[2]s"
rootdn "%[3]s"
rootpw %[4]s
directory %[1]s/db
access to attrs=userPassword by self write by anonymous auth by * none
access to * by dn.exact="%[5]s" read by * none
`, dir, Suffix, AdminDN, AdminPassword, ServiceDN)
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// wait reports whether slapd accepts an admin bind within ten seconds.
func (s *Server) wait(exited <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := ldap.DialURL(s.URL); err == nil {
			err = c.Bind(AdminDN, AdminPassword)
			_ = c.Close()
			if err == nil {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// Admin returns a connection bound as the directory's root, closed when
// the test ends.
func (s *Server) Admin(t testing.TB) *ldap.Conn {
	t.Helper()
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	c.SetTimeout(10 * time.Second)
	if err := c.Bind(AdminDN, AdminPassword); err != nil {
		t.Fatal(err)
	}
	return c
}

// load adds the suffix and the people and groups branches.
func (s *Server) load(t testing.TB) {
	t.Helper()
	c := s.Admin(t)
	add(t, c, Suffix, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"berth"}, "o": {"Berth test"}})
	add(t, c, People, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"people"}})
	add(t, c, Groups, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"groups"}})
	add(t, c, "cn=berth-service,"+Suffix, map[string][]string{"objectClass": {"person"}, "cn": {"berth-service"},
		"sn": {"service"}, "userPassword": {ServicePassword}})
}

// The service account Berth binds as to search.
const (
	ServiceDN       = "cn=berth-service," + Suffix
	ServicePassword = "service-password"
)

func add(t testing.TB, c *ldap.Conn, dn string, attrs map[string][]string) {
	t.Helper()
	req := ldap.NewAddRequest(dn, nil)
	for k, v := range attrs {
		req.Attribute(k, v)
	}
	if err := c.Add(req); err != nil {
		t.Fatalf("adding %s: %v", dn, err)
	}
}

// UserDN is the DN of the person uid.
func UserDN(uid string) string { return "uid=" + ldap.EscapeDN(uid) + "," + People }

// GroupDN is the DN of the group cn.
func GroupDN(cn string) string { return "cn=" + ldap.EscapeDN(cn) + "," + Groups }

// AddUser adds an inetOrgPerson with uid, password and mail uid@berth.test.
func (s *Server) AddUser(t testing.TB, uid, password string) {
	t.Helper()
	add(t, s.Admin(t), UserDN(uid), map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {uid},
		"cn": {uid + " Person"}, "sn": {"Person"}, "mail": {uid + "@berth.test"}, "userPassword": {password}})
}

// Nobody is a member of every group, because groupOfNames must have one:
// so that a test can remove the last person.
const Nobody = "cn=nobody," + Suffix

// AddGroup adds a groupOfNames with the people uids (and Nobody) as members.
func (s *Server) AddGroup(t testing.TB, cn string, uids ...string) {
	t.Helper()
	members := []string{Nobody}
	for _, u := range uids {
		members = append(members, UserDN(u))
	}
	add(t, s.Admin(t), GroupDN(cn), map[string][]string{"objectClass": {"groupOfNames"}, "cn": {cn}, "member": members})
}

// Modify replaces (values given) or deletes (none) an attribute of dn.
func (s *Server) Modify(t testing.TB, dn, attr string, values ...string) {
	t.Helper()
	req := ldap.NewModifyRequest(dn, nil)
	if len(values) == 0 {
		req.Delete(attr, nil)
	} else {
		req.Replace(attr, values)
	}
	if err := s.Admin(t).Modify(req); err != nil {
		t.Fatalf("modifying %s of %s: %v", attr, dn, err)
	}
}

// RemoveMember takes the person uid out of the group cn.
func (s *Server) RemoveMember(t testing.TB, cn, uid string) {
	t.Helper()
	req := ldap.NewModifyRequest(GroupDN(cn), nil)
	req.Delete("member", []string{UserDN(uid)})
	if err := s.Admin(t).Modify(req); err != nil {
		t.Fatalf("removing %s from %s: %v", uid, cn, err)
	}
}

// Delete removes the entry dn.
func (s *Server) Delete(t testing.TB, dn string) {
	t.Helper()
	if err := s.Admin(t).Del(ldap.NewDelRequest(dn, nil)); err != nil {
		t.Fatalf("deleting %s: %v", dn, err)
	}
}
