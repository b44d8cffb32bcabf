package kek

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ReadFile reads the KEK kept in the file at path. A missing file is an
// error that matches fs.ErrNotExist.
func ReadFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the key-encryption key: %w", err)
	}
	k, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("reading the key-encryption key in %s: %w", path, err)
	}
	return k, nil
}

// WriteFile writes k to a new file at path readable by its owner only
// (0600), creating its directory (0700) if needed. It never replaces a file:
// an existing path is an error matching fs.ErrExist.
func WriteFile(path string, k *Key) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the directory of %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing the key-encryption key: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("writing the key-encryption key to %s: %w", path, cerr)
		}
		if err != nil {
			_ = os.Remove(path)
		}
	}()
	if _, err := f.WriteString(k.Encode()); err != nil {
		return fmt.Errorf("writing the key-encryption key to %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing the key-encryption key to %s: %w", path, err)
	}
	return nil
}

// Exists reports whether a file is at path; an error other than its absence
// is returned.
func Exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("looking for %s: %w", path, err)
	}
	return true, nil
}
