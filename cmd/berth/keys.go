package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/berth/berth/licensing"
	"github.com/berth/berth/server"
)

// keysRotate adds a new token signing key. Running servers sign with it
// from their next key reload; the old key stays accepted until it retires.
func (c *command) keysRotate(ctx context.Context, args []string) error {
	return c.admin(ctx, "keys rotate", args, nil, func(a adminRun) error {
		kid, err := a.b.Keys.Rotate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "new signing key %s\nrunning servers sign with it within 30s; the previous key stays published for %s, then retires (registries accept its tokens until they expire)\n",
			kid, 2*a.cfg.TokenTTL+30*time.Second)
		return nil
	})
}

// keysList shows the signing keys and which are in use.
func (c *command) keysList(ctx context.Context, args []string) error {
	return c.admin(ctx, "keys list", args, nil, func(a adminRun) error {
		states, err := a.b.Keys.States(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KID\tCREATED\tCERTIFICATE EXPIRES\tSTATE")
		for _, s := range states {
			state := "retired"
			switch {
			case s.Current:
				state = "current"
			case s.Published:
				state = "retiring"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ID, s.CreatedAt.Format(time.RFC3339), s.NotAfter.Format(time.DateOnly), state)
		}
		return tw.Flush()
	})
}

// keysRotateKEK seals every stored private key with a new key-encryption
// key and says what other instances need.
func (c *command) keysRotateKEK(ctx context.Context, args []string) error {
	var out string
	cfg, _, err := c.parse("keys rotate-kek", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "with BERTH_KEK only: a new file to write the new key-encryption key to")
	})
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	rot, err := server.RotateKEK(ctx, *cfg, out, newLogger(cfg, c.stderr))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "sealed %d private keys with the new key-encryption key %s (was %s)\n", rot.Sealed, rot.To, rot.From)
	if rot.Env {
		fmt.Fprintf(c.stdout, "the new key is in %s: set BERTH_KEK to its content on every instance and restart them, then delete the file\n", rot.File)
	} else {
		fmt.Fprintf(c.stdout, "the new key is in %s; the previous one is deleted\n"+
			"other instances on this database: copy %s to their BERTH_KEK_FILE (or set BERTH_KEK to its content) and restart them\n", rot.File, rot.File)
	}
	fmt.Fprintf(c.stdout, "until restarted, running instances keep signing with the keys they loaded but cannot load new ones; "+
		"database backups taken before now open only with the previous key-encryption key %s\n", rot.From)
	return nil
}

// licenseVerify checks a license file offline against Berth's root
// certificate and prints what it states.
func (c *command) licenseVerify(ctx context.Context, args []string) error {
	var rootFile string
	cfg, fs, err := c.parse("license verify", args, func(fs *flag.FlagSet) {
		fs.StringVar(&rootFile, "root", "", "Berth's root certificate (PEM); default the trust bundle in the data directory")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("license verify: name one license file: %w", errUsage)
	}
	if rootFile == "" {
		rootFile = cfg.RootCertFile
		if rootFile == "" {
			rootFile = filepath.Join(cfg.DataDir, "keys", "root-certs.pem")
		}
	}
	rootPEM, err := os.ReadFile(rootFile)
	if err != nil {
		return fmt.Errorf("--root: %w", err)
	}
	doc, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	claims, err := licensing.VerifyLicenseFile(strings.TrimSpace(string(doc)), rootPEM)
	if err != nil {
		return err
	}
	expires := "never"
	if claims.ExpiresAt != nil {
		expires = claims.ExpiresAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(c.stdout, "valid license %s\nholder:       %s\nproduct:      %s (tier %s)\nrepositories: %s\nstatus:       %s (when issued %s)\nexpires:      %s\n",
		claims.ID, claims.Subject, claims.Product, claims.Tier, strings.Join(claims.Repositories, ", "), claims.Status,
		claims.IssuedAt.UTC().Format(time.RFC3339), expires)
	return nil
}
