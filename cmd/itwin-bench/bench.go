package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

type benchResults struct {
	Started   string    `json:"started"`
	Seconds   float64   `json:"total_s"`
	Machine   string    `json:"machine"`
	Terraform string    `json:"terraform"`
	P1        []p1Row   `json:"p1_completion_detection"`
	P2        []p2Step  `json:"p2_api_calls"`
	P3        *p3Result `json:"p3_plugin_floor"`
	P4        *p4Result `json:"p4_itwin_local_sync"`
	P5        *p5Result `json:"p5_rate_limit"`
	Table     string    `json:"table"`
}

func runBench(ctx context.Context, e *env, outDir string) error {
	start := time.Now()
	logf := func(f string, a ...any) {
		fmt.Fprintf(os.Stderr, "[%5.0fs] "+f+"\n", append([]any{time.Since(start).Seconds()}, a...)...)
	}
	res := &benchResults{Started: start.UTC().Format(time.RFC3339), Machine: fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())}
	if out, _, err := e.terraform(e.work, nil).run(ctx, "version"); err == nil {
		res.Terraform = strings.SplitN(out, "\n", 2)[0]
	}
	var err error
	if selected("P1") {
		logf("P1 completion detection (about 2.5 min)")
		if res.P1, err = benchP1(ctx, e, logf); err != nil {
			return fmt.Errorf("P1: %w", err)
		}
	}
	if selected("P2") {
		logf("P2 API calls")
		if res.P2, err = benchP2(ctx, e, logf); err != nil {
			return fmt.Errorf("P2: %w", err)
		}
	}
	if selectedP3(0) {
		logf("P3 plan/apply overhead against terraform-provider-time (about 10 min)")
		if res.P3, err = benchP3(ctx, e, logf); err != nil {
			return fmt.Errorf("P3: %w", err)
		}
	}
	if selected("P4") {
		logf("P4 itwin-local sync of a 50 MB IFC")
		if res.P4, err = benchP4(ctx, e, logf); err != nil {
			return fmt.Errorf("P4: %w", err)
		}
	}
	if selected("P5") {
		logf("P5 plan of %d storage folders under a limit of %d requests/minute (about 2 min)", p5Objects, p5PerMinute)
		if res.P5, err = benchP5(ctx, e, logf); err != nil {
			return fmt.Errorf("P5: %w", err)
		}
	}
	res.Seconds = time.Since(start).Seconds()
	var sb strings.Builder
	printTable(&sb, res)
	res.Table = sb.String()
	fmt.Print(res.Table)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(outDir, "results-"+start.UTC().Format("20060102T150405Z")+".json")
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("JSON: %s\n", path)
	return nil
}

func ratio(a, b float64) string {
	if b == 0 {
		if a == 0 {
			return "1.00 (0/0)"
		}
		return "∞"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func printTable(w io.Writer, r *benchResults) {
	fmt.Fprintf(w, "\nmake bench — %s, %s, total %.0f s\n", r.Machine, r.Terraform, r.Seconds)
	fmt.Fprintln(w, strings.Repeat("=", 112))
	fmt.Fprintln(w, "P1 run completion detection: delay from the run's endDateTime to the waiter returning (median), polls (median)")
	fmt.Fprintf(w, "  %-22s %-5s %-9s | %-22s | %-22s | %s\n", "run", "reps", "run(med)", "WaitForRun delay/polls", "fixed 10 s delay/polls", "how measured")
	for _, p := range r.P1 {
		fmt.Fprintf(w, "  %-22s %-5d %8.1fs | %9.2fs %6.0f polls | %9.2fs %6.0f polls | %s\n", p.Target, p.Reps, p.RunMedianS,
			p.Ours.DelayMedianS, p.Ours.PollsMedian, p.Fixed10s.DelayMedianS, p.Fixed10s.PollsMedian, p.How)
	}
	if len(r.P1) > 0 {
		fmt.Fprintln(w, "  WaitForRun polls every ~5 % of the elapsed time (250 ms..30 s, ±20 % jitter) until the run lays out its tasks;")
		fmt.Fprintln(w, "  then it extrapolates the time left from the tasks completed (internal/itwin/wait.go, progress): sparse (up to")
		fmt.Fprintln(w, "  30 s) far from the expected end, 0.5 % of the elapsed time near it and once all tasks are done, widening again")
		fmt.Fprintln(w, "  when the run overruns its estimate. Both columns use the same WaitForRun code, only the interval differs.")
		for _, p := range r.P1 {
			if p.Simulated && p.Fixed10s.PollsMedian > 0 && p.RunMedianS > 0 {
				fmt.Fprintf(w, "  %s: polls %.0f vs %.0f = %.2f× a fixed 10 s poll (goal ≤ 0.8×); delay %.2fs = %.2f %% of the run (goal ≤ 1 %%)\n",
					p.Target, p.Ours.PollsMedian, p.Fixed10s.PollsMedian, p.Ours.PollsMedian/p.Fixed10s.PollsMedian,
					p.Ours.DelayMedianS, 100*p.Ours.DelayMedianS/p.RunMedianS)
			}
		}
	}
	fmt.Fprintln(w, strings.Repeat("-", 112))
	fmt.Fprintln(w, "P2 API calls, 50 storage connections x 4 source files (itwin-local /local/stats; token calls listed apart)")
	for _, s := range r.P2 {
		fmt.Fprintf(w, "  %-12s %4d API calls (%d writes, %d reads), minimum %d (%d writes): ratio %s, writes %d/%d; token %d; %.1fs\n",
			s.Step, s.API, s.Writes, s.Reads, s.MinAPI, s.MinWrites, ratio(float64(s.API), float64(s.MinAPI)), s.Writes, s.MinWrites, s.Token, s.Seconds)
		for _, k := range sortedKeys(s.Requests) {
			fmt.Fprintf(w, "      %5d  %s\n", s.Requests[k], k)
		}
		fmt.Fprintf(w, "      minimum = %s\n", s.MinComment)
	}
	if len(r.P2) > 0 {
		fmt.Fprintln(w, "  goal: apply <= 1.5x the minimum (the connector-extension check reads each Storage file at most once per plan, none once applying)")
	}
	fmt.Fprintln(w, strings.Repeat("-", 112))
	if p := r.P3; p != nil {
		printP3(w, p)
	}
	fmt.Fprintln(w, strings.Repeat("-", 112))
	if p := r.P4; p != nil {
		fmt.Fprintf(w, "P4 itwin-local sync of a generated %.1f MiB IFC (speed %s); peak RSS = VmHWM of the itwin-local process\n", p.FileMiB, p.Speed)
		for _, s := range p.Steps {
			extra := ""
			if s.ElementsRenamed > 0 {
				extra = fmt.Sprintf(", %d elements renamed", s.ElementsRenamed)
			}
			reset := ""
			if !s.PeakReset {
				reset = " (VmHWM could not be reset: peak since process start)"
			}
			fmt.Fprintf(w, "  %-18s server %6.2fs  peak RSS %5.0f MiB (RSS before the run %4.0f MiB)%s  %s, %d changeset(s)%s\n",
				s.Step, s.ServerS, s.PeakRSSMiB, s.BeforeMiB, reset, s.Result, s.Changesets, extra)
		}
	}
	printP5(w, r.P5)
	fmt.Fprintln(w, strings.Repeat("=", 112))
}

func fmtList(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}
