package registry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"

	"github.com/distribution/distribution/v3/registry/storage"
	"github.com/distribution/distribution/v3/registry/storage/driver"
	"github.com/distribution/distribution/v3/registry/storage/driver/factory"
)

// GCResult says what a garbage collection found and removed.
type GCResult struct {
	BlobsBefore, BlobsAfter int
	BytesBefore, BytesAfter int64
}

// CollectGarbage runs distribution's mark-and-sweep over the embedded
// registry's storage (any driver): blobs no manifest references are deleted
// (with untagged, manifests no tag names go first). It is safe only while
// no registry serves that storage: run it with Berth stopped, as
// distribution's own garbage-collect command must be.
func CollectGarbage(ctx context.Context, st Storage, untagged bool) (GCResult, error) {
	var res GCResult
	if root, ok := st["filesystem"]["rootdirectory"].(string); ok && st.Type() == "filesystem" {
		if _, err := os.Stat(root); err != nil {
			return res, fmt.Errorf("registry storage %s: %w", root, err)
		}
	}
	driver, err := factory.Create(ctx, st.Type(), st.Parameters())
	if err != nil {
		return res, fmt.Errorf("opening registry storage (%s): %w", st.Type(), err)
	}
	if res.BlobsBefore, res.BytesBefore, err = blobUsage(ctx, driver); err != nil {
		return res, err
	}
	reg, err := storage.NewRegistry(ctx, driver, storage.EnableDelete)
	if err != nil {
		return res, fmt.Errorf("opening the registry (%s): %w", st.Type(), err)
	}
	if err := storage.MarkAndSweep(ctx, driver, reg, storage.GCOpts{RemoveUntagged: untagged, Quiet: true}); err != nil {
		return res, fmt.Errorf("collecting garbage: %w", err)
	}
	res.BlobsAfter, res.BytesAfter, err = blobUsage(ctx, driver)
	return res, err
}

// blobsRoot is where distribution keeps blob data in any driver.
const blobsRoot = "/docker/registry/v2/blobs"

// blobUsage counts the blob data files in the storage and their bytes.
func blobUsage(ctx context.Context, d driver.StorageDriver) (int, int64, error) {
	n, size := 0, int64(0)
	err := d.Walk(ctx, blobsRoot, func(fi driver.FileInfo) error {
		if !fi.IsDir() && path.Base(fi.Path()) == "data" {
			n, size = n+1, size+fi.Size()
		}
		return nil
	})
	var notFound driver.PathNotFoundError
	if errors.As(err, &notFound) {
		return 0, 0, nil // nothing pushed yet
	}
	if err != nil {
		return 0, 0, fmt.Errorf("counting blobs: %w", err)
	}
	return n, size, nil
}
