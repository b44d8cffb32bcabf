package demo

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
	"time"
)

// file is one entry of a generated layer. A non-empty link makes a symlink;
// a nil body with an empty link makes a directory.
type file struct {
	path string
	mode int64
	uid  int
	body []byte
	link string
}

// regular returns a root-owned regular file.
func regular(p string, mode int64, body []byte) file {
	return file{path: p, mode: mode, body: body}
}

// dir returns a directory owned by uid.
func dir(p string, uid int) file {
	return file{path: p, mode: 0o755, uid: uid}
}

// symlink returns a symbolic link at p pointing to target.
func symlink(p, target string) file {
	return file{path: p, mode: 0o777, link: target}
}

// newRand returns a generator whose output depends only on the parts, so a
// layer built twice from the same repository, tag and index is byte-identical.
// ChaCha8's stream is specified, so it is stable across Go releases.
func newRand(parts ...string) *rand.ChaCha8 {
	return rand.NewChaCha8(sha256.Sum256([]byte(strings.Join(parts, "\x00"))))
}

// symbols is the vocabulary of the readable sections of generated binaries.
var symbols = strings.Fields(`main.main main.run runtime.gcStart runtime.mallocgc
	runtime.newproc net/http.(*Server).Serve crypto/tls.(*Conn).Handshake
	encoding/json.Unmarshal os.OpenFile sync.(*Mutex).Lock .text .rodata .data
	.bss .symtab .strtab GLIBC_2.34 __libc_start_main memcpy pthread_create
	SSL_CTX_new EVP_DigestInit_ex deflateInit2_ inflate getaddrinfo epoll_wait`)

// binary returns size bytes that look like an executable: an ELF header, then
// 4 KiB pages that are either incompressible machine code or string tables,
// so a binary compresses to roughly half its size as real ones do.
func binary(r *rand.ChaCha8, size int) []byte {
	var b bytes.Buffer
	b.WriteString("\x7fELF\x02\x01\x01\x00")
	b.Write(make([]byte, 56))
	page := make([]byte, 4096)
	for b.Len() < size {
		if r.Uint64()%2 == 0 {
			_, _ = r.Read(page)
			b.Write(page)
			continue
		}
		for n := 0; n < len(page); {
			s := symbols[r.Uint64()%uint64(len(symbols))]
			n += len(s) + 1
			b.WriteString(s)
			b.WriteByte(0)
		}
	}
	return b.Bytes()[:size]
}

// pemBundle returns n certificates' worth of PEM text, like a CA bundle.
func pemBundle(r *rand.ChaCha8, n int) []byte {
	var b bytes.Buffer
	der := make([]byte, 864)
	for i := range n {
		_, _ = r.Read(der)
		fmt.Fprintf(&b, "# Demo Root CA %d\n-----BEGIN CERTIFICATE-----\n", i+1)
		enc := base64.StdEncoding.EncodeToString(der)
		for len(enc) > 64 {
			b.WriteString(enc[:64] + "\n")
			enc = enc[64:]
		}
		b.WriteString(enc + "\n-----END CERTIFICATE-----\n\n")
	}
	return b.Bytes()
}

// reference returns n commented-out settings, the documented defaults a
// shipped configuration file usually carries below the active ones.
func reference(r *rand.ChaCha8, n int) string {
	words := strings.Fields(`buffer cache client compaction connection deadline flush heartbeat
		idle interval limit listener memory metrics peer pool queue replica retry
		segment session shard snapshot socket threshold timeout tls worker`)
	pick := func() string { return words[r.Uint64()%uint64(len(words))] }
	var b strings.Builder
	b.WriteString("\n# Reference: every setting with its default.\n")
	for range n {
		key := pick() + "_" + pick()
		fmt.Fprintf(&b, "#\n# %s sets the %s %s of each %s.\n# %s = %d\n",
			key, pick(), pick(), pick(), key, r.Uint64()%4096)
	}
	return b.String()
}

// text joins lines into a file body ending in a newline.
func text(lines ...string) []byte {
	return []byte(strings.Join(lines, "\n") + "\n")
}

// compressedLayer is a gzip-compressed tar stream and its uncompressed digest.
type compressedLayer struct {
	gz     []byte
	diffID string
}

// tarGzip writes files (parent directories first) into a gzip tarball. Every
// header carries modTime and gzip's header carries no time, so the bytes, and
// thus the layer digest, depend only on the files.
func tarGzip(files []file, modTime time.Time) (compressedLayer, error) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	seen := map[string]bool{}
	for _, f := range files {
		for _, d := range parents(f.path) {
			if !seen[d] {
				seen[d] = true
				if err := writeEntry(tw, dir(d, 0), modTime); err != nil {
					return compressedLayer{}, err
				}
			}
		}
		if seen[f.path] {
			continue
		}
		seen[f.path] = true
		if err := writeEntry(tw, f, modTime); err != nil {
			return compressedLayer{}, err
		}
	}
	if err := tw.Close(); err != nil {
		return compressedLayer{}, fmt.Errorf("closing tar: %w", err)
	}
	sum := sha256.Sum256(raw.Bytes())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return compressedLayer{}, fmt.Errorf("compressing layer: %w", err)
	}
	if err := zw.Close(); err != nil {
		return compressedLayer{}, fmt.Errorf("compressing layer: %w", err)
	}
	return compressedLayer{gz: gz.Bytes(), diffID: fmt.Sprintf("%x", sum)}, nil
}

// parents lists the directories above p, outermost first, without "/".
func parents(p string) []string {
	var out []string
	for d := path.Dir(strings.TrimPrefix(p, "/")); d != "."; d = path.Dir(d) {
		out = append([]string{d}, out...)
	}
	return out
}

// writeEntry writes one tar header and body; names are relative, as docker's are.
func writeEntry(tw *tar.Writer, f file, modTime time.Time) error {
	hdr := &tar.Header{
		Name:    strings.TrimPrefix(f.path, "/"),
		Mode:    f.mode,
		Uid:     f.uid,
		Gid:     f.uid,
		ModTime: modTime,
		Format:  tar.FormatPAX,
	}
	switch {
	case f.link != "":
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, f.link
	case f.body == nil:
		hdr.Typeflag, hdr.Name = tar.TypeDir, hdr.Name+"/"
	default:
		hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(f.body))
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("writing tar header %s: %w", f.path, err)
	}
	if _, err := tw.Write(f.body); err != nil {
		return fmt.Errorf("writing %s: %w", f.path, err)
	}
	return nil
}
