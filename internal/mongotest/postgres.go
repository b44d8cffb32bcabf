package mongotest

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// postgres is a private PostgreSQL cluster: its data directory and unix
// socket live under the test server's directory, it listens on no TCP
// port, and it trusts local connections.
type postgres struct {
	url  string // postgres://postgres@/postgres?host=<socket dir>
	cmd  *exec.Cmd
	done chan struct{}
}

// binDir finds Debian's PostgreSQL server programs.
func binDir() (string, error) {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", errors.New("no PostgreSQL server (initdb) here: install Debian's postgresql (./scripts/test does)")
	}
	return filepath.Dir(found[len(found)-1]), nil
}

// startPostgres initialises and starts a cluster under dir. PostgreSQL
// refuses to run as root, so as root the cluster belongs to, and runs as,
// the postgres account Debian's package creates.
func startPostgres(dir string) (*postgres, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	data, sock := filepath.Join(dir, "pgdata"), filepath.Join(dir, "pgsock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL will not run as root, and there is no postgres account: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for _, d := range []string{dir, sock} {
			if err := os.Chown(d, uid, gid); err != nil {
				return nil, err
			}
		}
	}
	as := func(cmd *exec.Cmd) *exec.Cmd {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		return cmd
	}
	if out, err := as(exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	cmd := as(exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", sock, "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"))
	log, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting postgres: %w", err)
	}
	pg := &postgres{cmd: cmd, done: make(chan struct{}),
		url: (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres", RawQuery: "host=" + url.QueryEscape(sock)}).String()}
	go func() { _ = cmd.Wait(); log.Close(); close(pg.done) }()
	for deadline := time.Now().Add(startTimeout); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(sock, ".s.PGSQL.5432")); err == nil {
			return pg, nil
		}
		select {
		case <-pg.done:
			out, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			return nil, fmt.Errorf("postgres exited: %s", out)
		default:
		}
		if time.Now().After(deadline) {
			pg.stop()
			return nil, errors.New("postgres did not open its socket in time")
		}
	}
}

// stop shuts the cluster down (fast shutdown) and waits for it.
func (p *postgres) stop() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
