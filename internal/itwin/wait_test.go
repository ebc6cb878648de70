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

// scripted is a run as a server reports it over time: tasks are laid out at laidOut, task i completes at
// taskEnds[i] (tasks run one after another), Finalizing starts at finalizing and the run completes at end.
type scripted struct {
	laidOut, finalizing, end time.Duration
	taskEnds                 []time.Duration
}

func (s scripted) at(el time.Duration) *wire.Run {
	r := &wire.Run{ID: "r", State: wire.StateQueued, Result: wire.ResultUndetermined, Jobs: []wire.Job{}}
	if el < s.laidOut {
		return r
	}
	job := wire.Job{ID: "j", State: wire.StateExecuting}
	running := false
	for i, e := range s.taskEnds {
		task := wire.Task{ID: string(rune('a' + i)), State: wire.StateNotStarted}
		switch {
		case el >= e:
			task.State = wire.StateCompleted
		case !running:
			task.State, running = wire.StateExecuting, true
		}
		job.Tasks = append(job.Tasks, task)
	}
	r.Jobs = []wire.Job{job}
	r.State, r.Phase = wire.StateExecuting, wire.PhaseMasterFile
	switch {
	case el >= s.end:
		r.State, r.Result = wire.StateCompleted, wire.ResultSuccess
	case el >= s.finalizing:
		r.State = wire.StateFinalizing
	}
	return r
}

// waitScripted waits for the scripted run on a fake clock (no jitter) and returns the polls, how late the end
// was noticed and every interval slept.
func waitScripted(t *testing.T, s scripted, opts func(*WaitOptions)) (polls int, delay time.Duration, sleeps []time.Duration) {
	t.Helper()
	clock := newFakeClock()
	start := clock.now
	o := clock.opts()
	if opts != nil {
		opts(&o)
	}
	run, err := WaitForRun(t.Context(), func(context.Context) (*wire.Run, error) {
		polls++
		return s.at(clock.now.Sub(start)), nil
	}, o)
	if err != nil || run.State != wire.StateCompleted {
		t.Fatalf("run=%+v err=%v", run, err)
	}
	return polls, clock.now.Sub(start) - s.end, clock.sleeps
}

// evenTasks spreads n task ends evenly over [from, to].
func evenTasks(n int, from, to time.Duration) []time.Duration {
	var out []time.Duration
	for i := 1; i <= n; i++ {
		out = append(out, from+(to-from)*time.Duration(i)/time.Duration(n))
	}
	return out
}

func TestWaitForRunLongRunWithProgressPollsLessAndNoticesTheEndEarly(t *testing.T) {
	const length = 30 * time.Minute
	fixed := func(o *WaitOptions) { o.MinInterval, o.MaxInterval = 10*time.Second, 10*time.Second }
	// Task lengths alternate 0.6τ and 1.4τ, so the estimate is never exact.
	var ends []time.Duration
	at, tau := 80*time.Second, (length-80*time.Second-75*time.Second)/8
	for i := range 8 {
		at += tau * time.Duration(6+8*(i%2)) / 10
		ends = append(ends, at)
	}
	s := scripted{laidOut: 5 * time.Second, taskEnds: ends, finalizing: at + 30*time.Second, end: length}
	polls, delay, sleeps := waitScripted(t, s, nil)
	fixedPolls, _, _ := waitScripted(t, s, fixed)
	if fixedPolls != 181 {
		t.Fatalf("a fixed 10 s poll takes %d polls over 30 min, want 181", fixedPolls)
	}
	if float64(polls) > 0.8*float64(fixedPolls) {
		t.Errorf("%d polls, more than 0.8 × %d (fixed 10 s)", polls, fixedPolls)
	}
	if delay > length/100 {
		t.Errorf("end noticed %s late, more than 1 %% of %s", delay, length)
	}
	for _, d := range sleeps {
		if d > DefaultMaxPollInterval {
			t.Fatalf("slept %s, above the max interval", d)
		}
	}
	// Without progress (no jobs reported), the same run costs the elapsed-time schedule's polls: the saving
	// comes from the tasks.
	bare, _, _ := waitScripted(t, scripted{laidOut: 2 * length, finalizing: 2 * length, end: length}, nil)
	if bare <= polls {
		t.Errorf("progress did not reduce polls: %d with progress, %d without", polls, bare)
	}
}

func TestWaitForRunProgressThatLiesIsStillNoticedWithinTheMaxInterval(t *testing.T) {
	for name, s := range map[string]scripted{
		// 2 of 8 tasks done in the first minute (the estimate says 4 min), then nothing for an hour.
		"stall": {laidOut: 5 * time.Second, taskEnds: append(evenTasks(2, 5*time.Second, time.Minute), 2*time.Hour, 2*time.Hour, 2*time.Hour, 2*time.Hour, 2*time.Hour, 2*time.Hour), finalizing: 2 * time.Hour, end: time.Hour + 17*time.Second},
		// 1 of 8 after 10 min (the estimate says 80 min), then the run completes at once.
		"jump": {laidOut: 5 * time.Second, taskEnds: append(evenTasks(1, 5*time.Second, 10*time.Minute), 11*time.Minute, 11*time.Minute, 11*time.Minute, 11*time.Minute, 11*time.Minute, 11*time.Minute, 11*time.Minute), finalizing: 11 * time.Minute, end: 11*time.Minute + 7*time.Second},
		// The last task takes ten times longer than the others.
		"overrun": {laidOut: 5 * time.Second, taskEnds: append(evenTasks(3, 5*time.Second, 3*time.Minute), 33*time.Minute), finalizing: 33 * time.Minute, end: 33*time.Minute + 4*time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			polls, delay, sleeps := waitScripted(t, s, nil)
			if delay > DefaultMaxPollInterval {
				t.Errorf("end noticed %s late, more than the max interval", delay)
			}
			for _, d := range sleeps {
				if d > DefaultMaxPollInterval || d < DefaultMinPollInterval {
					t.Fatalf("slept %s, outside [min, max]", d)
				}
			}
			// Dense polling (0.5 % of the elapsed time) around a wrong estimate must not last: the overrun widens
			// the interval. The elapsed-time schedule alone needs about 20 polls per e-fold of time plus one per
			// 30 s once capped; allow that bound.
			capped := s.end - 10*time.Minute
			limit := 20*9 + int(max(capped, 0)/DefaultMaxPollInterval) + 10
			if polls > limit {
				t.Errorf("%d polls for a %s run, more than %d", polls, s.end, limit)
			}
		})
	}
}

func TestWaitForRunShortRunsStayFast(t *testing.T) {
	// One-file runs as itwin-local reports them: tasks laid out early, the task, then a tail as long again.
	for _, length := range []time.Duration{2 * time.Second, 20 * time.Second} {
		step := length / 7
		s := scripted{laidOut: step, taskEnds: []time.Duration{4 * step}, finalizing: 6 * step, end: length}
		_, delay, _ := waitScripted(t, s, nil)
		if delay > 500*time.Millisecond {
			t.Errorf("%s run: end noticed %s late, want at most 0.5 s", length, delay)
		}
	}
}

func TestProgressInterval(t *testing.T) {
	sec := func(n float64) time.Duration { return time.Duration(n * float64(time.Second)) }
	run := func(state string, done, n int) *wire.Run {
		var tasks []wire.Task
		for i := range n {
			st := wire.StateNotStarted
			if i < done {
				st = wire.StateCompleted
			}
			tasks = append(tasks, wire.Task{ID: string(rune('a' + i)), State: st})
		}
		return &wire.Run{State: state, Jobs: []wire.Job{{ID: "j", Tasks: tasks}}}
	}
	var p progress
	// No jobs: the elapsed-time schedule.
	p.observe(sec(10), &wire.Run{State: wire.StateQueued, Jobs: []wire.Job{}})
	if got := p.interval(sec(10), 0, 0); got != NextPollInterval(sec(10), 0, 0) {
		t.Errorf("no jobs: %s", got)
	}
	// 10 tasks seen at 20 s (dated 15 s, halfway since the last poll); none done at 35 s: the current task is 20 s
	// old, so at least 9 × 20 s remain, ¾ of which is capped at 30 s.
	p.observe(sec(20), run(wire.StateExecuting, 0, 10))
	p.observe(sec(35), run(wire.StateExecuting, 0, 10))
	if got := p.interval(sec(35), 0, 0); got != 30*time.Second {
		t.Errorf("far from the end: %s, want 30s", got)
	}
	// 8 done at 905 s (dated 470 s), 9 at 915 s (dated 910 s): τ = (910−15)/9 ≈ 99.4 s and the last task is 5 s
	// old, so ≈ 94.4 s remain → 30 s.
	p.observe(sec(905), run(wire.StateExecuting, 8, 10))
	p.observe(sec(915), run(wire.StateExecuting, 9, 10))
	if got := p.interval(sec(915), 0, 0); got != 30*time.Second {
		t.Errorf("one task left: %s, want 30s", got)
	}
	// At 990 s the last task is 80 s old: ≈ 19.4 s remain → max(¾ × 19.4 s, 0.5 % of 990 s) ≈ 14.6 s.
	if got := p.interval(sec(990), 0, 0); got < sec(14.5) || got > sec(14.7) {
		t.Errorf("near the end: %s, want ≈14.6s", got)
	}
	// At 1030 s the estimate is 20.6 s past: 0.5 % of the elapsed time (5.15 s) plus a quarter of the overrun.
	if got := p.interval(sec(1030), 0, 0); got < sec(10.2) || got > sec(10.4) {
		t.Errorf("overrun: %s, want ≈10.3s", got)
	}
	// All done (the tail): dense, 0.5 % of the elapsed time.
	p.observe(sec(1004), run(wire.StateFinalizing, 10, 10))
	if got := p.interval(sec(1004), 0, 0); got != sec(5.02) {
		t.Errorf("tail: %s, want 5.02s", got)
	}
	// Custom bounds still apply.
	if got := p.interval(sec(1004), 6*time.Second, 8*time.Second); got != 6*time.Second {
		t.Errorf("tail with min 6s: %s", got)
	}
}
