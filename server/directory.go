package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/berth/berth/access"
	"github.com/berth/berth/account"
	"github.com/berth/berth/audit"
	"github.com/berth/berth/directory"
	"github.com/berth/berth/frontend"
	"github.com/berth/berth/jobs"
	"github.com/berth/berth/licensing"
)

// Directory is the company directory as the server wires it: the LDAP
// directory's service (nil when BERTH_LDAP_URL is unset) and one service
// per OpenID Connect provider. Frontend and token server share these
// services, so a password verified for a pull and one typed on the sign-in
// page follow the same rules.
type Directory struct {
	Settings directory.Settings
	// LDAP signs in with directory passwords; nil when no LDAP is set.
	LDAP *directory.Service
	// OIDC are the configured providers, in BERTH_OIDC_PROVIDERS order.
	OIDC []OIDCProvider
	ldap *directory.LDAP
}

// OIDCProvider is one OpenID Connect provider: the flow that sends the
// browser there and back, and the service that signs its people in.
type OIDCProvider struct {
	Name        string
	DisplayName string
	Flow        *directory.OIDC
	Service     *directory.Service
}

// directorySyncJob is the job kind of the periodic LDAP sync.
const directorySyncJob = "directory.sync"

// openDirectory builds the directory services over store. It returns nil
// when neither LDAP nor any OIDC provider is configured. OIDC providers are
// discovered now, through client: a provider that does not answer stops the
// start, naming it, rather than leaving a button that cannot work.
func openDirectory(ctx context.Context, settings directory.Settings, store directory.Store, accounts *account.Service,
	log *audit.Service, publicURL string, client *http.Client) (*Directory, error) {
	if !settings.Enabled && len(settings.OIDC) == 0 {
		return nil, nil
	}
	d := &Directory{Settings: settings}
	if settings.Enabled {
		l, err := directory.NewLDAP(settings.LDAP)
		if err != nil {
			return nil, fmt.Errorf("BERTH_LDAP_*: %w", err)
		}
		d.ldap = l
		d.LDAP = directory.New(l, store, accounts, log, settings.Options)
	}
	for _, cfg := range settings.OIDC {
		if cfg.RedirectURL == "" {
			cfg.RedirectURL = publicURL + "/signin/oidc/" + cfg.Name + "/callback"
		}
		o, err := directory.NewOIDC(ctx, cfg, client)
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("BERTH_OIDC_%s_*: %w", cfg.Name, err)
		}
		opts := settings.Options
		opts.DisableLocal = false // local passwords are the LDAP service's to decide
		d.OIDC = append(d.OIDC, OIDCProvider{Name: cfg.Name, DisplayName: cfg.DisplayName, Flow: o,
			Service: directory.New(o, store, accounts, log, opts)})
	}
	return d, nil
}

// Close releases the LDAP connections.
func (d *Directory) Close() {
	if d != nil && d.ldap != nil {
		d.ldap.Close()
	}
}

// ldapService is the LDAP directory's service, or nil.
func (d *Directory) ldapService() *directory.Service {
	if d == nil {
		return nil
	}
	return d.LDAP
}

// frontend is what the web side needs of the directory, or nil.
func (d *Directory) frontend(sealer licensing.Sealer) *frontend.Directory {
	if d == nil {
		return nil
	}
	out := &frontend.Directory{Password: d.LDAP, Sealer: sealer}
	for _, p := range d.OIDC {
		out.Providers = append(out.Providers, frontend.OIDCProvider{Name: p.Name, DisplayName: p.DisplayName, Flow: p.Flow, Service: p.Service})
	}
	return out
}

// handleSync registers the periodic sync's job handler.
func (d *Directory) handleSync(q *jobs.Queue, log *slog.Logger) {
	if d == nil || d.LDAP == nil {
		return
	}
	q.Handle(directorySyncJob, func(ctx context.Context, _ []byte) error {
		r, err := d.LDAP.Sync(ctx)
		log.Info("directory sync", "checked", r.Checked, "disabled", r.Disabled, "enabled", r.Enabled, "failed", r.Failed)
		return err
	})
}

// syncDirectory enqueues the LDAP sync at start and every SyncEvery. The
// job's ID is its time slot, so instances sharing a database run each
// slot's sync once.
func (s *Server) syncDirectory(ctx context.Context) {
	d := s.Backend.Directory
	if d == nil || d.LDAP == nil {
		return
	}
	every := d.Settings.SyncEvery
	if every <= 0 {
		every = 15 * time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		slot := time.Now().UTC().Truncate(every).Unix()
		if _, err := s.Backend.Jobs.Enqueue(ctx, directorySyncJob, "directory-sync-"+strconv.FormatInt(slot, 10), nil); err != nil && ctx.Err() == nil {
			s.log.Warn("scheduling the directory sync failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// verifyDirectory is the token server's password check when the LDAP
// directory is on: the directory service decides (with its bounded cache),
// and its refusals become the token server's. An unreachable directory is
// an outage (503), not a wrong password.
func verifyDirectory(ctx context.Context, d *directory.Service, accounts *account.Service, username, password string) (access.Principal, error) {
	id, err := d.Verify(ctx, username, password)
	if err != nil {
		return access.Principal{}, directoryCredentialsError(err)
	}
	u, err := accounts.User(ctx, id)
	if err != nil {
		return access.Principal{}, credentialsError(err)
	}
	if u.Disabled {
		return access.Principal{}, licensing.ErrBadCredentials
	}
	return tokenPrincipal(u, nil), nil
}

// directoryCredentialsError maps the directory's refusals to the token
// server's: a refused password, an unlinked namesake and a local password
// switched off are all bad credentials, with the reason kept for the
// message.
func directoryCredentialsError(err error) error {
	var clash *directory.ClashError
	switch {
	case errors.As(err, &clash):
		return fmt.Errorf("%w: %w", licensing.ErrBadCredentials, clash)
	case errors.Is(err, directory.ErrLocalDisabled):
		return fmt.Errorf("%w: %w", licensing.ErrBadCredentials, directory.ErrLocalDisabled)
	case errors.Is(err, directory.ErrBadCredentials), errors.Is(err, account.ErrBadCredentials):
		return licensing.ErrBadCredentials
	}
	return err
}
