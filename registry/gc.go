package registry

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/distribution/distribution/v3/registry/storage"
	"github.com/distribution/distribution/v3/registry/storage/driver/factory"
)

// GCResult says what a garbage collection found and removed.
type GCResult struct {
	BlobsBefore, BlobsAfter int
	BytesBefore, BytesAfter int64
}

// CollectGarbage runs distribution's mark-and-sweep over the embedded
// registry's filesystem storage under root: blobs no manifest references
// are deleted (with untagged, manifests no tag names go first). It is safe
// only while no registry serves root: run it with Berth stopped, as
// distribution's own garbage-collect command must be.
func CollectGarbage(ctx context.Context, root string, untagged bool) (GCResult, error) {
	var res GCResult
	if _, err := os.Stat(root); err != nil {
		return res, fmt.Errorf("registry storage %s: %w", root, err)
	}
	res.BlobsBefore, res.BytesBefore = blobUsage(root)
	driver, err := factory.Create(ctx, "filesystem", map[string]any{"rootdirectory": root})
	if err != nil {
		return res, fmt.Errorf("opening registry storage %s: %w", root, err)
	}
	reg, err := storage.NewRegistry(ctx, driver, storage.EnableDelete)
	if err != nil {
		return res, fmt.Errorf("opening the registry at %s: %w", root, err)
	}
	if err := storage.MarkAndSweep(ctx, driver, reg, storage.GCOpts{RemoveUntagged: untagged, Quiet: true}); err != nil {
		return res, fmt.Errorf("collecting garbage: %w", err)
	}
	res.BlobsAfter, res.BytesAfter = blobUsage(root)
	return res, nil
}

// blobUsage counts the blob data files under a filesystem registry root
// and their bytes.
func blobUsage(root string) (int, int64) {
	n, size := 0, int64(0)
	_ = filepath.WalkDir(filepath.Join(root, "docker", "registry", "v2", "blobs"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "data" {
			if info, ierr := d.Info(); ierr == nil {
				n, size = n+1, size+info.Size()
			}
		}
		return nil
	})
	return n, size
}
