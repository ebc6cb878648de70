package itwin

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Poll interval bounds (DESIGN §4.2): short runs are noticed within a fraction of a second, long runs cost few
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
		}
		d := jitter(NextPollInterval(clock().Sub(start), opts.MinInterval, opts.MaxInterval))
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
