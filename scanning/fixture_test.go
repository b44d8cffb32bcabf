package scanning_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// file is one entry of a fixture layer.
type file struct {
	path string
	mode int64
	body []byte
}

// layer builds an uncompressed-tar layer holding files.
func layer(t testing.TB, files ...file) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		if err := tw.WriteHeader(&tar.Header{Name: f.path, Mode: mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// image stacks layers on an empty linux/amd64 image.
func image(t testing.TB, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

const debianOSRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`

// dpkgStatus holds two binary packages of the openssl source, packages
// whose source differs from their name, and one removed package whose
// config files remain (not installed, so not in the inventory).
const dpkgStatus = `Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: 3.0.11-1~deb12u1
Description: Secure Sockets Layer toolkit - shared libraries

Package: openssl
Status: install ok installed
Architecture: amd64
Version: 3.0.11-1~deb12u1
Description: Secure Sockets Layer toolkit - cryptographic utility

Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1
Description: compression library - runtime

Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u3
Description: GNU C Library: Shared libraries

Package: tar
Status: install ok installed
Architecture: amd64
Version: 1.34+dfsg-1.2+deb12u1
Description: GNU version of the tar archiving utility

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
Description: removed, configuration kept
`

const alpineOSRelease = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
`

const apkInstalled = `P:musl
V:1.2.4-r2
A:x86_64
L:MIT
o:musl
T:the musl c library (libc) implementation

P:busybox
V:1.36.1-r15
A:x86_64
L:GPL-2.0-only
o:busybox
T:Size optimized toolbox of many common UNIX utilities

P:libcrypto3
V:3.1.4-r1
A:x86_64
L:Apache-2.0
o:openssl
T:Crypto library from openssl

`

const lodashPackageJSON = `{"name": "lodash", "version": "4.17.15", "license": "MIT", "description": "Lodash modular utilities."}`

const requestsMetadata = `Metadata-Version: 2.1
Name: requests
Version: 2.19.0
Summary: Python HTTP for Humans.
License: Apache 2.0
`

// fixtureImages builds the two images the fixture set describes: a Debian
// image with a dpkg base layer, a Go binary layer and a layer of npm and
// pip packages; and an Alpine image with one apk layer.
func fixtureImages(t testing.TB) map[string]v1.Image {
	t.Helper()
	return map[string]v1.Image{
		"debian": image(t,
			layer(t, file{path: "etc/os-release", body: []byte(debianOSRelease)},
				file{path: "var/lib/dpkg/status", body: []byte(dpkgStatus)}),
			layer(t, file{path: "usr/local/bin/app", mode: 0o755, body: goBinary(t)}),
			layer(t, file{path: "app/node_modules/lodash/package.json", body: []byte(lodashPackageJSON)},
				file{path: "usr/lib/python3/dist-packages/requests-2.19.0.dist-info/METADATA", body: []byte(requestsMetadata)})),
		"alpine": image(t,
			layer(t, file{path: "etc/os-release", body: []byte(alpineOSRelease)},
				file{path: "lib/apk/db/installed", body: []byte(apkInstalled)})),
	}
}

var (
	binaryOnce sync.Once
	binary     []byte
	binaryErr  string
)

// goBinary builds the fixture Go binary once per test run: it is the slow
// part of the fixtures.
func goBinary(t testing.TB) []byte {
	t.Helper()
	binaryOnce.Do(func() {
		rec := &recorder{TB: t}
		func() {
			defer func() { _ = recover() }()
			binary = buildGoBinary(rec)
		}()
		binaryErr = rec.msg
	})
	if binary == nil {
		t.Fatalf("fixture binary: %s", binaryErr)
	}
	return binary
}

// recorder keeps a fatal message instead of ending the first caller's test,
// so every test that needs the binary reports the same failure.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(r.msg)
}

func (r *recorder) Fatal(args ...any) {
	r.msg = fmt.Sprint(args...)
	panic(r.msg)
}
