package directory

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/go-ldap/ldap/v3"
)

// pool holds at most MaxConns connections to the directory, each bound as
// the service account while idle. A connection that failed, or whose bind
// state is unknown, is closed rather than returned, so that no request
// ever runs with another person's bind.
type pool struct {
	cfg   LDAPConfig
	tls   *tls.Config
	slots chan struct{}

	mu   sync.Mutex
	idle []*ldap.Conn
}

func newPool(cfg LDAPConfig, tc *tls.Config) *pool {
	return &pool{cfg: cfg, tls: tc, slots: make(chan struct{}, cfg.MaxConns)}
}

// do runs f on a connection bound as the service account, holding one of
// the pool's slots. Every operation is bounded by cfg.Timeout, and ending
// ctx closes the connection, which ends the operation at once. A
// connection taken from the idle list that turns out dead is replaced once.
func (p *pool) do(ctx context.Context, f func(*ldap.Conn) error) error {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for a directory connection: %w", ctx.Err())
	}
	defer func() { <-p.slots }()
	for attempt := 0; ; attempt++ {
		c, reused, err := p.conn(ctx)
		if err != nil {
			return err
		}
		stop := context.AfterFunc(ctx, func() { _ = c.Close() })
		err = f(c)
		if !stop() {
			return fmt.Errorf("directory: %w", ctx.Err())
		}
		if err == nil || keepable(err) {
			p.release(c)
			return err
		}
		_ = c.Close()
		if !reused || attempt > 0 || !ldap.IsErrorWithCode(err, ldap.ErrorNetwork) {
			return unavailable(err)
		}
	}
}

// keepable reports whether err is an answer of the directory (the
// connection still works and is bound as the service account again), as
// opposed to a broken or wrongly bound connection.
func keepable(err error) bool {
	var invalid *InvalidError
	return errors.As(err, &invalid) || errors.Is(err, ErrBadCredentials) || errors.Is(err, ErrAmbiguous) || errors.Is(err, ErrGone) || errors.Is(err, ErrNotFound)
}

// unavailable marks network and timeout failures as ErrUnavailable.
func unavailable(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, ErrUnavailable):
		return err
	case ldap.IsErrorWithCode(err, ldap.ErrorNetwork), errors.As(err, &ne),
		ldap.IsErrorWithCode(err, ldap.LDAPResultTimeLimitExceeded),
		ldap.IsErrorWithCode(err, ldap.LDAPResultUnavailable), ldap.IsErrorWithCode(err, ldap.LDAPResultBusy):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// conn returns an idle connection, or dials a new one.
func (p *pool) conn(ctx context.Context) (*ldap.Conn, bool, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if !c.IsClosing() {
			p.mu.Unlock()
			return c, true, nil
		}
	}
	p.mu.Unlock()
	c, err := p.dial(ctx)
	return c, false, err
}

// dial connects, upgrades to TLS when configured and binds as the service
// account, each step within the configured timeouts.
func (p *pool) dial(ctx context.Context) (*ldap.Conn, error) {
	d := &net.Dialer{Timeout: p.cfg.DialTimeout}
	c, err := ldap.DialURL(p.cfg.URL, ldap.DialWithDialer(d), ldap.DialWithTLSConfig(p.tls))
	if err != nil {
		return nil, fmt.Errorf("%w: connecting to %s: %w", ErrUnavailable, p.cfg.URL, err)
	}
	c.SetTimeout(p.cfg.Timeout)
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	if p.cfg.StartTLS {
		if err := c.StartTLS(p.tls); err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("%w: StartTLS with %s: %w", ErrUnavailable, p.cfg.URL, err)
		}
	}
	if err := p.serviceBind(c); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// serviceBind binds c as the service account.
func (p *pool) serviceBind(c *ldap.Conn) error {
	if err := c.Bind(p.cfg.BindDN, p.cfg.BindPassword.Reveal()); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			return fmt.Errorf("binding as %s: the directory refused BERTH_LDAP_BIND_DN or BERTH_LDAP_BIND_PASSWORD", p.cfg.BindDN)
		}
		return unavailable(fmt.Errorf("binding as %s: %w", p.cfg.BindDN, err))
	}
	return nil
}

// release keeps c for reuse, or closes it when enough are idle.
func (p *pool) release(c *ldap.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) < p.cfg.MaxConns && !c.IsClosing() {
		p.idle = append(p.idle, c)
		return
	}
	_ = c.Close()
}

// close closes the idle connections.
func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.idle {
		_ = c.Close()
	}
	p.idle = nil
}
