// Package engine is itwin-local's run engine: it takes accepted runs through the lifecycle of spec §4.3 and
// §11i, reads each source file with the connector layer, diffs its elements against the iModel's element
// store, and pushes changesets (§11m) and diagnostic reports (§3.8).
//
// Scheduling: a pool of workers takes run ids from a FIFO queue. A run first moves NotStarted → Queued; it then
// needs its iModel, which one run holds at a time (§11d). A run whose iModel is busy is parked (it stays
// Queued) and is queued again, in arrival order, when the iModel's current run finishes.
//
// Crash safety: every transition is one write transaction that also holds what the step produced (elements,
// changeset, report), so a run's stored state always says what is done. New resumes every run that is not
// Completed: tasks already Completed keep their results, the others are processed again. A run that cannot
// continue ends Completed/Error with a run error naming the reason; none stays active forever.
//
// Use:
//
//	srv, _ := itwinlocal.New(cfg)
//	srv.SetExecutor(engine.New(srv, engine.Options{}))
//	defer srv.Close() // closes the engine first (stops between transitions), then the store
package engine

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Options configure an Engine. Zero values take the defaults.
type Options struct {
	// Workers is the number of runs processed concurrently (on different iModels). Default 2.
	Workers int
	// Speed scales every pause of the lifecycle (default: the server's Config.Speed; 1 = demo pace, tests use
	// 0.001 so a run takes milliseconds).
	Speed float64
	// StepDuration is the pause at each lifecycle step (entering a state or phase, between tasks) at speed 1.
	// Default 2 s.
	StepDuration time.Duration
	// TaskTimeout bounds one attempt of a task (download and connector); passing it is the transient
	// TAE_TIMEOUT failure that is retried. Default 30 min. Not scaled by Speed.
	TaskTimeout time.Duration
	// MaxRetries is how often a task is retried after a transient failure (spec: 2). Default 2.
	MaxRetries int
	// MaxDownloadBytes caps a manifest source file download. Default 1 GiB.
	MaxDownloadBytes int64
	// DownloadTimeout bounds one manifest download. Default 10 min.
	DownloadTimeout time.Duration
	// HTTPClient downloads manifest source files (default: a client with DownloadTimeout). It must not add
	// credentials: the URLs are pre-authenticated.
	HTTPClient *http.Client
	// TempDir receives downloads while they are read (default os.TempDir()).
	TempDir string
	// TaskFault, when set, is called before every attempt of every task with the task's file name and the
	// attempt number (0 = first). A returned *connector.Error fails the attempt with its code (TAE_TIMEOUT is
	// retried); any other error is treated as a transient TAE_TIMEOUT. Tests use it to exercise retries.
	TaskFault func(fileName string, attempt int) error
	// AfterTransition, when set, is called after every committed transition with the run as stored. It runs
	// on the worker goroutine, so it can hold the run at a step (tests observe states and simulate crashes);
	// ctx is cancelled when the engine closes.
	AfterTransition func(ctx context.Context, r itwinlocal.RunRecord)
	// Logger (default: the server's logger).
	Logger *slog.Logger
	// SweepInterval is how often the engine looks for active runs it is not handling and queues them. A run
	// whose Submit was lost (a failed read while admitting it, a crash between the commit and the Submit) is
	// picked up by the next sweep, so no run stays NotStarted forever. Default 2 s; not scaled by Speed.
	SweepInterval time.Duration
}

// Engine executes runs; it implements itwinlocal.RunExecutor.
type Engine struct {
	srv  *itwinlocal.Server
	st   *itwinlocal.Store
	opts Options
	log  *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	cond   *sync.Cond
	queue  []string
	known  map[string]bool     // runs queued, parked or executing (dedupes Submit)
	busy   map[string]string   // iModel id → run holding it
	parked map[string][]string // iModel id → runs waiting for it, in arrival order
	closed bool
}

var _ itwinlocal.RunExecutor = (*Engine)(nil)

// New creates the engine's tables, starts the workers and resumes every run that is not Completed (runs past
// Queued first, so the run that held an iModel before a restart gets it back). Install it with
// srv.SetExecutor.
func New(srv *itwinlocal.Server, opts Options) (*Engine, error) {
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.Speed <= 0 {
		opts.Speed = srv.Speed()
	}
	if opts.StepDuration <= 0 {
		opts.StepDuration = 2 * time.Second
	}
	if opts.TaskTimeout <= 0 {
		opts.TaskTimeout = 30 * time.Minute
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 2
	}
	if opts.MaxDownloadBytes <= 0 {
		opts.MaxDownloadBytes = 1 << 30
	}
	if opts.DownloadTimeout <= 0 {
		opts.DownloadTimeout = 10 * time.Minute
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: opts.DownloadTimeout}
	}
	if opts.TempDir == "" {
		opts.TempDir = os.TempDir()
	}
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = srv.Logger()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Engine{srv: srv, st: srv.Store(), opts: opts, log: opts.Logger,
		known: map[string]bool{}, busy: map[string]string{}, parked: map[string][]string{}}
	e.cond = sync.NewCond(&e.mu)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	if err := createTables(e.ctx, e.st); err != nil {
		e.cancel()
		return nil, err
	}
	active, err := e.st.ListActiveRuns(e.ctx, e.st.Reader())
	if err != nil {
		e.cancel()
		return nil, err
	}
	early := func(s string) bool { return s == wire.StateNotStarted || s == wire.StateQueued }
	slices.SortStableFunc(active, func(a, b itwinlocal.RunRecord) int {
		switch ea, eb := early(a.State), early(b.State); {
		case ea == eb:
			return 0
		case eb:
			return -1
		}
		return 1
	})
	for _, r := range active {
		e.Submit(r.ID)
	}
	for range opts.Workers {
		e.wg.Add(1)
		go e.worker()
	}
	e.wg.Add(1)
	go e.sweep()
	return e, nil
}

// sweep periodically queues every active run the engine does not know about (see Options.SweepInterval).
// Submit ignores runs already queued, parked or executing, so a sweep never runs anything twice.
func (e *Engine) sweep() {
	defer e.wg.Done()
	t := time.NewTicker(e.opts.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
		active, err := e.st.ListActiveRuns(e.ctx, e.st.Reader())
		if err != nil {
			if e.ctx.Err() == nil {
				e.log.Warn("sweeping active runs", "err", err)
			}
			continue
		}
		for _, r := range active {
			e.Submit(r.ID)
		}
	}
}

// MustNew is New for callers that cannot continue without an engine (itwinlocaltest, the CLI); it panics on
// error.
func MustNew(srv *itwinlocal.Server, opts Options) *Engine {
	e, err := New(srv, opts)
	if err != nil {
		panic("itwin-local engine: " + err.Error())
	}
	return e
}

// Submit queues a run (called by the server after it committed the run). Unknown or finished runs are
// ignored when a worker picks them up; a run already queued or executing is not queued twice.
func (e *Engine) Submit(runID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.known[runID] {
		return
	}
	e.known[runID] = true
	e.queue = append(e.queue, runID)
	e.cond.Signal()
}

// Close stops the workers between transitions and waits for them. Runs in flight keep their last committed
// state and resume when a new engine starts on the same data dir. Call it before closing the store
// (itwinlocal.Server.Close does).
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closed = true
	e.cancel()
	e.cond.Broadcast()
	e.mu.Unlock()
	e.wg.Wait()
	return nil
}

func (e *Engine) worker() {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		for len(e.queue) == 0 && !e.closed {
			e.cond.Wait()
		}
		if e.closed {
			e.mu.Unlock()
			return
		}
		id := e.queue[0]
		e.queue = e.queue[1:]
		e.mu.Unlock()
		e.handle(id)
	}
}

// handle takes one run as far as it can: to Queued, and, when its iModel is free, to Completed.
func (e *Engine) handle(id string) {
	imodel, ok := e.admit(id)
	if !ok {
		return
	}
	err := e.execute(id)
	e.mu.Lock()
	delete(e.busy, imodel)
	delete(e.known, id)
	if next := e.parked[imodel]; len(next) > 0 {
		e.parked[imodel] = next[1:]
		if len(e.parked[imodel]) == 0 {
			delete(e.parked, imodel)
		}
		e.queue = append([]string{next[0]}, e.queue...)
		e.cond.Signal()
	}
	e.mu.Unlock()
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, errRunGone) {
		return
	}
	e.log.Error("run failed", "run", id, "err", err)
	e.fail(id, err)
}

// admit moves a NotStarted run to Queued and reserves its iModel. It reports false when the run is finished,
// gone, parked behind another run of the same iModel, or the engine is closing.
func (e *Engine) admit(id string) (string, bool) {
	forget := func() {
		e.mu.Lock()
		delete(e.known, id)
		e.mu.Unlock()
	}
	r, err := e.st.GetRun(e.ctx, e.st.Reader(), id)
	if err != nil {
		if !errors.Is(err, context.Canceled) && !itwinlocal.IsNotFound(err) {
			e.log.Error("loading run", "run", id, "err", err)
		}
		forget()
		return "", false
	}
	if r.State == wire.StateCompleted {
		forget()
		return "", false
	}
	if r.State == wire.StateNotStarted {
		r.State = wire.StateQueued
		if err := e.save(&r, nil); err != nil {
			forget()
			if !errors.Is(err, context.Canceled) && !errors.Is(err, errRunGone) {
				e.fail(id, err)
			}
			return "", false
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		delete(e.known, id)
		return "", false
	}
	if holder := e.busy[r.IModelID]; holder != "" && holder != id {
		e.parked[r.IModelID] = append(e.parked[r.IModelID], id)
		return "", false
	}
	e.busy[r.IModelID] = id
	return r.IModelID, true
}

// pause sleeps for n lifecycle steps scaled by Speed; it returns ctx.Err() when the engine closes.
func (e *Engine) pause(n float64) error {
	d := time.Duration(float64(e.opts.StepDuration) * e.opts.Speed * n)
	if d <= 0 {
		return e.ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-e.ctx.Done():
		return e.ctx.Err()
	case <-t.C:
		return nil
	}
}
