package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// P1: how long after a run completes on the server does the waiter return, and how many polls does it cost —
// the provider's WaitForRun (progress-driven interval, internal/itwin/wait.go) against a fixed 10 s poll, both
// through the same WaitForRun code with the same measurement.

type waitStat struct {
	DelayMedianS float64   `json:"delay_median_s"`
	PollsMedian  float64   `json:"polls_median"`
	DelaysS      []float64 `json:"delays_s"`
	Polls        []float64 `json:"polls"`
}

type p1Row struct {
	Target       string    `json:"target"`
	Simulated    bool      `json:"simulated"`
	How          string    `json:"how"`
	Reps         int       `json:"reps"`
	RunMedianS   float64   `json:"run_duration_median_s"`
	Ours         waitStat  `json:"ours"`
	Fixed10s     waitStat  `json:"fixed_10s"`
	RunDurations []float64 `json:"run_durations_s"`
}

var fixed10s = itwin.WaitOptions{MinInterval: 10 * time.Second, MaxInterval: 10 * time.Second,
	Jitter: func(d time.Duration) time.Duration { return d }}

func (s *waitStat) add(delay time.Duration, polls int) {
	s.DelaysS = append(s.DelaysS, delay.Seconds())
	s.Polls = append(s.Polls, float64(polls))
	s.DelayMedianS, s.PollsMedian = median(s.DelaysS), median(s.Polls)
}

func benchP1(ctx context.Context, e *env, logf func(string, ...any)) ([]p1Row, error) {
	const calSpeed = 0.05
	l, err := e.startLocal(ctx, e.dir("p1")+"/data", "--speed", fmt.Sprint(calSpeed))
	if err != nil {
		return nil, err
	}
	defer l.stop()
	c, err := l.client(ctx)
	if err != nil {
		return nil, err
	}
	fileID, err := upload(ctx, c, l.RootFolderID, "p1.ifc", smallIFC(1))
	if err != nil {
		return nil, err
	}
	// One connection per strategy, each on its own iModel, so the two waiters' runs never queue behind each other.
	var conns [2]string
	for i, name := range []string{"p1-ours", "p1-fixed"} {
		im, err := newIModel(ctx, c, l.ITwinID, name)
		if err != nil {
			return nil, err
		}
		if conns[i], err = newConnection(ctx, c, im, name, fileID); err != nil {
			return nil, err
		}
	}
	// Calibrate: the run's length is proportional to --speed (every lifecycle pause is scaled by it).
	runID, err := startRun(ctx, c, conns[0])
	if err != nil {
		return nil, err
	}
	r, err := pollRun(ctx, c, conns[0], runID, 2*time.Minute)
	if err != nil {
		return nil, err
	}
	cal := r.EndDateTime.Sub(r.StartDateTime.Time)
	logf("P1 calibration: speed %.2f -> run of %.2fs", calSpeed, cal.Seconds())

	// Each repetition has its own run length around the target (factors below), so where the completion falls
	// on the fixed poll's 10 s grid varies as it does in practice; both waiters run side by side on the same
	// length.
	var rows []p1Row
	for _, tc := range []struct {
		target  time.Duration
		factors []float64
	}{{2 * time.Second, []float64{0.8, 0.9, 1, 1.1, 1.2}}, {20 * time.Second, []float64{0.85, 1, 1.15}}} {
		row := p1Row{Target: tc.target.String(), Reps: len(tc.factors), How: fmt.Sprintf("real itwin-local runs, real clock; lengths %.0f–%.0f %% of target",
			100*tc.factors[0], 100*tc.factors[len(tc.factors)-1])}
		for _, f := range tc.factors {
			speed := calSpeed * f * tc.target.Seconds() / cal.Seconds()
			if err := l.restart(ctx, []string{"--speed", strconv.FormatFloat(speed, 'f', 4, 64)}); err != nil {
				return nil, err
			}
			if c, err = l.client(ctx); err != nil {
				return nil, err
			}
			var wg sync.WaitGroup
			type res struct {
				run   *wire.Run
				delay time.Duration
				polls int
				err   error
			}
			var out [2]res
			for i, opts := range []itwin.WaitOptions{{}, fixed10s} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := &out[i]
					r.run, r.delay, r.polls, r.err = measureRealWait(ctx, c, conns[i], opts)
				}()
			}
			wg.Wait()
			for _, r := range out {
				if r.err != nil {
					return nil, r.err
				}
			}
			row.Ours.add(out[0].delay, out[0].polls)
			row.Fixed10s.add(out[1].delay, out[1].polls)
			for _, r := range out {
				row.RunDurations = append(row.RunDurations, r.run.EndDateTime.Sub(r.run.StartDateTime.Time).Seconds())
			}
		}
		row.RunMedianS = median(row.RunDurations)
		logf("P1 %s: runs %s s, ours %.2fs/%v polls, fixed %.2fs/%v polls", row.Target, fmtList(row.RunDurations),
			row.Ours.DelayMedianS, row.Ours.PollsMedian, row.Fixed10s.DelayMedianS, row.Fixed10s.PollsMedian)
		rows = append(rows, row)
	}
	rows = append(rows, simulateP1(30*time.Minute, 21))
	return rows, nil
}

// measureRealWait starts a run and waits for it; delay = when WaitForRun returned − the run's endDateTime.
func measureRealWait(ctx context.Context, c *itwin.Client, connID string, opts itwin.WaitOptions) (*wire.Run, time.Duration, int, error) {
	runID, err := startRun(ctx, c, connID)
	if err != nil {
		return nil, 0, 0, err
	}
	polls := 0
	run, err := itwin.WaitForRun(ctx, func(ctx context.Context) (*wire.Run, error) {
		polls++
		return c.Connections(wire.KindStorage).GetRun(ctx, connID, runID)
	}, opts)
	returned := time.Now()
	if err != nil {
		return nil, 0, 0, err
	}
	return run, returned.Sub(run.EndDateTime.Time), polls, nil
}

// simulateP1 runs WaitForRun against a modelled run on a simulated clock: sleeping advances the clock, a poll
// takes no time, and the run reports what itwin-local reports (simRun). Lengths are spread over one minute so
// completion falls at different points of the fixed poll's 10 s grid, and each repetition has its own task
// durations.
func simulateP1(length time.Duration, reps int) p1Row {
	row := p1Row{Target: length.String() + " (simulated)", Simulated: true, Reps: reps,
		How: fmt.Sprintf("simulated clock, modelled run with %d tasks of uneven length (±50 %%), zero request latency", simTasks)}
	for k := range reps {
		runLen := length + time.Duration(k)*time.Minute/time.Duration(reps)
		for i, opts := range []itwin.WaitOptions{{}, fixed10s} {
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			sim := newSimRun(now, runLen, uint64(k))
			opts.Clock = func() time.Time { return now }
			opts.Sleep = func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil }
			polls := 0
			run, err := itwin.WaitForRun(context.Background(), func(context.Context) (*wire.Run, error) {
				polls++
				return sim.at(now), nil
			}, opts)
			if err != nil {
				panic(err) // cannot happen: the modelled server never fails
			}
			if i == 0 {
				row.Ours.add(now.Sub(run.EndDateTime.Time), polls)
				row.RunDurations = append(row.RunDurations, runLen.Seconds())
			} else {
				row.Fixed10s.add(now.Sub(run.EndDateTime.Time), polls)
			}
		}
	}
	row.RunMedianS = median(row.RunDurations)
	return row
}

const simTasks = 8

// simRun is a run as itwin-local reports it (internal/itwinlocal/engine/run.go): Queued, WaitingToExecute with
// one NotStarted task per file, Executing in the Preprocessor phase, the MasterFile phase running the tasks one
// after another, the ReferenceFile phase, Finalizing, Completed. Task durations vary ±50 % around their mean.
type simRun struct {
	start time.Time
	steps []simStep // consecutive, each ends at its offset
}

type simStep struct {
	end          time.Duration
	state, phase string
	tasksDone    int  // tasks completed by then
	taskRunning  bool // task tasksDone is executing
	jobsLaidOut  bool
}

func newSimRun(start time.Time, length time.Duration, seed uint64) *simRun {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	const queued, waiting, prep, ref, finalize = 5 * time.Second, 15 * time.Second, 60 * time.Second, 30 * time.Second, 45 * time.Second
	work := length - queued - waiting - prep - ref - finalize
	weights := make([]float64, simTasks)
	sum := 0.0
	for i := range weights {
		weights[i] = 0.5 + rng.Float64()
		sum += weights[i]
	}
	s := &simRun{start: start}
	at := time.Duration(0)
	add := func(d time.Duration, st simStep) {
		at += d
		st.end = at
		s.steps = append(s.steps, st)
	}
	add(queued, simStep{state: wire.StateQueued})
	add(waiting, simStep{state: wire.StateWaitingToExecute, jobsLaidOut: true})
	add(prep, simStep{state: wire.StateExecuting, phase: wire.PhasePreprocessor, jobsLaidOut: true})
	for i, w := range weights {
		add(time.Duration(float64(work)*w/sum), simStep{state: wire.StateExecuting, phase: wire.PhaseMasterFile, tasksDone: i, taskRunning: true, jobsLaidOut: true})
	}
	add(ref, simStep{state: wire.StateExecuting, phase: wire.PhaseReferenceFile, tasksDone: simTasks, jobsLaidOut: true})
	add(length-at, simStep{state: wire.StateFinalizing, phase: wire.PhaseReferenceFile, tasksDone: simTasks, jobsLaidOut: true})
	return s
}

// at is the run as a GET at now answers it.
func (s *simRun) at(now time.Time) *wire.Run {
	el := now.Sub(s.start)
	last := s.steps[len(s.steps)-1]
	if el >= last.end {
		r := s.run(simStep{state: wire.StateCompleted, phase: last.phase, tasksDone: simTasks, jobsLaidOut: true})
		r.Result, r.EndDateTime = wire.ResultSuccess, wire.NewTimestamp(s.start.Add(last.end))
		return r
	}
	for _, st := range s.steps {
		if el < st.end {
			return s.run(st)
		}
	}
	panic("unreachable")
}

func (s *simRun) run(st simStep) *wire.Run {
	r := &wire.Run{ID: "sim", State: st.state, Phase: st.phase, Result: wire.ResultUndetermined, StartDateTime: wire.NewTimestamp(s.start), Jobs: []wire.Job{}}
	if !st.jobsLaidOut {
		return r
	}
	job := wire.Job{ID: "job", State: wire.StateNotStarted, Result: wire.ResultUndetermined, ConnectorType: "IFC"}
	for i := range simTasks {
		t := wire.Task{ID: fmt.Sprintf("task-%d", i), State: wire.StateNotStarted, Result: wire.ResultUndetermined}
		switch {
		case i < st.tasksDone:
			t.State, t.Result = wire.StateCompleted, wire.ResultSuccess
		case i == st.tasksDone && st.taskRunning:
			t.State = wire.StateExecuting
		}
		job.Tasks = append(job.Tasks, t)
	}
	if st.state != wire.StateWaitingToExecute {
		job.State = wire.StateExecuting
	}
	r.Jobs = []wire.Job{job}
	return r
}
