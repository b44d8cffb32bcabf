package scanning_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// fakeModule is a module served by the test's own file GOPROXY: a real
// module path and version, so the binary's build info names exactly what a
// vulnerable build would, with a one-function package as its content.
type fakeModule struct {
	Path, Version, Pkg string
}

// fixtureModules are the Go modules the fixture binary is built with. The
// versions are chosen against the real golang.org/x/vulndb records copied
// into testdata/vulndb/go (see expected.json).
var fixtureModules = []fakeModule{
	{Path: "golang.org/x/text", Version: "v0.3.5", Pkg: "language"},
	{Path: "github.com/gin-gonic/gin", Version: "v1.7.0", Pkg: ""},
	// 0.9.0 is older than 0.17.0 in SemVer but not as a string.
	{Path: "golang.org/x/crypto", Version: "v0.9.0", Pkg: "ssh"},
	{Path: "example.com/clean", Version: "v1.2.3", Pkg: ""},
}

// buildGoBinary compiles a small program with fixtureModules in its build
// info, offline: the modules come from a file GOPROXY in a temporary
// directory with its own module cache, so nothing fake reaches the shared
// cache and nothing is fetched.
func buildGoBinary(t testing.TB) []byte {
	t.Helper()
	dir := t.TempDir()
	proxy := filepath.Join(dir, "proxy")
	var imports, calls, requires strings.Builder
	for i, m := range fixtureModules {
		serveModule(t, proxy, m)
		pkg := strings.TrimSuffix(m.Path+"/"+m.Pkg, "/")
		alias := "m" + string(rune('a'+i))
		imports.WriteString("\t" + alias + " \"" + pkg + "\"\n")
		calls.WriteString("\tprintln(" + alias + ".Name())\n")
		requires.WriteString("require " + m.Path + " " + m.Version + "\n")
	}
	app := filepath.Join(dir, "app")
	write(t, filepath.Join(app, "go.mod"), "module example.com/fixture/app\n\ngo 1.26\n\n"+requires.String())
	write(t, filepath.Join(app, "main.go"), "package main\n\nimport (\n"+imports.String()+")\n\nfunc main() {\n"+calls.String()+"}\n")
	cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", filepath.Join(dir, "app.bin"), ".")
	cmd.Dir = app
	cmd.Env = append(os.Environ(), "GOPROXY=file://"+filepath.ToSlash(proxy), "GOSUMDB=off", "GOFLAGS=-mod=mod -modcacherw",
		"GOWORK=off", "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOMODCACHE="+filepath.Join(dir, "modcache"),
		"GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the fixture binary: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "app.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serveModule lays m out in proxy as the GOPROXY protocol expects.
func serveModule(t testing.TB, proxy string, m fakeModule) {
	t.Helper()
	src := filepath.Join(proxy, "src", m.Path)
	gomod := "module " + m.Path + "\n\ngo 1.22\n"
	write(t, filepath.Join(src, "go.mod"), gomod)
	name := filepath.Base(m.Path)
	if m.Pkg != "" {
		name = m.Pkg
	}
	pkgName := strings.ReplaceAll(name, "-", "")
	write(t, filepath.Join(src, m.Pkg, pkgName+".go"),
		"package "+pkgName+"\n\n// Name names the module.\nfunc Name() string { return \""+m.Path+"@"+m.Version+"\" }\n")
	esc, err := module.EscapePath(m.Path)
	if err != nil {
		t.Fatal(err)
	}
	at := filepath.Join(proxy, esc, "@v")
	info, _ := json.Marshal(map[string]string{"Version": m.Version, "Time": "2021-01-01T00:00:00Z"})
	write(t, filepath.Join(at, m.Version+".info"), string(info))
	write(t, filepath.Join(at, m.Version+".mod"), gomod)
	write(t, filepath.Join(at, "list"), m.Version+"\n")
	var zb bytes.Buffer
	if err := modzip.CreateFromDir(&zb, module.Version{Path: m.Path, Version: m.Version}, src); err != nil {
		t.Fatalf("zipping %s: %v", m.Path, err)
	}
	write(t, filepath.Join(at, m.Version+".zip"), zb.String())
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
