package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/berth/berth/server"
)

const usage = `berth — a container-image marketplace and its registry

Usage:
  berth serve [--demo] [flags]          run the store, its registry and its database
  berth seed --demo [flags]             seed the demo catalog (idempotent)
  berth user create --username U --email E [--admin]   (password on standard input)
  berth license grant --user U --product P --tier T [--expires 720h|2027-01-01]
  berth license revoke LICENSE-ID
  berth license list --user U
  berth license verify FILE [--root PEM]   check a license file offline
  berth publisher add-member --publisher P --user U
  berth keys rotate                     add a new token signing key (no restart anywhere)
  berth keys list                       the signing keys and which are in use
  berth keys rotate-kek [--out FILE]    seal every private key with a new key-encryption key
  berth registry gc [--untagged]        reclaim deleted images' storage (stop Berth first)
  berth healthcheck                     exit 0 when the local server answers /healthz

Every flag mirrors a BERTH_* variable; run "berth serve -h" for the list.
`

// errUsage marks a command line that was not understood.
var errUsage = errors.New("see usage above")

// run is the whole program: it parses args and runs one subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	if cmd == "user" || cmd == "license" || cmd == "publisher" || cmd == "keys" || cmd == "registry" {
		if len(rest) == 0 {
			fmt.Fprint(stderr, usage)
			return errUsage
		}
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	c := &command{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	commands := map[string]func(context.Context, []string) error{
		"serve":                c.serve,
		"seed":                 c.seed,
		"user create":          c.userCreate,
		"license grant":        c.licenseGrant,
		"license revoke":       c.licenseRevoke,
		"license list":         c.licenseList,
		"license verify":       c.licenseVerify,
		"publisher add-member": c.publisherAddMember,
		"keys rotate":          c.keysRotate,
		"keys list":            c.keysList,
		"keys rotate-kek":      c.keysRotateKEK,
		"registry gc":          c.registryGC,
		"healthcheck":          c.healthcheck,
	}
	if f, ok := commands[cmd]; ok {
		return helpAsked(f(ctx, rest))
	}
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q: %w", cmd, errUsage)
}

// helpAsked turns the flag package's "-h" answer (it has printed the flags)
// into success.
func helpAsked(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// command carries the process's environment and streams to subcommands.
type command struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// parse registers the config flags plus extra on a new flag set and parses args.
func (c *command) parse(name string, args []string, extra func(fs *flag.FlagSet)) (*server.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfg, envErr := configFlags(fs, c.getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if err := envErr(); err != nil {
		return nil, nil, err
	}
	return cfg, fs, nil
}

func (c *command) serve(ctx context.Context, args []string) error {
	cfg, _, err := c.parse("serve", args, nil)
	if err != nil {
		return err
	}
	log := newLogger(cfg, c.stderr)
	s, err := server.New(ctx, *cfg, log)
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

func (c *command) seed(ctx context.Context, args []string) error {
	cfg, _, err := c.parse("seed", args, nil)
	if err != nil {
		return err
	}
	if !cfg.Demo {
		return fmt.Errorf("seed: only the demo catalog can be seeded; pass --demo: %w", errUsage)
	}
	return server.SeedDemo(ctx, *cfg, newLogger(cfg, c.stderr))
}
