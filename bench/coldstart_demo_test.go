package bench

import (
	"testing"

	"github.com/berth/berth/server"
)

// BenchmarkColdStartDemo measures a newcomer's first `berth serve --demo`:
// an empty data directory to /readyz = 200, the demo catalog seeded (every
// image pushed, counter-signed by Berth and in the catalog). The goal is
// under 3 s on the project's standard machine. Shutdown is not timed.
func BenchmarkColdStartDemo(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_, stop := running(b, func(c *server.Config) { c.Demo = true })
		b.StopTimer()
		stop()
		b.StartTimer()
	}
}
