package itwin

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Poll interval bounds: short runs are noticed within a fraction of a second, long runs cost few
// requests.
const (
	DefaultMinPollInterval    = 250 * time.Millisecond
	DefaultMaxPollInterval    = 30 * time.Second
	DefaultMaxTransientErrors = 5
)

// WaitOptions tunes WaitForRun. Zero values take the defaults; Clock and Sleep are injectable so tests never
// sleep for real.
type WaitOptions struct {
	Clock func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// MinInterval and MaxInterval clamp the poll interval (defaults 250ms and 30s).
	MinInterval, MaxInterval time.Duration
	// MaxTransientErrors is how many consecutive transient errors (429, 5xx, transport) are tolerated (default 5).
	MaxTransientErrors int
	// OnChange is called with the previous and the current run on the first poll and whenever the state, phase,
	// result or any job/task state or result changes. prev is nil on the first call.
	OnChange func(prev, cur *wire.Run)
	// Jitter perturbs each interval (default: uniformly within ±20%).
	Jitter func(d time.Duration) time.Duration
}

// NextPollInterval is about 5% of the elapsed time, clamped to [min, max] (defaults 250ms and 30s), before jitter.
func NextPollInterval(elapsed time.Duration, minInterval, maxInterval time.Duration) time.Duration {
	if minInterval <= 0 {
		minInterval = DefaultMinPollInterval
	}
	if maxInterval <= 0 {
		maxInterval = DefaultMaxPollInterval
	}
	return min(max(elapsed/20, minInterval), max(maxInterval, minInterval))
}

// defaultJitter spreads polls of parallel waiters uniformly within ±20%.
func defaultJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	spread := int64(d) * 2 / 5 // 40% wide window
	return time.Duration(int64(d) - spread/2 + rand.Int64N(spread+1))
}

// Sleep waits d, or until ctx ends (then it returns ctx's error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WaitForRun polls get until the run's state is Completed and returns the final run. It does not judge the
// result: the caller decides whether Success, PartialSuccess, … is acceptable. It stops with an error when the
// context ends, on a non-transient error (404, other 4xx, authentication), or after more than MaxTransientErrors
// consecutive transient errors. On error it also returns the last run it saw (nil if none).
func WaitForRun(ctx context.Context, get func(ctx context.Context) (*wire.Run, error), opts WaitOptions) (*wire.Run, error) {
	clock, sleep, jitter := opts.Clock, opts.Sleep, opts.Jitter
	if clock == nil {
		clock = time.Now
	}
	if sleep == nil {
		sleep = Sleep
	}
	if jitter == nil {
		jitter = defaultJitter
	}
	maxTransient := opts.MaxTransientErrors
	if maxTransient <= 0 {
		maxTransient = DefaultMaxTransientErrors
	}

	start := clock()
	var last *wire.Run
	var prog progress
	transient := 0
	for {
		run, err := get(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return last, waitStopped(ctx.Err(), last, clock().Sub(start))
		case err != nil && !IsTransient(err):
			return last, err
		case err != nil:
			transient++
			if transient > maxTransient {
				return last, fmt.Errorf("polling the run failed %d times in a row, last error: %w", transient, err)
			}
		case run == nil:
			return last, errors.New("polling the run returned no run")
		default:
			transient = 0
			if last == nil || runChanged(last, run) {
				if opts.OnChange != nil {
					opts.OnChange(last, run)
				}
			}
			last = run
			if run.State == wire.StateCompleted {
				return run, nil
			}
			prog.observe(clock().Sub(start), run)
		}
		d := jitter(prog.interval(clock().Sub(start), opts.MinInterval, opts.MaxInterval))
		if err := sleep(ctx, d); err != nil {
			return last, waitStopped(err, last, clock().Sub(start))
		}
		if ctx.Err() != nil {
			return last, waitStopped(ctx.Err(), last, clock().Sub(start))
		}
	}
}

// waitStopped describes where the run was when the wait ended early; it wraps the context error.
func waitStopped(err error, last *wire.Run, elapsed time.Duration) error {
	if last == nil {
		return fmt.Errorf("stopped waiting for the run after %s: %w", elapsed.Round(time.Second), err)
	}
	phase := ""
	if last.Phase != "" {
		phase = ", phase " + last.Phase
	}
	return fmt.Errorf("stopped waiting for run %s after %s (state %s%s): %w", last.ID, elapsed.Round(time.Second), last.State, phase, err)
}

// runChanged compares what a user watching progress cares about.
func runChanged(a, b *wire.Run) bool {
	if a.State != b.State || a.Phase != b.Phase || a.Result != b.Result || len(a.Jobs) != len(b.Jobs) {
		return true
	}
	for i := range a.Jobs {
		ja, jb := a.Jobs[i], b.Jobs[i]
		if ja.ID != jb.ID || ja.State != jb.State || ja.Result != jb.Result || len(ja.Tasks) != len(jb.Tasks) {
			return true
		}
		for k := range ja.Tasks {
			ta, tb := ja.Tasks[k], jb.Tasks[k]
			if ta.ID != tb.ID || ta.State != tb.State || ta.Result != tb.Result || ta.RetryAttempts != tb.RetryAttempts {
				return true
			}
		}
	}
	return false
}

// progress turns what successive polls show (tasks laid out, tasks completed, the Finalizing state) into an
// estimate of the time left, so that a long run is polled sparsely while it is far from its end and densely
// around it. MaxInterval still bounds every wait, so a run whose progress stalls or jumps is noticed within it.
type progress struct {
	seen      bool          // tasks were laid out (WaitingToExecute or later)
	n, k      int           // tasks in total, tasks completed at the last poll
	kRef      int           // tasks already completed when the tasks were first seen
	tRef      time.Duration // elapsed when the tasks were first seen
	tLast     time.Duration // elapsed when k last grew (tRef before the first completion)
	lastPoll  time.Duration
	finishing bool // the run said Finalizing
}

// observe records one poll at elapsed t. A change is dated halfway between this poll and the previous one:
// it happened somewhere in between.
func (p *progress) observe(t time.Duration, run *wire.Run) {
	seenAt := p.lastPoll + (t-p.lastPoll)/2
	p.lastPoll = t
	p.finishing = run.State == wire.StateFinalizing
	if run.Jobs == nil {
		return // this representation does not carry the jobs: keep what earlier polls said
	}
	n, k := 0, 0
	for _, j := range run.Jobs {
		for _, task := range j.Tasks {
			n++
			if task.State == wire.StateCompleted {
				k++
			}
		}
	}
	if n == 0 {
		return
	}
	if !p.seen {
		p.seen, p.n, p.k, p.kRef, p.tRef, p.tLast = true, n, k, k, seenAt, seenAt
		return
	}
	if k > p.k {
		p.tLast = seenAt
	}
	p.n, p.k = n, k
}

// interval is the wait before the next poll at elapsed t.
//
//   - Nothing to extrapolate from (no tasks yet, or one task that has not finished): ≈5 % of the elapsed time
//     (NextPollInterval), which notices short runs within a fraction of a second.
//   - Tasks left: the time per task τ is the average over the tasks completed while waiting (before the first
//     one completes, the age of the current one, a lower bound). The remaining time R is what is left of the
//     current task plus τ per task after it; the next poll comes after ¾ R, so polls are sparse (MaxInterval)
//     far from the end and dense near it.
//   - Near the end (R small, all tasks done, or Finalizing): 0.5 % of the elapsed time, so the end is noticed
//     within a fraction of a percent. Once the run overruns its estimate (by O), the interval grows by O/4: a
//     run that stalls is not polled densely for ever.
func (p *progress) interval(t, minInterval, maxInterval time.Duration) time.Duration {
	if minInterval <= 0 {
		minInterval = DefaultMinPollInterval
	}
	if maxInterval <= 0 {
		maxInterval = DefaultMaxPollInterval
	}
	maxInterval = max(maxInterval, minInterval)
	clamp := func(d time.Duration) time.Duration { return min(max(d, minInterval), maxInterval) }
	base := NextPollInterval(t, minInterval, maxInterval)
	if !p.seen {
		if p.finishing {
			return clamp(t / 200)
		}
		return base
	}
	dense := t / 200
	age := t - p.tLast // of the task in progress (or of the tail once all are done)
	done := p.k - p.kRef
	var tau time.Duration
	if done > 0 {
		tau = (p.tLast - p.tRef) / time.Duration(done)
	}
	if p.k >= p.n || p.finishing {
		// The tail after the last task: expected to take about one task's time.
		return clamp(dense + max(age-tau, 0)/4)
	}
	after := p.n - p.k - 1 // tasks after the current one
	if done == 0 {
		if after == 0 {
			return base // one task and no timing yet: nothing to extrapolate from
		}
		return clamp(max(time.Duration(after)*age*3/4, dense))
	}
	remaining := max(tau-age, 0) + time.Duration(after)*tau
	overrun := time.Duration(0)
	if after == 0 {
		overrun = max(age-tau, 0)
	}
	return clamp(max(remaining*3/4, dense+overrun/4))
}
