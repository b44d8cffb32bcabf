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
	"github.com/berth/berth/publisher"
)

// KEKRotation is what RotateKEK did.
type KEKRotation struct {
	From, To string // ids of the previous and the new key-encryption key
	Sealed   int    // private keys sealed again with the new one
	File     string // where the new key-encryption key is
	// Env is true when BERTH_KEK gave the previous key: the new one is in
	// File and must become BERTH_KEK.
	Env bool
}

// RotateKEK generates a new key-encryption key and seals every stored
// private key with it. With a KEK file, the new key replaces the file's,
// whose previous key stays beside it as <file>.old until every private key
// is sealed again (a process started meanwhile opens keys sealed with
// either). With BERTH_KEK, the new key is written to the new file out, and
// a failure seals the keys back with the previous key.
func RotateKEK(ctx context.Context, cfg Config, out string, log *slog.Logger) (KEKRotation, error) {
	if cfg.KEK != "" && out == "" {
		return KEKRotation{}, errors.New("BERTH_KEK gives the key-encryption key: name a new file for the new one with --out, then set BERTH_KEK to its content")
	}
	if cfg.KEK == "" && out != "" {
		return KEKRotation{}, fmt.Errorf("--out is for BERTH_KEK only: the new key-encryption key replaces the one in %s", cfg.kekFile())
	}
	stores, err := OpenStores(ctx, cfg)
	if err != nil {
		return KEKRotation{}, err
	}
	defer func() { _ = stores.Close(context.WithoutCancel(ctx)) }()
	cur, prev, err := loadKEK(ctx, cfg, stores.Licenses, log)
	if err != nil {
		return KEKRotation{}, err
	}
	// Every key must open, and end up sealed with the current key, before
	// anything changes.
	if err := loadKeys(ctx, stores, kek.NewRing(cur, prev...)); err != nil {
		return KEKRotation{}, kekError(cfg, err)
	}
	next, err := kek.Generate()
	if err != nil {
		return KEKRotation{}, err
	}
	rot := KEKRotation{From: cur.ID(), To: next.ID(), File: out, Env: cfg.KEK != ""}
	if rot.Env {
		rot.Sealed, err = rotateEnv(ctx, stores, cur, next, out)
	} else {
		rot.File = cfg.kekFile()
		rot.Sealed, err = rotateFile(ctx, stores, cur, next, rot.File, len(prev) > 0)
	}
	return rot, err
}

// loadKeys loads the stored keys with sealer, as a start would: the
// token keys, then the publishers' build keys, each sealed again where it
// was sealed with a previous key-encryption key.
func loadKeys(ctx context.Context, stores *Stores, sealer *kek.Ring) error {
	if err := licensing.NewKeyRing(stores.Licenses, sealer, keyReload).Load(ctx); err != nil {
		return err
	}
	_, err := publisher.NewBuildKeys(stores.Publishers, sealer, nil, "").SealStored(ctx)
	return err
}

// reseal seals every stored key with next (opening those sealed with cur)
// and checks that they all open with next alone.
func reseal(ctx context.Context, stores *Stores, cur, next *kek.Key) (int, error) {
	ring := kek.NewRing(cur).Next(next)
	n, err := licensing.NewKeyRing(stores.Licenses, ring, keyReload).SealStored(ctx)
	if err != nil {
		return n, err
	}
	built, err := publisher.NewBuildKeys(stores.Publishers, ring, nil, "").SealStored(ctx)
	if err != nil {
		return n + built, err
	}
	return n + built, loadKeys(ctx, stores, kek.NewRing(next))
}

// rotateEnv writes next to the new file out and seals the keys with it;
// on failure it seals them back with cur, which BERTH_KEK still gives.
func rotateEnv(ctx context.Context, store *Stores, cur, next *kek.Key, out string) (int, error) {
	if err := kek.WriteFile(out, next); err != nil {
		return 0, fmt.Errorf("--out: %w", err)
	}
	n, err := reseal(ctx, store, cur, next)
	if err == nil {
		return n, nil
	}
	if _, back := reseal(ctx, store, next, cur); back != nil {
		return 0, fmt.Errorf("sealing with the new key-encryption key: %w; sealing back with the previous one failed too (%v): keep both %s and BERTH_KEK", err, back, out)
	}
	_ = os.Remove(out)
	return 0, fmt.Errorf("sealing with the new key-encryption key: %w; the keys are sealed with BERTH_KEK as before", err)
}

// rotateFile puts next in the KEK file at path, keeping cur in path.old,
// seals the keys with next, and removes path.old. An unfinished earlier
// rotation's path.old (hadOld) holds nothing needed any more: loading
// sealed every key with cur.
func rotateFile(ctx context.Context, store *Stores, cur, next *kek.Key, path string, hadOld bool) (int, error) {
	old, fresh := path+".old", path+".new"
	if hadOld {
		if err := loadKeys(ctx, store, kek.NewRing(cur)); err != nil {
			return 0, fmt.Errorf("finishing an earlier rotation (%s): %w", old, err)
		}
		if err := os.Remove(old); err != nil {
			return 0, fmt.Errorf("finishing an earlier rotation: %w", err)
		}
	}
	if err := os.Remove(fresh); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("BERTH_KEK_FILE: %w", err)
	}
	if err := kek.WriteFile(fresh, next); err != nil {
		return 0, fmt.Errorf("BERTH_KEK_FILE: %w", err)
	}
	// A hard link keeps the previous key while the rename swaps the new one
	// in: at every moment path holds a key that opens what is stored.
	if err := os.Link(path, old); err != nil {
		return 0, fmt.Errorf("BERTH_KEK_FILE: keeping the previous key: %w", err)
	}
	if err := os.Rename(fresh, path); err != nil {
		return 0, fmt.Errorf("BERTH_KEK_FILE: %w", err)
	}
	syncDir(filepath.Dir(path))
	n, err := reseal(ctx, store, cur, next)
	if err != nil {
		return n, fmt.Errorf("sealing with the new key-encryption key: %w; the previous key stays in %s and Berth opens keys sealed with either: run rotate-kek again", err, old)
	}
	if err := os.Remove(old); err != nil {
		return n, fmt.Errorf("removing the previous key-encryption key: %w", err)
	}
	syncDir(filepath.Dir(path))
	return n, nil
}

// syncDir makes renames in dir durable where the system allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
