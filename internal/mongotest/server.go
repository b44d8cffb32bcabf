package mongotest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// startTimeout bounds how long a new server may take to answer ping.
const startTimeout = 30 * time.Second

// server is a running in-process FerretDB and a client connected to it.
type server struct {
	uri    string // mongodb://host:port/
	dir    string
	client *mongo.Client
	cancel context.CancelFunc
	done   chan struct{}
	pg     *postgres // the PostgreSQL cluster behind FerretDB, if any
}

// start runs FerretDB with backend b's handler on a loopback port. Its
// data lives in a directory of its own rather than under the first test's
// TempDir, because the server outlives that test when others still hold it.
func start(b Backend) (*server, error) {
	dir, err := os.MkdirTemp("", "berth-ferretdb-")
	if err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:  string(b),
		// Failed commands, which tests provoke on purpose, log at WARN.
		Logger: slog.New(slog.DiscardHandler),
	}
	var pg *postgres
	switch b {
	case SQLite:
		cfg.SQLiteURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/"}).String()
	case PostgreSQL:
		if pg, err = startPostgres(dir); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		cfg.PostgreSQLURL = pg.url
	default:
		return nil, fmt.Errorf("no FerretDB handler %q", b)
	}
	f, err := ferretdb.New(cfg)
	if err != nil {
		pg.stop()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("configuring FerretDB: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{uri: f.MongoDBURI(), dir: dir, cancel: cancel, done: make(chan struct{}), pg: pg}
	go func() {
		defer close(s.done)
		_ = f.Run(ctx)
	}()
	if s.client, err = connect(s.uri); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// connect opens a client to uri and waits until the server answers ping.
func connect(uri string) (*mongo.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(uri))
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", uri, err)
	}
	for {
		err = client.Ping(ctx, nil)
		if err == nil {
			return client, nil
		}
		if ctx.Err() != nil {
			_ = client.Disconnect(context.Background())
			return nil, fmt.Errorf("waiting for FerretDB at %s: %w", uri, errors.Join(err, ctx.Err()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop disconnects the client, stops FerretDB, waits for it to close its
// databases and removes its data.
func (s *server) stop() {
	if s.client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		// endSessions fails harmlessly against FerretDB; nothing to report.
		_ = s.client.Disconnect(ctx)
		cancel()
	}
	s.cancel()
	<-s.done
	s.pg.stop()
	_ = os.RemoveAll(s.dir)
}
