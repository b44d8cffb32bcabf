package builds

import (
	"context"
	"fmt"
	"io"
)

// pinHostKey trusts an ssh server's host key on first use, as ssh's
// known_hosts does: after a clone of repo's source that pinned no key, the
// key the server showed (co's HostKey) is stored in the repository's
// settings, so that every later fetch refuses a server showing another
// one. It pins only while the settings still name the source that was
// fetched and still pin nothing; a failure to store is logged, not fatal
// to the build.
func (s *Service) pinHostKey(ctx context.Context, repo string, fetched Source, key string, log io.Writer) {
	if key == "" || fetched.HostKey != "" {
		return
	}
	st, err := s.Settings(ctx, repo)
	if err != nil {
		s.d.Log.Warn("builds: reading settings to pin an ssh host key failed", "repository", repo, "err", err)
		return
	}
	if st.Config.Source.URL != fetched.URL || st.Config.Source.HostKey != "" {
		return
	}
	st.Config.Source.HostKey, st.UpdatedAt = key, s.now().UTC()
	if err := s.put(ctx, &st); err != nil {
		s.d.Log.Warn("builds: pinning an ssh host key failed", "repository", repo, "err", err)
		return
	}
	fmt.Fprintf(log, "[berth: trusting the ssh server's host key on first use; later fetches must show it: %s]\n", key)
}
