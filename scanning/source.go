package scanning

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MaxRecordBytes caps one OSV file: the largest real records (the Go
// standard library's) are under 100 KiB, so a bigger file is a mistake or
// an attack, not an advisory.
const MaxRecordBytes = 4 << 20

// ErrBadSource is wrapped by errors about the import path itself: not a
// directory, zip or tar.gz, or holding a file that is not an OSV record.
var ErrBadSource = errors.New("bad vulnerability database source")

// readSource calls fn with the name and bytes of every .json file under
// path: a directory (walked recursively), a .zip, or a .tar.gz/.tgz, the
// forms OSV databases are shipped in.
func readSource(path string, fn func(name string, b []byte) error) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadSource, err)
	}
	switch lower := strings.ToLower(path); {
	case st.IsDir():
		return readDir(path, fn)
	case strings.HasSuffix(lower, ".zip"):
		return readZip(path, fn)
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		return readTarGz(path, fn)
	}
	return fmt.Errorf("%w: %s is not a directory, .zip or .tar.gz", ErrBadSource, path)
}

func readDir(root string, fn func(string, []byte) error) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isJSON(p) {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := readCapped(p, f)
		if err != nil {
			return err
		}
		return fn(p, b)
	})
}

func readZip(path string, fn func(string, []byte) error) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadSource, path, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !isJSON(f.Name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadSource, f.Name, err)
		}
		b, err := readCapped(f.Name, rc)
		rc.Close()
		if err != nil {
			return err
		}
		if err := fn(f.Name, b); err != nil {
			return err
		}
	}
	return nil
}

func readTarGz(path string, fn func(string, []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadSource, err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadSource, path, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadSource, path, err)
		}
		if h.Typeflag != tar.TypeReg || !isJSON(h.Name) {
			continue
		}
		b, err := readCapped(h.Name, tr)
		if err != nil {
			return err
		}
		if err := fn(h.Name, b); err != nil {
			return err
		}
	}
}

func isJSON(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".json") }

func readCapped(name string, r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxRecordBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrBadSource, name, err)
	}
	if len(b) > MaxRecordBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadSource, name, MaxRecordBytes)
	}
	return b, nil
}
