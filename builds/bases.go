package builds

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	dfparser "github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// maxDockerfile bounds the Dockerfile BaseImages reads; real ones are a
// few kilobytes.
const maxDockerfile = 1 << 20

// builtinArgs are the platform arguments BuildKit defines for every FROM
// line, as a linux/amd64 builder sets them; build arguments override them.
var builtinArgs = map[string]string{
	"BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64", "BUILDVARIANT": "",
	"TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "TARGETVARIANT": "",
}

// BaseImages returns the images dockerfile's FROM lines pull, in order,
// each once, as the builder will resolve them: ARGs declared before the
// first FROM expand in FROM lines (their defaults, or buildArgs where
// given), a FROM naming an earlier stage builds on that stage and pulls
// nothing, and "scratch" is no image. A FROM that expands to nothing, or
// a Dockerfile that does not parse, is an error naming the line.
func BaseImages(dockerfile []byte, buildArgs map[string]string) ([]string, error) {
	if len(dockerfile) > maxDockerfile {
		return nil, fmt.Errorf("the Dockerfile is larger than %d bytes", maxDockerfile)
	}
	res, err := dfparser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		return nil, fmt.Errorf("parsing the Dockerfile: %w", err)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, linter.New(&linter.Config{SkipAll: true}))
	if err != nil {
		return nil, fmt.Errorf("parsing the Dockerfile: %w", err)
	}
	lex := shell.NewLex(res.EscapeToken)
	env, err := metaEnv(lex, metaArgs, buildArgs)
	if err != nil {
		return nil, err
	}
	var out []string
	var named []string // stage names so far, lower case
	for _, st := range stages {
		base, _, err := lex.ProcessWord(st.BaseName, env)
		if err != nil {
			return nil, fmt.Errorf("line %d: expanding FROM %s: %w", line(st), st.BaseName, err)
		}
		if base == "" {
			return nil, fmt.Errorf("line %d: FROM %s expands to nothing: set the build argument it names", line(st), st.BaseName)
		}
		lower := strings.ToLower(base)
		if lower != "scratch" && !slices.Contains(named, lower) && !slices.Contains(out, base) {
			out = append(out, base)
		}
		if st.Name != "" {
			named = append(named, strings.ToLower(st.Name))
		}
	}
	return out, nil
}

// metaEnv returns the variables FROM lines expand: the platform
// arguments, then each ARG before the first FROM, its default expanded
// with the ones before it, overridden by a build argument of its name.
func metaEnv(lex *shell.Lex, metaArgs []instructions.ArgCommand, buildArgs map[string]string) (shell.EnvGetter, error) {
	vars := map[string]string{}
	for k, v := range builtinArgs {
		if over, ok := buildArgs[k]; ok {
			v = over
		}
		vars[k] = v
	}
	for _, cmd := range metaArgs {
		for _, kv := range cmd.Args {
			if v, ok := buildArgs[kv.Key]; ok {
				vars[kv.Key] = v
				continue
			}
			if kv.Value == nil {
				delete(vars, kv.Key) // declared without a default: unset
				continue
			}
			v, _, err := lex.ProcessWord(*kv.Value, envOf(vars))
			if err != nil {
				return nil, fmt.Errorf("expanding ARG %s: %w", kv.Key, err)
			}
			vars[kv.Key] = v
		}
	}
	return envOf(vars), nil
}

// envOf turns vars into what the shell lexer reads.
func envOf(vars map[string]string) shell.EnvGetter {
	list := make([]string, 0, len(vars))
	for k, v := range vars {
		list = append(list, k+"="+v)
	}
	return shell.EnvsFromSlice(list)
}

// line is the Dockerfile line a stage's FROM starts on.
func line(st instructions.Stage) int {
	if len(st.Location) == 0 {
		return 0
	}
	return st.Location[0].Start.Line
}
