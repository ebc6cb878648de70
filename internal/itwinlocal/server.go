// Package itwinlocal is itwin-local: a single-machine implementation of the iTwin Platform APIs the provider
// uses (Synchronization, iTwins, iModels, Storage, OAuth2 token), following internal/wire/testdata/spec/api.md including §10 and §11.
// Run execution is plugged in through RunExecutor.
package itwinlocal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Server.
type Config struct {
	// DataDir holds the SQLite database and the blobs. Required.
	DataDir string
	// Clients are the OAuth clients. When empty, a dev client (id "itwin-local-dev", random secret persisted in
	// the database, access to every iTwin) is created.
	Clients []ClientConfig
	// TokenTTL is the access-token lifetime (default 1h).
	TokenTTL time.Duration
	// Speed scales the engine's phase durations (1 = demo pace; tests use e.g. 0.001). Stored for the engine.
	Speed float64
	// Faults injects latency and errors for resilience tests.
	Faults FaultConfig
	// Logger receives request and error logs (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// MaxUploadBytes caps one blob upload (default 256 MiB, the Storage API's single-PUT limit, §9.4).
	MaxUploadBytes int64
	// WebhookRetryDelays are the waits before each retry of a failed webhook delivery (delivery.go). Default:
	// 1 s, 5 s, 25 s scaled by Speed; an explicit list is used as given.
	WebhookRetryDelays []time.Duration
	// WebhookTimeout bounds one delivery attempt (default 5 s, not scaled by Speed).
	WebhookTimeout time.Duration
	// WebhookQueueLimit is how many deliveries may wait in the outbox; more are dropped (default 10000).
	WebhookQueueLimit int
	// MaxPageSize, when > 0, caps the page size of every list below the API's own maximum (a missing or larger
	// $top is served as MaxPageSize, with next links to the rest), so that a few dozen objects already span
	// several pages: tests and demos exercise a client's paging without creating thousands of objects.
	MaxPageSize int
	// BlobGCInterval is how often unreferenced blobs are swept (blobgc.go, store_blobs.go); default 30 s, < 0
	// disables collection.
	BlobGCInterval time.Duration
	// BlobGCGrace is how long a blob must stay unreferenced before it is removed (default 1 min).
	BlobGCGrace time.Duration
}

// ClientConfig is one OAuth client (service application).
type ClientConfig struct {
	ID     string   `json:"id"`
	Secret string   `json:"secret"`
	ITwins []string `json:"itwins"` // iTwin ids this client may access; "*" = all
	// RateLimitPerMinute is the token-bucket size and refill per minute; 0 = unlimited.
	RateLimitPerMinute int    `json:"rateLimitPerMinute"`
	Email              string `json:"email"`
}

// DevClientID is the id of the client created when Config.Clients is empty.
const DevClientID = "itwin-local-dev"

// RunExecutor executes runs. The start-run handlers call Submit after the run is committed.
type RunExecutor interface {
	Submit(runID string)
	Close() error
}

// SeedInfo holds the ids Seed created (or found).
type SeedInfo struct {
	ITwinID, IModelID, RootFolderID, ClientID, ClientSecret string
}

// Server is the itwin-local HTTP handler.
type Server struct {
	cfg     Config
	store   *Store
	log     *slog.Logger
	clients map[string]*client
	order   []string // client ids in config order
	devSec  string
	keys    *signingKeys
	routes  []*route
	rate    *rateLimiter
	faults  *faultInjector
	stats   *stats
	hooks   *webhookHub // webhook deliveries (delivery.go)
	inbox   inboxes     // /local/inbox (inbox.go)
	blobGC  *blobCollector
	// inflight counts requests being served; Close sweeps blobs without grace only when it is 0.
	inflight atomic.Int64

	mu       sync.Mutex
	executor RunExecutor
	closed   bool

	tokMu    sync.Mutex
	tokCache map[string]*tokenClaims
}

// New opens (or creates) the store under cfg.DataDir, applies migrations and returns the server.
func New(cfg Config) (*Server, error) {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 256 << 20
	}
	fi, err := newFaultInjector(cfg.Faults)
	if err != nil {
		return nil, err
	}
	st, err := OpenStore(cfg.DataDir, cfg.Now)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: st, log: cfg.Logger, faults: fi, stats: newStats(), rate: newRateLimiter(cfg.Now)}
	s.hooks = newWebhookHub(s)
	st.hooks = s.hooks
	ctx := context.Background()
	if s.keys, err = loadSigningKeys(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	if err := s.loadClients(ctx); err != nil {
		st.Close()
		return nil, err
	}
	s.routes = s.buildRoutes()
	s.hooks.start()
	s.blobGC = s.startBlobGC()
	return s, nil
}

// Store gives the engine access to the persistence layer.
func (s *Server) Store() *Store { return s.store }

// Speed is the configured phase-duration factor.
func (s *Server) Speed() float64 { return s.cfg.Speed }

// Logger is the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// Now is the server's clock.
func (s *Server) Now() time.Time { return s.cfg.Now().UTC() }

// SetExecutor installs the run executor. Runs started before (or while none is set) stay NotStarted until the
// executor picks them up (it should scan Store.ListActiveRuns at start).
func (s *Server) SetExecutor(e RunExecutor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.executor = e
}

func (s *Server) submit(runID string) {
	s.mu.Lock()
	e := s.executor
	s.mu.Unlock()
	if e != nil {
		e.Submit(runID)
	}
}

// Close stops the executor (if any) and closes the store. It is safe to call twice.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	e := s.executor
	s.mu.Unlock()
	s.hooks.close() // deliveries in flight stay in the outbox and are sent again by the next start
	s.blobGC.stop()
	var errs []error
	if e != nil {
		errs = append(errs, e.Close())
	}
	s.finalBlobSweep()
	errs = append(errs, s.store.Close())
	return errors.Join(errs...)
}

// client is a loaded OAuth client.
type client struct {
	ID        string
	secret    string
	allITwins bool
	itwins    map[string]bool
	rateLimit int
	email     string
	dev       bool
}

func (s *Server) loadClients(ctx context.Context) error {
	s.clients = map[string]*client{}
	cfgClients := s.cfg.Clients
	if len(cfgClients) == 0 {
		sec, err := s.store.metaGetOrCreate(ctx, "dev_client_secret", func() ([]byte, error) { return []byte(NewID()), nil })
		if err != nil {
			return err
		}
		s.devSec = string(sec)
		cfgClients = []ClientConfig{{ID: DevClientID, Secret: s.devSec, ITwins: []string{"*"}, Email: "itwin-local-dev@itwin-local.invalid"}}
	}
	for _, cc := range cfgClients {
		if cc.ID == "" || cc.Secret == "" {
			return fmt.Errorf("itwinlocal: client config needs id and secret (client %q)", cc.ID)
		}
		if _, dup := s.clients[cc.ID]; dup {
			return fmt.Errorf("itwinlocal: duplicate client id %q", cc.ID)
		}
		if cc.RateLimitPerMinute < 0 {
			return fmt.Errorf("itwinlocal: client %q: rateLimitPerMinute must be >= 0", cc.ID)
		}
		c := &client{ID: cc.ID, secret: cc.Secret, itwins: map[string]bool{}, rateLimit: cc.RateLimitPerMinute, email: cc.Email, dev: cc.ID == DevClientID && s.devSec != ""}
		for _, it := range cc.ITwins {
			if it == "*" {
				c.allITwins = true
			} else {
				c.itwins[NormGUID(it)] = true
			}
		}
		s.clients[c.ID] = c
		s.order = append(s.order, c.ID)
	}
	// Persist the client list (secrets hashed) so the data dir documents who could access it.
	return s.store.Write(ctx, func(tx *sql.Tx) error {
		var rows []storedClient
		for _, id := range s.order {
			c := s.clients[id]
			var list []string
			if c.allITwins {
				list = append(list, "*")
			}
			for it := range c.itwins {
				list = append(list, it)
			}
			rows = append(rows, storedClient{ID: c.ID, SecretHash: hashSecret(c.secret), ITwins: list, RateLimit: c.rateLimit, Email: c.email, Dev: c.dev})
		}
		return s.store.replaceClients(ctx, tx, rows)
	})
}

// hasAccess reports whether client c may access iTwin itwinID (configured list, "*", or a grant in the store).
func (s *Server) hasAccess(ctx context.Context, c *client, itwinID string) (bool, error) {
	if c.allITwins || c.itwins[NormGUID(itwinID)] {
		return true, nil
	}
	return s.store.hasGrant(ctx, s.store.Reader(), c.ID, itwinID)
}

// Seed idempotently creates the demo iTwin, its storage root folder and a demo iModel, and grants the seed
// client (the dev client, or the first configured client) access to the iTwin.
func (s *Server) Seed(ctx context.Context) (*SeedInfo, error) {
	cid := s.order[0]
	info := &SeedInfo{ClientID: cid, ClientSecret: s.clients[cid].secret}
	const demoName = "itwin-local demo"
	err := s.store.Write(ctx, func(tx *sql.Tx) error {
		v, ok, err := metaGet(ctx, tx, "seed_itwin")
		if err != nil {
			return err
		}
		if ok {
			exists, err := s.store.itwinExists(ctx, tx, string(v))
			if err != nil {
				return err
			}
			if exists {
				info.ITwinID = string(v)
			}
		}
		if info.ITwinID == "" {
			it, err := s.store.createITwin(ctx, tx, itwinCreateDefaults(demoName), cid)
			if err != nil {
				return err
			}
			info.ITwinID = it.ID
			if err := metaPut(ctx, tx, "seed_itwin", []byte(it.ID)); err != nil {
				return err
			}
		}
		if err := s.store.grantAccess(ctx, tx, cid, info.ITwinID); err != nil {
			return err
		}
		root, err := s.store.rootFolder(ctx, tx, info.ITwinID)
		if err != nil {
			return err
		}
		info.RootFolderID = root
		info.IModelID, err = s.store.imodelIDByName(ctx, tx, info.ITwinID, "demo")
		if errors.Is(err, sql.ErrNoRows) {
			im, err := s.store.createIModel(ctx, tx, IModelRecord{ITwinID: info.ITwinID, Name: "demo", Description: "itwin-local demo iModel"}, cid)
			if err != nil {
				return err
			}
			info.IModelID = im.ID
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}
