package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/licensing"
)

func (c *command) userCreate(ctx context.Context, args []string) error {
	var username, email string
	var admin bool
	cfg, _, err := c.parse("user create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "username")
		fs.StringVar(&email, "email", "", "email address")
		fs.BoolVar(&admin, "admin", false, "make the user an operator")
	})
	if err != nil {
		return err
	}
	b, closeDB, err := c.backend(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	// The password comes on standard input, never as an argument that
	// process listings and shell history would keep.
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("user create: write the password on standard input")
	}
	u, err := b.Accounts.Register(ctx, account.SignUp{Username: username, Email: email, Password: strings.TrimRight(line, "\r\n"), Admin: admin})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "created user %s (%s)\n", u.Username, u.ID)
	return nil
}

func (c *command) licenseGrant(ctx context.Context, args []string) error {
	var username, product, tier, expires string
	cfg, _, err := c.parse("license grant", args, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "user", "", "username to grant to")
		fs.StringVar(&product, "product", "", "product slug")
		fs.StringVar(&tier, "tier", "", "tier id")
		fs.StringVar(&expires, "expires", "", "expiry: a duration from now (720h) or a date (2027-01-01); default never")
	})
	if err != nil {
		return err
	}
	until, err := parseExpiry(expires, time.Now())
	if err != nil {
		return err
	}
	b, closeDB, err := c.backend(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	u, err := b.Accounts.UserByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("user %q: %w", username, err)
	}
	issued, err := b.Licenses.Grant(ctx, licensing.Grant{Owner: u.ID, Product: product, Tier: tier, ExpiresAt: until})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "license %s granted to %s for %s/%s\nkey (shown once): %s\n", issued.License.ID, u.Username, product, tier, issued.Key)
	return nil
}

// parseExpiry reads "" (never), a duration from now, or a date.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--expires: want a duration such as 720h or a date such as 2027-01-01, got %q", s)
}

func (c *command) licenseRevoke(ctx context.Context, args []string) error {
	cfg, fs, err := c.parse("license revoke", args, nil)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("license revoke: name one license id: %w", errUsage)
	}
	b, closeDB, err := c.backend(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	l, err := b.Licenses.Revoke(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "license %s revoked; tokens already issued expire within %s\n", l.ID, cfg.TokenTTL)
	return nil
}

func (c *command) licenseList(ctx context.Context, args []string) error {
	var username string
	cfg, _, err := c.parse("license list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "user", "", "username")
	})
	if err != nil {
		return err
	}
	b, closeDB, err := c.backend(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	u, err := b.Accounts.UserByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("user %q: %w", username, err)
	}
	ls, err := b.Licenses.Licenses(ctx, u.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPRODUCT\tTIER\tSTATUS\tKEY\tCREATED")
	for _, l := range ls {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t…%s\t%s\n", l.ID, l.Product, l.Tier, l.Status, l.KeyHint, l.CreatedAt.Format(time.DateOnly))
	}
	return tw.Flush()
}

func (c *command) publisherAddMember(ctx context.Context, args []string) error {
	var slug, username string
	cfg, _, err := c.parse("publisher add-member", args, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "publisher", "", "publisher slug")
		fs.StringVar(&username, "user", "", "username")
	})
	if err != nil {
		return err
	}
	b, closeDB, err := c.backend(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	u, err := b.Accounts.UserByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("user %q: %w", username, err)
	}
	p, err := b.Stores.Publishers.PublisherBySlug(ctx, slug)
	if err != nil {
		return fmt.Errorf("publisher %q: %w", slug, err)
	}
	if !slices.Contains(p.Members, u.ID) {
		p.Members = append(p.Members, u.ID)
		if _, err := b.Stores.Publishers.PutPublisher(ctx, p); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.stdout, "%s may now push to %s\n", u.Username, strings.Join(p.Namespaces, ", "))
	return nil
}

func (c *command) healthcheck(ctx context.Context, args []string) error {
	cfg, _, err := c.parse("healthcheck", args, nil)
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("BERTH_ADDR: %w", err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: status %d", resp.StatusCode)
	}
	return nil
}
