// Package failpoint lets end-to-end tests kill the process at a named point,
// the way a crash or a kill -9 would, to prove that work interrupted there is
// completed exactly once when retried.
//
// Failpoints exist only in a binary built with the build tag failpoint (the
// crash tests build berth with `go build -tags failpoint`): there a
// failpoint fires when the process was started with BERTH_FAILPOINT naming
// it. In every other build Hit does nothing and nothing reads the
// environment.
package failpoint
