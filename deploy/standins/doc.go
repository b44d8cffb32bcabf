// Package standins holds the stand-ins the compose stack's CI override
// (docker-compose.ci.yml) runs in place of the production images it cannot
// pull: ferretdb for mongo, s3 for minio. Each is a static Go binary in a
// FROM scratch image, with a healthcheck subcommand that probes the server
// over loopback, since a scratch image has no shell. They are not part of
// the berth binary.
package standins
