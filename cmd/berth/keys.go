package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"
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
