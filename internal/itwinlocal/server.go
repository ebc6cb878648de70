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
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
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

// --- request plumbing ---

type handlerFunc func(c *rc) error

type route struct {
	method   string // "*" = any method (unserved routes only)
	segs     []string
	tmpl     string
	api      bool // needs a bearer token; subject to faults by default
	unserved bool // a route of a neighbouring API that itwin-local does not implement: 501 (spec §11q)
	h        handlerFunc
}

// rc is one request's context.
type rc struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	params map[string]string
	client *client
}

func (c *rc) param(name string) string { return c.params[name] }

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	parts := strings.Split(p, "/")
	out := parts[:0]
	for _, x := range parts {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// match matches a path's segments. A template's last segment "**" matches any rest, including none.
func (rt *route) match(segs []string) (map[string]string, bool) {
	tsegs := rt.segs
	if n := len(tsegs); n > 0 && tsegs[n-1] == "**" {
		tsegs = tsegs[:n-1]
		if len(segs) < len(tsegs) {
			return nil, false
		}
	} else if len(segs) != len(tsegs) {
		return nil, false
	}
	var params map[string]string
	for i, s := range tsegs {
		if strings.HasPrefix(s, "{") {
			if params == nil {
				params = map[string]string{}
			}
			params[s[1:len(s)-1]] = segs[i]
			continue
		}
		if !strings.EqualFold(s, segs[i]) {
			return nil, false
		}
	}
	return params, true
}

// ServeHTTP routes the request (case-insensitive literal segments, trailing slash tolerated, §1.4, §10 row 14).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	segs := splitPath(r.URL.Path)
	var matched *route
	var params map[string]string
	var allow []string
	for _, rt := range s.routes {
		p, ok := rt.match(segs)
		if !ok {
			continue
		}
		if rt.method == r.Method || rt.method == "*" {
			matched, params = rt, p
			break
		}
		allow = append(allow, rt.method)
	}
	if matched != nil && matched.unserved {
		s.stats.count(r.Method + " " + matched.tmpl + " <not implemented>")
		writeError(w, apiErr(http.StatusNotImplemented, "NotImplemented", "itwin-local does not implement "+r.Method+" "+r.URL.Path+"."))
		return
	}
	if matched == nil {
		if len(allow) > 0 {
			s.stats.count(r.Method + " <method not allowed>")
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, errMethodNotAllowed)
			return
		}
		s.stats.count(r.Method + " <unmatched>")
		writeError(w, errRouteNotFound)
		return
	}
	s.stats.count(r.Method + " " + matched.tmpl)
	if s.cfg.MaxPageSize > 0 && r.Method == http.MethodGet {
		capTop(r, s.cfg.MaxPageSize)
	}
	c := &rc{s: s, w: w, r: r, ctx: r.Context(), params: params}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic in handler", "route", matched.tmpl, "panic", fmt.Sprint(v))
			writeError(w, errInternal)
		}
	}()
	if e := s.faults.apply(c, matched); e != nil {
		s.writeErr(c, e)
		return
	}
	if matched.api {
		cl, e := s.authenticate(r)
		if e != nil {
			s.writeErr(c, e)
			return
		}
		c.client = cl
		if rl := s.rate.take(cl); rl != nil {
			setRateLimitHeaders(c, rl.retryAfter)
			writeError(w, errRateLimited)
			return
		}
	}
	if err := matched.h(c); err != nil {
		s.writeErr(c, err)
	}
}

func (s *Server) writeErr(c *rc, err error) {
	var ae *APIError
	if errors.As(err, &ae) {
		if ae.Status == http.StatusTooManyRequests && c.w.Header().Get("Retry-After") == "" {
			c.w.Header().Set("Retry-After", "1")
		}
		writeError(c.w, ae)
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("request failed", "method", c.r.Method, "path", c.r.URL.Path, "err", err)
	writeError(c.w, errInternal)
}

func (s *Server) buildRoutes() []*route {
	var rs []*route
	add := func(method, tmpl string, api bool, h handlerFunc) {
		rs = append(rs, &route{method: method, segs: splitPath(tmpl), tmpl: tmpl, api: api, h: h})
	}
	// unserved routes answer 501 NotImplemented (spec §11q) to any method unless one is given. They are matched in
	// table order like the others: those whose literal would otherwise land on an {id} route come first.
	unserved := func(method, tmpl string) {
		rs = append(rs, &route{method: method, segs: splitPath(tmpl), tmpl: tmpl, unserved: true})
	}
	for _, t := range []string{"/itwins/favorites/**", "/itwins/recents/**", "/itwins/myprimaryaccount/**", "/itwins/exports/**",
		"/users/getbyidlist/**"} {
		unserved("*", t)
	}
	// OAuth2 and discovery (§9.1).
	add("POST", "/connect/token", false, s.handleToken)
	add("GET", "/.well-known/openid-configuration", false, s.handleDiscovery)
	add("GET", "/.well-known/jwks.json", false, s.handleJWKS)
	// Local pages, pre-signed blob URLs, stats.
	add("GET", "/local/consent/{token}", false, s.handleConsent)
	add("GET", "/local/stats", false, s.handleStats)
	add("POST", "/local/stats/reset", false, s.handleStatsReset)
	add("POST", "/local/inbox/{name}", false, s.handleInboxPost)
	add("GET", "/local/inbox/{name}", false, s.handleInboxGet)
	add("DELETE", "/local/inbox/{name}", false, s.handleInboxDelete)
	add("GET", "/local/health", false, func(c *rc) error { writeJSON(c.w, 200, map[string]string{"status": "ok"}); return nil })
	add("PUT", "/blobs/upload/{id}", false, s.handleBlobUpload)
	add("GET", "/blobs/download/{id}", false, s.handleBlobDownload)
	add("GET", "/blobs/reports/{id}", false, s.handleReportBlob)

	// iTwins (§9.2).
	add("POST", "/itwins", true, s.handleITwinCreate)
	add("GET", "/itwins", true, s.handleITwinList)
	add("GET", "/itwins/{id}", true, s.handleITwinGet)
	add("PATCH", "/itwins/{id}", true, s.handleITwinPatch)
	add("DELETE", "/itwins/{id}", true, s.handleITwinDelete)
	// iModels (§9.3).
	add("POST", "/imodels", true, s.handleIModelCreate)
	add("GET", "/imodels", true, s.handleIModelList)
	add("GET", "/imodels/{id}", true, s.handleIModelGet)
	add("PATCH", "/imodels/{id}", true, s.handleIModelPatch)
	add("DELETE", "/imodels/{id}", true, s.handleIModelDelete)
	add("GET", "/imodels/{id}/changesets", true, s.handleChangesetList)
	add("GET", "/imodels/{id}/changesets/{changeset}", true, s.handleChangesetGet)
	add("POST", "/imodels/{id}/namedversions", true, s.handleNamedVersionCreate)
	add("GET", "/imodels/{id}/namedversions", true, s.handleNamedVersionList)
	add("GET", "/imodels/{id}/namedversions/{namedVersionId}", true, s.handleNamedVersionGet)
	add("PATCH", "/imodels/{id}/namedversions/{namedVersionId}", true, s.handleNamedVersionPatch)
	add("GET", "/imodels/{id}/users/{userId}", true, s.handleIModelUserGet)
	// Users (the targets of creator/createdBy links).
	add("GET", "/users/me", true, s.handleUserMe)
	add("GET", "/users/{id}", true, s.handleUserGet)
	// Storage (§9.4).
	add("GET", "/storage", true, s.handleStorageTop)
	add("GET", "/storage/folders/{id}", true, s.handleFolderGet)
	add("PATCH", "/storage/folders/{id}", true, s.handleFolderPatch)
	add("DELETE", "/storage/folders/{id}", true, s.handleFolderDelete)
	add("GET", "/storage/folders/{id}/list", true, s.handleFolderList)
	add("GET", "/storage/folders/{id}/folders", true, s.handleFolderFolders)
	add("POST", "/storage/folders/{id}/folders", true, s.handleFolderCreate)
	add("GET", "/storage/folders/{id}/files", true, s.handleFolderFiles)
	add("POST", "/storage/folders/{id}/files", true, s.handleFileCreate)
	add("GET", "/storage/files/{id}", true, s.handleFileGet)
	add("PATCH", "/storage/files/{id}", true, s.handleFilePatch)
	add("DELETE", "/storage/files/{id}", true, s.handleFileDelete)
	add("POST", "/storage/files/{id}/complete", true, s.handleFileComplete)
	add("POST", "/storage/files/{id}/updatecontent", true, s.handleFileUpdateContent)
	add("GET", "/storage/files/{id}/download", true, s.handleFileDownload)

	// Synchronization (§2). Literal routes come before {id} routes of the same length.
	add("GET", "/synchronization/imodels/connections/authorizationinformation", true, s.handleAuthInfo)
	add("GET", "/synchronization/imodels/connections", true, s.handleConnectionsAll)
	add("GET", "/synchronization/reports", true, s.handleReports)
	for _, k := range wire.Kinds {
		base := k.CollectionPath()
		add("POST", base, true, func(c *rc) error { return s.handleConnCreate(c, k) })
		add("GET", base, true, func(c *rc) error { return s.handleConnList(c, k) })
		add("GET", base+"/{id}", true, func(c *rc) error { return s.handleConnGet(c, k) })
		add("PUT", base+"/{id}", true, func(c *rc) error { return s.handleConnUpdate(c, k) })
		add("DELETE", base+"/{id}", true, func(c *rc) error { return s.handleConnDelete(c, k) })
		add("POST", base+"/{id}/"+k.RunStartSegment(), true, func(c *rc) error { return s.handleRunStart(c, k) })
		add("GET", base+"/{id}/runs", true, func(c *rc) error { return s.handleRunList(c, k) })
		add("GET", base+"/{id}/runs/{runId}", true, func(c *rc) error { return s.handleRunGet(c, k) })
		add("POST", base+"/{id}/sourcefiles", true, func(c *rc) error { return s.handleSourceFileCreate(c, k) })
		add("GET", base+"/{id}/sourcefiles", true, func(c *rc) error { return s.handleSourceFileList(c, k) })
		add("GET", base+"/{id}/sourcefiles/{sourceFileId}", true, func(c *rc) error { return s.handleSourceFileGet(c, k) })
		add("PUT", base+"/{id}/sourcefiles/{sourceFileId}", true, func(c *rc) error { return s.handleSourceFileUpdate(c, k) })
		add("DELETE", base+"/{id}/sourcefiles/{sourceFileId}", true, func(c *rc) error { return s.handleSourceFileDelete(c, k) })
	}
	for _, sc := range []string{"itwins", "imodels", "connections"} {
		base := "/synchronization/configurations/" + sc + "/{id}"
		add("GET", base, true, func(c *rc) error { return s.handleConfigGet(c, sc) })
		add("POST", base, true, func(c *rc) error { return s.handleConfigWrite(c, sc, true) })
		add("PATCH", base, true, func(c *rc) error { return s.handleConfigWrite(c, sc, false) })
		add("DELETE", base, true, func(c *rc) error { return s.handleConfigDelete(c, sc) })
	}
	// Webhooks v2 (§12, webhooks.go); "/webhooks/" routes here too (trailing slashes are tolerated).
	add("POST", "/webhooks", true, s.handleWebhookCreate)
	add("GET", "/webhooks", true, s.handleWebhookList)
	add("GET", "/webhooks/{id}", true, s.handleWebhookGet)
	add("PATCH", "/webhooks/{id}", true, s.handleWebhookUpdate)
	add("DELETE", "/webhooks/{id}", true, s.handleWebhookDelete)

	// Neighbouring APIs and operations itwin-local does not serve (spec §11q; the README lists them). Whole APIs:
	for _, t := range []string{"/accesscontrol/**", "/users/**", "/repositories/**", "/changedelements/**",
		"/connect/authorize/**"} { // discovery names the authorize endpoint; only client credentials are served

		unserved("*", t)
	}
	// iTwins and iModels sub-resources and operations besides the ones served above.
	for _, t := range []string{"/itwins/{id}/repositories/**", "/itwins/{id}/account/**", "/itwins/{id}/image/**",
		"/imodels/{id}/changedelements/**", "/imodels/{id}/exports/**", "/imodels/{id}/checkpoint/**", "/imodels/{id}/checkpoints/**",
		"/imodels/{id}/changesets/{changeset}/**", "/imodels/{id}/namedversions/{namedVersionId}/**", "/imodels/{id}/users",
		"/imodels/{id}/locks/**", "/imodels/{id}/briefcases/**", "/imodels/{id}/baselinefile/**", "/imodels/{id}/changesetgroups/**",
		"/imodels/{id}/clone/**", "/imodels/{id}/fork/**", "/imodels/{id}/merge/**", "/imodels/{id}/thumbnail/**",
		"/imodels/{id}/permissions/**", "/imodels/{id}/roles/**"} {
		unserved("*", t)
	}
	unserved("POST", "/imodels/{id}/changesets") // pushing a changeset: only runs push them here
	return rs
}

// DevClient returns the seed client's id and secret (the dev client when Config.Clients is empty, otherwise the
// first configured client).
func (s *Server) DevClient() (id, secret string) {
	id = s.order[0]
	return id, s.clients[id].secret
}

// RouteInfo describes one route of the server.
type RouteInfo struct {
	Method, Template string
	API              bool // needs a bearer token
}

// Routes lists every served route (tests use it to cover all of them; the stats keys use the same templates).
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(s.routes))
	for _, r := range s.routes {
		if !r.unserved {
			out = append(out, RouteInfo{Method: r.method, Template: r.tmpl, API: r.api})
		}
	}
	return out
}

// UnservedRoutes lists the routes that answer 501 NotImplemented (spec §11q). Method "*" means any method; a
// template ending in "/**" covers every path below it too.
func (s *Server) UnservedRoutes() []RouteInfo {
	var out []RouteInfo
	for _, r := range s.routes {
		if r.unserved {
			out = append(out, RouteInfo{Method: r.method, Template: r.tmpl})
		}
	}
	return out
}
