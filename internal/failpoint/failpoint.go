// Package failpoint lets end-to-end tests kill the process at a named point,
// the way a crash or a kill -9 would, to prove that work interrupted there is
// completed exactly once when retried. A failpoint fires only when the
// process was started with BERTH_FAILPOINT naming it; otherwise Hit does
// nothing.
package failpoint

import (
	"fmt"
	"os"
)

// armed is the failpoint named in the environment at start.
var armed = os.Getenv("BERTH_FAILPOINT")

// Hit ends the process at once, without cleanup, when name is armed.
func Hit(name string) {
	if armed != "" && armed == name {
		fmt.Fprintf(os.Stderr, "failpoint %s: exiting\n", name)
		os.Exit(86)
	}
}
