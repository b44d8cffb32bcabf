package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/berth/berth/audit"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/server"
)

func (c *command) userCreate(ctx context.Context, args []string) error {
	var username, email string
	var admin bool
	return c.admin(ctx, "user create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "username")
		fs.StringVar(&email, "email", "", "email address")
		fs.BoolVar(&admin, "admin", false, "make the user an operator")
	}, func(a adminRun) error {
		// The password comes on standard input, never as an argument that
		// process listings and shell history would keep.
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("user create: write the password on standard input")
		}
		u, err := a.b.Accounts.Register(ctx, account.SignUp{Username: username, Email: email, Password: strings.TrimRight(line, "\r\n"), Admin: admin})
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "created user %s (%s)\n", u.Username, u.ID)
		return nil
	})
}

func (c *command) licenseGrant(ctx context.Context, args []string) error {
	var username, product, tier, expires string
	return c.admin(ctx, "license grant", args, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "user", "", "username to grant to")
		fs.StringVar(&product, "product", "", "product slug")
		fs.StringVar(&tier, "tier", "", "tier id")
		fs.StringVar(&expires, "expires", "", "expiry: a duration from now (720h) or a date (2027-01-01); default never")
	}, func(a adminRun) error {
		until, err := parseExpiry(expires, time.Now())
		if err != nil {
			return err
		}
		u, err := a.user(ctx, username)
		if err != nil {
			return err
		}
		issued, err := a.b.Licenses.Grant(ctx, licensing.Grant{Owner: u.ID, Product: product, Tier: tier, ExpiresAt: until})
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "license %s granted to %s for %s/%s\nkey (shown once): %s\n", issued.License.ID, u.Username, product, tier, issued.Key)
		return nil
	})
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
	return c.admin(ctx, "license revoke", args, nil, func(a adminRun) error {
		if a.fs.NArg() != 1 {
			return fmt.Errorf("license revoke: name one license id: %w", errUsage)
		}
		l, err := a.b.Licenses.Revoke(ctx, a.fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "license %s revoked; tokens already issued expire within %s\n", l.ID, a.cfg.TokenTTL)
		return nil
	})
}

func (c *command) licenseList(ctx context.Context, args []string) error {
	var username string
	return c.admin(ctx, "license list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "user", "", "username")
	}, func(a adminRun) error {
		u, err := a.user(ctx, username)
		if err != nil {
			return err
		}
		ls, err := a.b.Licenses.Licenses(ctx, u.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPRODUCT\tTIER\tSTATUS\tKEY\tCREATED")
		for _, l := range ls {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t…%s\t%s\n", l.ID, l.Product, l.Tier, l.Status, l.KeyHint, l.CreatedAt.Format(time.DateOnly))
		}
		return tw.Flush()
	})
}

func (c *command) publisherAddMember(ctx context.Context, args []string) error {
	var slug, username string
	return c.admin(ctx, "publisher add-member", args, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "publisher", "", "publisher slug")
		fs.StringVar(&username, "user", "", "username")
	}, func(a adminRun) error {
		u, err := a.user(ctx, username)
		if err != nil {
			return err
		}
		p, err := a.b.Stores.Publishers.PublisherBySlug(ctx, slug)
		if err != nil {
			return fmt.Errorf("publisher %q: %w", slug, err)
		}
		if !slices.Contains(p.Members, u.ID) {
			p.Members = append(p.Members, u.ID)
			if _, err := a.b.Stores.Publishers.PutPublisher(ctx, p); err != nil {
				return err
			}
		}
		staging := make([]string, len(p.Namespaces))
		for i, ns := range p.Namespaces {
			staging[i] = "staging/" + ns
		}
		fmt.Fprintf(c.stdout, "%s may now push to %s (signed uploads reach %s once verified)\n", u.Username,
			strings.Join(staging, ", "), strings.Join(p.Namespaces, ", "))
		return nil
	})
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

// adminRun is what an admin command's body works with.
type adminRun struct {
	cfg *server.Config
	fs  *flag.FlagSet
	b   *server.Backend
}

// user looks a user up by name, saying which one is missing.
func (a adminRun) user(ctx context.Context, username string) (account.User, error) {
	u, err := a.b.Accounts.UserByUsername(ctx, username)
	if err != nil {
		return account.User{}, fmt.Errorf("user %q: %w", username, err)
	}
	return u, nil
}

// admin parses an admin command's flags, opens the backend, runs body and
// closes the backend.
func (c *command) admin(ctx context.Context, name string, args []string, flags func(*flag.FlagSet), body func(adminRun) error) error {
	cfg, fs, err := c.parse(name, args, flags)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	b, err := server.OpenBackend(ctx, *cfg, cfg.RegistryService, "", "", newLogger(cfg, c.stderr))
	if err != nil {
		return err
	}
	defer b.Close(context.WithoutCancel(ctx))
	err = body(adminRun{cfg: cfg, fs: fs, b: b})
	if !strings.HasSuffix(name, " list") {
		recordAdmin(ctx, b, name, args, err)
	}
	return err
}

// recordAdmin writes an operator's command to the security audit log: an
// admin action at the command line (passwords come from standard input,
// never from the arguments recorded).
func recordAdmin(ctx context.Context, b *server.Backend, name string, args []string, err error) {
	outcome := audit.Success
	if err != nil {
		outcome = audit.Failure
	}
	e := audit.Event{Action: audit.AdminAction, ActorName: os.Getenv("USER"), Credential: audit.CredentialCLI, Outcome: outcome,
		Target: "berth " + name, Detail: strings.Join(append([]string{"berth", name}, args...), " ")}
	_ = b.Security.Record(context.WithoutCancel(ctx), e) // the command's own answer matters more than its record
}
