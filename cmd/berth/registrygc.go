package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/berth/berth/registry"
)

// registryGC reclaims the embedded registry's storage: blobs no manifest
// references (after deletes) are removed by distribution's mark and sweep.
// Berth must be stopped while it runs.
func (c *command) registryGC(ctx context.Context, args []string) error {
	var untagged *bool
	return c.admin(ctx, "registry gc", args, func(fs *flag.FlagSet) {
		untagged = fs.Bool("untagged", false, "also delete manifests no tag names, and their blobs")
	}, func(a adminRun) error {
		if !a.cfg.Embedded() {
			return errors.New("BERTH_REGISTRY_URL names an external registry: run its own garbage collector (registry garbage-collect <config>)")
		}
		st, err := a.cfg.RegistryStorage()
		if err != nil {
			return err
		}
		res, err := registry.CollectGarbage(ctx, st, *untagged)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "removed %d of %d blobs, %d of %d bytes\n",
			res.BlobsBefore-res.BlobsAfter, res.BlobsBefore, res.BytesBefore-res.BytesAfter, res.BytesBefore)
		return nil
	})
}
