//go:build failpoint

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
