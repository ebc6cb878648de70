package itwin

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// fakeClock is a manual clock; its Sleep advances time and records the interval instead of sleeping.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeClock) Now() time.Time { return f.now }
func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return nil
}

func (f *fakeClock) opts() WaitOptions {
	return WaitOptions{Clock: f.Now, Sleep: f.Sleep, Jitter: func(d time.Duration) time.Duration { return d }}
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)}
}

func TestNextPollInterval(t *testing.T) {
	for _, tc := range []struct {
		elapsed, min, max, want time.Duration
	}{
		{0, 0, 0, 250 * time.Millisecond},
		{time.Second, 0, 0, 250 * time.Millisecond},
		{10 * time.Second, 0, 0, 500 * time.Millisecond},
		{100 * time.Second, 0, 0, 5 * time.Second},
		{10 * time.Minute, 0, 0, 30 * time.Second},
		{time.Hour, 0, 0, 30 * time.Second},
		{time.Second, time.Second, 0, time.Second},
		{time.Hour, 0, 10 * time.Second, 10 * time.Second},
		{time.Hour, 5 * time.Second, time.Second, 5 * time.Second}, // max below min: min wins
	} {
		if got := NextPollInterval(tc.elapsed, tc.min, tc.max); got != tc.want {
			t.Errorf("NextPollInterval(%s, %s, %s) = %s, want %s", tc.elapsed, tc.min, tc.max, got, tc.want)
		}
	}
}

func TestDefaultJitter(t *testing.T) {
	seen := map[time.Duration]bool{}
	for i := 0; i < 500; i++ {
		d := defaultJitter(10 * time.Second)
		if d < 8*time.Second || d > 12*time.Second {
			t.Fatalf("jitter out of ±20%%: %s", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("jitter is not random: %d distinct values", len(seen))
	}
	if defaultJitter(0) != 0 {
		t.Error("zero stays zero")
	}
}

func TestWaitForRunIntervalsGrowWithElapsedTime(t *testing.T) {
	clock := newFakeClock()
	states := []struct {
		state, phase string
		work         time.Duration // time the server "takes" before this poll answers
	}{
		{wire.StateNotStarted, "", 0},
		{wire.StateQueued, "", 10 * time.Second},
		{wire.StateExecuting, wire.PhasePreprocessor, 100 * time.Second},
		{wire.StateExecuting, wire.PhaseMasterFile, 1000 * time.Second},
		{wire.StateCompleted, wire.PhaseReferenceFile, 0},
	}
	i := 0
	get := func(context.Context) (*wire.Run, error) {
		s := states[i]
		i++
		clock.now = clock.now.Add(s.work)
		result := wire.ResultUndetermined
		if s.state == wire.StateCompleted {
			result = wire.ResultSuccess
		}
		return &wire.Run{ID: tRun, State: s.state, Phase: s.phase, Result: result}, nil
	}
	run, err := WaitForRun(t.Context(), get, clock.opts())
	if err != nil {
		t.Fatal(err)
	}
	if run.State != wire.StateCompleted || run.Result != wire.ResultSuccess || i != 5 {
		t.Errorf("run = %+v after %d polls", run, i)
	}
	// elapsed at each sleep: 0 → 250ms; 10.25s → 512.5ms; 110.7625s → 5.538125s; 1116.3s → capped at 30s.
	want := []time.Duration{250 * time.Millisecond, 512500 * time.Microsecond, 5538125 * time.Microsecond, 30 * time.Second}
	if len(clock.sleeps) != len(want) {
		t.Fatalf("sleeps = %v, want %v", clock.sleeps, want)
	}
	for k := range want {
		if clock.sleeps[k] != want[k] {
			t.Errorf("sleep %d = %s, want %s", k, clock.sleeps[k], want[k])
		}
	}
}

func TestWaitForRunCustomBoundsAndJitter(t *testing.T) {
	clock := newFakeClock()
	opts := clock.opts()
	opts.MinInterval, opts.MaxInterval = time.Second, 2*time.Second
	opts.Jitter = func(d time.Duration) time.Duration { return d + time.Millisecond }
	n := 0
	_, err := WaitForRun(t.Context(), func(context.Context) (*wire.Run, error) {
		n++
		clock.now = clock.now.Add(time.Minute)
		if n == 3 {
			return &wire.Run{ID: "r", State: wire.StateCompleted, Result: wire.ResultError}, nil
		}
		return &wire.Run{ID: "r", State: wire.StateExecuting}, nil
	}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range clock.sleeps {
		if d != 2*time.Second+time.Millisecond {
			t.Errorf("sleep %s, want max 2s plus jitter 1ms", d)
		}
	}
}

func TestWaitForRunTransientErrors(t *testing.T) {
	transient := []error{&APIError{Status: 500, Code: "Boom"}, &APIError{Status: 429, Code: "RateLimitExceeded"}, &TransportError{Method: "GET", URL: "u", Err: errors.New("reset")}}
	t.Run("tolerated", func(t *testing.T) {
		clock := newFakeClock()
		n := 0
		run, err := WaitForRun(t.Context(), func(context.Context) (*wire.Run, error) {
			n++
			switch {
			case n == 1:
				return &wire.Run{ID: "r", State: wire.StateExecuting}, nil
			case n <= 6: // five consecutive transient errors
				return nil, transient[n%len(transient)]
			case n == 7:
				return &wire.Run{ID: "r", State: wire.StateExecuting}, nil
			case n <= 11: // the counter was reset by the success
				return nil, transient[0]
			}
			return &wire.Run{ID: "r", State: wire.StateCompleted, Result: wire.ResultSuccess}, nil
		}, clock.opts())
		if err != nil || run.Result != wire.ResultSuccess {
			t.Fatalf("run=%+v err=%v", run, err)
		}
	})
	t.Run("too many", func(t *testing.T) {
		clock := newFakeClock()
		opts := clock.opts()
		opts.MaxTransientErrors = 2
		n := 0
		run, err := WaitForRun(t.Context(), func(context.Context) (*wire.Run, error) {
			n++
			if n == 1 {
				return &wire.Run{ID: "r", State: wire.StateQueued}, nil
			}
			return nil, transient[0]
		}, opts)
		if err == nil || !IsStatus(err, 500) || !strings.Contains(err.Error(), "3 times") {
			t.Fatalf("err = %v", err)
		}
		if run == nil || run.State != wire.StateQueued || n != 4 {
			t.Errorf("last run = %+v after %d polls", run, n)
		}
	})
	t.Run("404 stops at once", func(t *testing.T) {
		clock := newFakeClock()
		n := 0
		_, err := WaitForRun(t.Context(), func(context.Context) (*wire.Run, error) {
			n++
			return nil, &APIError{Status: 404, Code: "StorageConnectionRunNotFound"}
		}, clock.opts())
		if !IsNotFound(err) || n != 1 || len(clock.sleeps) != 0 {
			t.Errorf("err=%v polls=%d", err, n)
		}
	})
	t.Run("nil run", func(t *testing.T) {
		if _, err := WaitForRun(t.Context(), func(context.Context) (*wire.Run, error) { return nil, nil }, newFakeClock().opts()); err == nil {
			t.Error("expected an error")
		}
	})
}

func TestWaitForRunContext(t *testing.T) {
	clock := newFakeClock()
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	run, err := WaitForRun(ctx, func(context.Context) (*wire.Run, error) {
		n++
		if n == 3 {
			cancel()
		}
		return &wire.Run{ID: tRun, State: wire.StateExecuting, Phase: wire.PhaseMasterFile}, nil
	}, clock.opts())
	if !errors.Is(err, context.Canceled) || run == nil {
		t.Fatalf("run=%v err=%v", run, err)
	}
	if !strings.Contains(err.Error(), tRun) || !strings.Contains(err.Error(), "Executing") || !strings.Contains(err.Error(), "MasterFile") {
		t.Errorf("error should say where the run was: %v", err)
	}

	// get fails because the context ended: the context error wins, not "transient".
	ctx2, cancel2 := context.WithCancel(t.Context())
	cancel2()
	_, err = WaitForRun(ctx2, func(ctx context.Context) (*wire.Run, error) {
		return nil, &TransportError{Method: "GET", URL: "u", Err: ctx.Err()}
	}, clock.opts())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}

	// The real sleeper (the default when Sleep is nil) honours the context. The poll cancels it and the next
	// interval is an hour: WaitForRun can only return (and the test finish) if that sleep is abandoned.
	ctx3, cancel3 := context.WithCancel(t.Context())
	defer cancel3()
	polls := 0
	run, err = WaitForRun(ctx3, func(context.Context) (*wire.Run, error) {
		polls++
		cancel3()
		return &wire.Run{ID: "r", State: wire.StateQueued}, nil
	}, WaitOptions{MinInterval: time.Hour, MaxInterval: time.Hour})
	if !errors.Is(err, context.Canceled) || polls != 1 || run == nil || run.State != wire.StateQueued {
		t.Errorf("real sleeper: run=%v err=%v polls=%d; want the queued run, context canceled, 1 poll", run, err, polls)
	}
	ctx4, cancel4 := context.WithCancel(t.Context())
	cancel4()
	if err := Sleep(ctx4, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context = %v", err)
	}
	if err := Sleep(t.Context(), time.Millisecond); err != nil {
		t.Error(err)
	}
}

func TestWaitForRunOnChange(t *testing.T) {
	task := func(state string) []wire.Job {
		return []wire.Job{{ID: "j", State: wire.StateExecuting, Tasks: []wire.Task{{ID: "t", State: state}}}}
	}
	seq := []*wire.Run{
		{ID: "r", State: wire.StateNotStarted, Result: wire.ResultUndetermined, Jobs: []wire.Job{}},
		{ID: "r", State: wire.StateNotStarted, Result: wire.ResultUndetermined, Jobs: []wire.Job{}}, // no change
		{ID: "r", State: wire.StateExecuting, Phase: wire.PhasePreprocessor, Result: wire.ResultUndetermined, Jobs: task(wire.StateExecuting)},
		{ID: "r", State: wire.StateExecuting, Phase: wire.PhasePreprocessor, Result: wire.ResultUndetermined, Jobs: task(wire.StateWaitingToRetry)}, // task change
		{ID: "r", State: wire.StateExecuting, Phase: wire.PhasePreprocessor, Result: wire.ResultUndetermined, Jobs: task(wire.StateWaitingToRetry)}, // no change
		{ID: "r", State: wire.StateCompleted, Phase: wire.PhasePreprocessor, Result: wire.ResultSuccess, Jobs: task(wire.StateCompleted)},
	}
	var changes [][2]*wire.Run
	opts := newFakeClock().opts()
	opts.OnChange = func(prev, cur *wire.Run) { changes = append(changes, [2]*wire.Run{prev, cur}) }
	i := 0
	if _, err := WaitForRun(t.Context(), func(context.Context) (*wire.Run, error) { i++; return seq[i-1], nil }, opts); err != nil {
		t.Fatal(err)
	}
	if len(changes) != 4 {
		t.Fatalf("%d OnChange calls, want 4", len(changes))
	}
	if changes[0][0] != nil || changes[0][1] != seq[0] {
		t.Error("first call must have prev == nil")
	}
	if changes[2][0] != seq[2] || changes[2][1] != seq[3] || changes[3][1] != seq[5] {
		t.Error("OnChange called with the wrong runs")
	}

	a := &wire.Run{Jobs: []wire.Job{{ID: "j", Tasks: []wire.Task{{ID: "t", RetryAttempts: 0}}}}}
	b := &wire.Run{Jobs: []wire.Job{{ID: "j", Tasks: []wire.Task{{ID: "t", RetryAttempts: 1}}}}}
	c := &wire.Run{Jobs: []wire.Job{{ID: "j", Result: wire.ResultError, Tasks: []wire.Task{{ID: "t"}}}}}
	if !runChanged(a, b) || !runChanged(a, c) || runChanged(a, a) {
		t.Error("runChanged")
	}
}
