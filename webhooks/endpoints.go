package webhooks

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/berth/berth/internal/netguard"
)

// maxURLLength bounds an endpoint URL.
const maxURLLength = 2000

// ValidURL reports why an endpoint URL is not acceptable, in words a
// publisher can act on. It must be an absolute https URL naming its host
// by name: an IP literal would skip the name a certificate is checked
// against and invites probing addresses one by one. With AllowPrivate,
// http and IP literals are accepted too (tests, private installations).
// Where a name leads is checked again at every dial.
func (d *Dispatcher) ValidURL(raw string) error {
	if len(raw) > maxURLLength {
		return fmt.Errorf("url is longer than %d characters: use a shorter one", maxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" || u.Hostname() == "" {
		return errors.New("url must be an absolute URL such as https://hooks.example.com/berth")
	}
	if u.User != nil {
		return errors.New("url must not hold a user name or password: put a token in its path or query instead")
	}
	if d.cfg.AllowPrivate {
		if u.Scheme != "https" && u.Scheme != "http" {
			return errors.New("url must use https (or http)")
		}
		return nil
	}
	if u.Scheme != "https" {
		return errors.New("url must use https")
	}
	host := u.Hostname()
	if netguard.IPLiteral(host) {
		return fmt.Errorf("url host %s is an IP address: use a host name", host)
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return errors.New("url host is localhost, which is never public: use the endpoint's public host name")
	}
	return nil
}
