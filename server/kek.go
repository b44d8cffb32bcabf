package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/licensing"
)

// kekFile is where the key-encryption key is kept when BERTH_KEK is not set.
func (c Config) kekFile() string {
	return orDefault(c.KEKFile, filepath.Join(c.DataDir, "berth.kek"))
}

// kekSetting names where this process's key-encryption key comes from.
func (c Config) kekSetting() string {
	if c.KEK != "" {
		return "BERTH_KEK"
	}
	return "BERTH_KEK_FILE (" + c.kekFile() + ")"
}

// kekError names the setting when err says the database's keys do not open
// with the key-encryption key this process was given.
func kekError(cfg Config, err error) error {
	if errors.Is(err, kek.ErrUnknownKEK) || errors.Is(err, kek.ErrTampered) {
		return fmt.Errorf("%s: %w; start Berth with the key-encryption key the database was sealed with (BERTH_KEK or BERTH_KEK_FILE)", cfg.kekSetting(), err)
	}
	return err
}

// ensureDataDir creates the data directory readable by its owner only
// (0700), and takes group and other access away from an existing one.
func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("BERTH_DATA_DIR: creating %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("BERTH_DATA_DIR: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, fi.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("BERTH_DATA_DIR: restricting %s to its owner: %w", dir, err)
		}
	}
	return nil
}

// openKEK returns the key-encryption keys of this process as a Sealer.
func openKEK(ctx context.Context, cfg Config, store licensing.Store, log *slog.Logger) (*kek.Ring, error) {
	cur, prev, err := loadKEK(ctx, cfg, store, log)
	if err != nil {
		return nil, err
	}
	return kek.NewRing(cur, prev...), nil
}

// loadKEK returns BERTH_KEK, or the key in the KEK file and, while a
// `berth keys rotate-kek` is unfinished, the previous one it keeps beside
// it as <file>.old. A missing file is created, unless the database already
// holds sealed keys: then the key that sealed them is missing, and a new one
// would only hide that.
func loadKEK(ctx context.Context, cfg Config, store licensing.Store, log *slog.Logger) (*kek.Key, []*kek.Key, error) {
	if cfg.KEK != "" {
		k, err := kek.Parse(cfg.KEK)
		if err != nil {
			return nil, nil, fmt.Errorf("BERTH_KEK: %w", err)
		}
		return k, nil, nil
	}
	path := cfg.kekFile()
	k, err := kek.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k, err = createKEK(ctx, path, store, log)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("BERTH_KEK_FILE: %w", err)
	}
	old, err := kek.ReadFile(path + ".old")
	if errors.Is(err, fs.ErrNotExist) {
		return k, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("BERTH_KEK_FILE: %w", err)
	}
	return k, []*kek.Key{old}, nil
}

// createKEK writes a new key-encryption key to path, or reads the one
// another process sharing the data directory wrote first.
func createKEK(ctx context.Context, path string, store licensing.Store, log *slog.Logger) (*kek.Key, error) {
	keys, err := store.Keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading token keys: %w", err)
	}
	for _, k := range keys {
		if id, ok := kek.SealedBy(k.PrivateDER); ok {
			return nil, fmt.Errorf("%s does not exist, but the database's private keys are sealed with key-encryption key %s: "+
				"restore that file, or point BERTH_KEK_FILE (or BERTH_KEK) at that key; Berth does not make new keys over ones it cannot read", path, id)
		}
	}
	k, err := kek.Generate()
	if err != nil {
		return nil, err
	}
	if err := kek.WriteFile(path, k); errors.Is(err, fs.ErrExist) {
		return kek.ReadFile(path)
	} else if err != nil {
		return nil, err
	}
	log.Info("created the key-encryption key of the private keys; back it up apart from the database: without it the keys cannot be read",
		"file", path, "kek", k.ID())
	return k, nil
}
