package registry

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/distribution/distribution/v3/configuration"

	// Storage drivers a BERTH_REGISTRY_CONFIG may name register
	// themselves with distribution's factory when imported.
	_ "github.com/distribution/distribution/v3/registry/storage/driver/azure"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/gcs"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/s3-aws"
)

// Storage is where the embedded registry keeps its content: a distribution
// storage section (one driver and its parameters, plus distribution's
// delete, redirect, cache and maintenance settings).
type Storage = configuration.Storage

// FilesystemStorage keeps content on the local disk under root, the
// default (DATA_DIR/registry).
func FilesystemStorage(root string) Storage {
	return Storage{"filesystem": configuration.Parameters{"rootdirectory": root}}
}

// LoadStorage reads the storage section of the distribution config.yml at
// path (BERTH_REGISTRY_CONFIG). Only that section is used: Berth keeps
// control of the registry's auth, notifications, HTTP and validation, so
// those sections of the file, if any, are ignored. distribution's
// REGISTRY_STORAGE_* environment variables apply, as they do to
// distribution itself (REGISTRY_STORAGE_S3_SECRETKEY keeps a secret out of
// the file).
func LoadStorage(path string) (Storage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("BERTH_REGISTRY_CONFIG: %w", err)
	}
	defer f.Close()
	c, err := configuration.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("BERTH_REGISTRY_CONFIG %s: %w", filepath.Base(path), err)
	}
	if c.Storage.Type() == "" {
		return nil, fmt.Errorf("BERTH_REGISTRY_CONFIG %s: no storage driver in its storage section", filepath.Base(path))
	}
	return c.Storage, nil
}

// withBerthSettings returns a copy of s with what Berth relies on: deletes
// enabled (tag withdrawal, deletes by owners), and upload purging unless the
// section sets its own maintenance.
func withBerthSettings(s Storage) Storage {
	out := Storage{}
	for k, v := range s {
		out[k] = v
	}
	out["delete"] = configuration.Parameters{"enabled": true}
	if _, ok := out["maintenance"]; !ok {
		out["maintenance"] = configuration.Parameters{"uploadpurging": map[any]any{
			"enabled": true, "age": "168h", "interval": "24h", "dryrun": false,
		}}
	}
	return out
}
