package builds

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBaseImages(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name       string
		dockerfile string
		args       map[string]string
		want       []string
	}{
		{name: "one FROM", dockerfile: "FROM acme/db:1.4\nRUN true\n", want: []string{"acme/db:1.4"}},
		{name: "multi-stage: a stage name is no image",
			dockerfile: "FROM acme/sdk:2 AS build\nRUN make\nFROM Build AS test\nFROM acme/runtime:2\nCOPY --from=build /app /app\n",
			want:       []string{"acme/sdk:2", "acme/runtime:2"}},
		{name: "a later stage's name used before it is an image",
			dockerfile: "FROM base\nFROM acme/x AS base\n",
			want:       []string{"base", "acme/x"}},
		{name: "scratch is no image", dockerfile: "FROM scratch\nCOPY app /\nFROM SCRATCH\n", want: nil},
		{name: "ARG default", dockerfile: "ARG TAG=1.4\nARG REPO=acme/db\nFROM ${REPO}:$TAG\n", want: []string{"acme/db:1.4"}},
		{name: "build argument overrides the default",
			dockerfile: "ARG TAG=1.4\nFROM acme/db:${TAG}\n", args: map[string]string{"TAG": "2.0"},
			want: []string{"acme/db:2.0"}},
		{name: "an ARG default names an earlier ARG",
			dockerfile: "ARG MAJOR=3\nARG TAG=${MAJOR}.1\nFROM acme/db:$TAG\n", want: []string{"acme/db:3.1"}},
		{name: "an ARG after the first FROM does not reach FROM lines",
			dockerfile: "ARG V=1\nFROM acme/a:$V\nARG V=2\nFROM acme/b:$V\n", want: []string{"acme/a:1", "acme/b:1"}},
		{name: "a build argument not declared is ignored",
			dockerfile: "FROM acme/db:${TAG:-1.0}\n", args: map[string]string{"TAG": "9"}, want: []string{"acme/db:1.0"}},
		{name: "--platform is no part of the image",
			dockerfile: "FROM --platform=$BUILDPLATFORM acme/go:1.23 AS build\nFROM --platform=linux/arm64 acme/base:1\n",
			want:       []string{"acme/go:1.23", "acme/base:1"}},
		{name: "platform arguments expand", dockerfile: "FROM acme/base:1-${TARGETARCH}\n", want: []string{"acme/base:1-amd64"}},
		{name: "digest refs stay as written",
			dockerfile: "FROM localhost:5000/acme/db@" + digest + "\nFROM acme/db:1.4@" + digest + "\n",
			want:       []string{"localhost:5000/acme/db@" + digest, "acme/db:1.4@" + digest}},
		{name: "each image once", dockerfile: "FROM acme/db:1.4 AS a\nFROM acme/db:1.4 AS b\n", want: []string{"acme/db:1.4"}},
		{name: "comments, continuations and parser directives",
			dockerfile: "# syntax=docker/dockerfile:1\n# escape=`\n# base\nFROM `\n  acme/db:1.4\n",
			want:       []string{"acme/db:1.4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BaseImages([]byte(tt.dockerfile), tt.args)
			if err != nil {
				t.Fatalf("BaseImages: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("BaseImages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBaseImagesRefuses(t *testing.T) {
	for name, tt := range map[string]struct{ dockerfile, want string }{
		"no FROM":                   {"RUN true\n", "parsing the Dockerfile"},
		"FROM expanding to nothing": {"ARG BASE\nFROM $BASE\n", "line 2: FROM $BASE expands to nothing"},
		"FROM without an image":     {"FROM\n", "parsing the Dockerfile"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := BaseImages([]byte(tt.dockerfile), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("BaseImages(%q) error = %v; want one containing %q", tt.dockerfile, err, tt.want)
			}
		})
	}
}

func TestSplitRef(t *testing.T) {
	const digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for ref, want := range map[string][3]string{
		"acme/db:1.4":                      {"", "acme/db", "1.4"},
		"acme/db":                          {"", "acme/db", "latest"},
		"localhost:5000/acme/db:1.4":       {"localhost:5000", "acme/db", "1.4"},
		"localhost/acme/db":                {"localhost", "acme/db", "latest"},
		"docker.io/library/alpine:3":       {"docker.io", "library/alpine", "3"},
		"acme/db:1.4" + digest:             {"", "acme/db", digest},
		"reg.example.com:443/a/b" + digest: {"reg.example.com:443", "a/b", digest},
	} {
		host, repo, reference, err := splitRef(ref)
		if err != nil || [3]string{host, repo, reference} != want {
			t.Errorf("splitRef(%q) = %q, %q, %q, %v; want %q", ref, host, repo, reference, err, want)
		}
	}
	for _, bad := range []string{"acme/db@sha256:abc", "", "acme/db:1.4@md5:00"} {
		if _, _, _, err := splitRef(bad); err == nil {
			t.Errorf("splitRef(%q) accepted", bad)
		}
	}
}
