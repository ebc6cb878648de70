package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// P2: API calls per method and route for apply, refresh and no-op apply of 50 connections × 4 source files.

type p2Step struct {
	Step       string           `json:"step"`
	Command    string           `json:"command"`
	Requests   map[string]int64 `json:"requests"`
	API        int64            `json:"api_calls"`
	Writes     int64            `json:"writes"`
	Reads      int64            `json:"reads"`
	Token      int64            `json:"token_calls"`
	MinAPI     int64            `json:"min_api_calls"`
	MinWrites  int64            `json:"min_writes"`
	MinComment string           `json:"min_definition"`
	Seconds    float64          `json:"wall_s"`
}

const p2Conns, p2Files = 50, 4

const p2Config = `terraform {
  required_providers {
    itwin = { source = "seed37c7dd03/itwin" }
  }
}

provider "itwin" {}

variable "imodel_id" { type = string }
variable "file_ids" { type = list(string) }

resource "itwin_sync_storage_connection" "c" {
  count               = length(var.file_ids) / 4
  imodel_id           = var.imodel_id
  display_name        = "bench ${count.index}"
  authentication_type = "Service"
  source_files = [for i in range(4) : {
    storage_file_id = var.file_ids[count.index * 4 + i]
    connector_type  = "IFC"
  }]
}
`

func isNonAPI(key string) bool {
	_, route, _ := strings.Cut(key, " ")
	return strings.HasPrefix(route, "/local/") || strings.HasPrefix(route, "/blobs/") || route == "/connect/token" || strings.HasPrefix(route, "/.well-known")
}

func countStep(step, command string, reqs map[string]int64, d time.Duration) p2Step {
	s := p2Step{Step: step, Command: command, Requests: map[string]int64{}, Seconds: d.Seconds()}
	for k, v := range reqs {
		if strings.HasPrefix(k, "POST /local/stats") || strings.HasPrefix(k, "GET /local/stats") {
			continue
		}
		s.Requests[k] = v
		if k == "POST /connect/token" {
			s.Token += v
			continue
		}
		if isNonAPI(k) {
			continue
		}
		s.API += v
		if strings.HasPrefix(k, "GET ") {
			s.Reads += v
		} else {
			s.Writes += v
		}
	}
	return s
}

func benchP2(ctx context.Context, e *env, logf func(string, ...any)) ([]p2Step, error) {
	l, err := e.startLocal(ctx, e.dir("p2")+"/data", "--speed", "0.001")
	if err != nil {
		return nil, err
	}
	defer l.stop()
	c, err := l.client(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := uploadMany(ctx, c, l.RootFolderID, p2Conns*p2Files)
	if err != nil {
		return nil, err
	}
	t := e.terraform(e.dir("p2-tf"), l)
	if err := t.writeFile("main.tf", p2Config); err != nil {
		return nil, err
	}
	if err := t.writeVars(map[string]any{"imodel_id": l.IModelID, "file_ids": ids}); err != nil {
		return nil, err
	}
	n := int64(p2Conns)
	steps := []struct{ step, min string }{
		{"apply", "1 POST per connection (S1 takes all 4 files) + 1 GET of its source files (S1 does not return the mapping ids)"},
		{"refresh", "1 GET per object, 0 writes"},
		{"no-op apply", "1 GET per object (refresh), 0 writes"},
	}
	var out []p2Step
	for i, s := range steps {
		args := []string{"apply", "-auto-approve"}
		if s.step == "refresh" {
			args = []string{"apply", "-refresh-only", "-auto-approve"}
		}
		if err := l.resetStats(ctx); err != nil {
			return nil, err
		}
		_, d, err := t.run(ctx, args...)
		if err != nil {
			return nil, err
		}
		reqs, err := l.stats(ctx)
		if err != nil {
			return nil, err
		}
		st := countStep(s.step, "terraform "+strings.Join(args, " "), reqs, d)
		st.MinComment = s.min
		if i == 0 {
			st.MinAPI, st.MinWrites = 2*n, n
		} else {
			st.MinAPI, st.MinWrites = n, 0
		}
		logf("P2 %s: %d API calls (%d writes) in %.1fs", s.step, st.API, st.Writes, d.Seconds())
		out = append(out, st)
	}
	// The no-op apply must really have been a no-op.
	if code, _, err := t.planExit(ctx); err != nil || code != 0 {
		return out, fmt.Errorf("P2: plan after the no-op apply is not empty (exit %d): %v", code, err)
	}
	return out, nil
}

// uploadMany uploads n small IFC files in parallel and returns their ids in order.
func uploadMany(ctx context.Context, c *itwin.Client, folderID string, n int) ([]string, error) {
	ids := make([]string, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ids[i], errs[i] = upload(ctx, c, folderID, fmt.Sprintf("bench-%03d.ifc", i), smallIFC(int64(i+100)))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// P3: plan and apply overhead against the plugin floor. The floor is terraform-provider-time (a HashiCorp framework
// provider with no network: what any plugin costs), built by scripts/bench.sh into bin/; terraform_data (built
// into Terraform, no plugin process) is shown for reference. Ours is itwin_storage_folder against itwin-local: one
// POST per create, one GET per object per plan (refresh).

// timeProviderVersion is the pinned terraform-provider-time that scripts/bench.sh builds with go install.
const timeProviderVersion = "v0.14.2"

// p3Sizes are the object counts; the 2,000-object applies are most of P3's time, so 3 alternating reps.
var p3Sizes = []int{200, 2000}

const p3Reps = 3

type p3Cell struct {
	Skipped   string    `json:"skipped,omitempty"`
	PlanS     []float64 `json:"plan_s"`
	ApplyS    []float64 `json:"apply_s"`
	PlanCPUS  []float64 `json:"plan_cpu_s"`  // user+system of terraform and its plugins
	ApplyCPUS []float64 `json:"apply_cpu_s"` // idem
	PlanMed   float64   `json:"plan_median_s"`
	ApplyMed  float64   `json:"apply_median_s"`
	PlanCPU   float64   `json:"plan_cpu_median_s"`
	ApplyCPU  float64   `json:"apply_cpu_median_s"`
}

type p3Size struct {
	Objects int                `json:"objects"`
	Cells   map[string]*p3Cell `json:"cells"` // ours, time_static, terraform_data
	// Ours: API calls of one apply and one plan (rep 1), and itwin-local's CPU for them.
	OursApplyRequests map[string]int64 `json:"ours_apply_requests"`
	OursPlanAPI       int64            `json:"ours_plan_api_calls"`
	OursApplyAPI      int64            `json:"ours_apply_api_calls"`
	ServerApplyCPUS   float64          `json:"itwin_local_apply_cpu_s"`
	ServerPlanCPUS    float64          `json:"itwin_local_plan_cpu_s"`
}

type p3Result struct {
	TimeProvider string    `json:"time_provider"`
	Reps         int       `json:"reps"`
	Sizes        []*p3Size `json:"sizes"`
}

const (
	p3Ours = "itwin_storage_folder"
	p3Time = "time_static"
	p3Data = "terraform_data"
)

var p3Kinds = []string{p3Ours, p3Time, p3Data}

func p3Config(kind string, n, rep int) string {
	switch kind {
	case p3Ours:
		return fmt.Sprintf(`terraform {
  required_providers {
    itwin = { source = "seed37c7dd03/itwin" }
  }
}

provider "itwin" {}

variable "itwin_id" { type = string }

resource "itwin_storage_folder" "f" {
  count        = %d
  itwin_id     = var.itwin_id
  display_name = "bench %d-%d folder ${count.index}"
}
`, n, n, rep)
	case p3Time:
		return fmt.Sprintf(`terraform {
  required_providers {
    time = { source = "hashicorp/time" }
  }
}

resource "time_static" "t" {
  count    = %d
  triggers = { name = "bench folder ${count.index}" }
}
`, n)
	default:
		return fmt.Sprintf(`resource "terraform_data" "d" {
  count = %d
  input = "bench folder ${count.index}"
}
`, n)
	}
}

// selectedP3 tells whether -only selects P3 (n == 0) or its size n: "P3" selects all, "P3-200" one size.
func selectedP3(n int) bool {
	if selected("P3") {
		return true
	}
	for _, m := range p3Sizes {
		if (n == 0 || n == m) && selected(fmt.Sprintf("P3-%d", m)) {
			return true
		}
	}
	return false
}

func benchP3(ctx context.Context, e *env, logf func(string, ...any)) (*p3Result, error) {
	res := &p3Result{TimeProvider: "terraform-provider-time " + timeProviderVersion, Reps: p3Reps}
	// dev_overrides for both plugins; the runs set TF_CLI_CONFIG_FILE to it (the later value wins in exec).
	timeDir := filepath.Join(e.bin, "terraform-provider-time-"+timeProviderVersion)
	timeSkip := ""
	if _, err := os.Stat(filepath.Join(timeDir, "terraform-provider-time")); err != nil {
		timeSkip = "terraform-provider-time " + timeProviderVersion + " not built (scripts/bench.sh builds it with go install); column skipped"
		res.TimeProvider = timeSkip
		logf("P3: %s", timeSkip)
	}
	rc := filepath.Join(e.work, "p3.tfrc")
	rcText := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/seed37c7dd03/itwin\" = %q\n    \"registry.terraform.io/hashicorp/time\" = %q\n  }\n  direct {}\n}\n", e.bin, timeDir)
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		return nil, err
	}
	l, err := e.startLocal(ctx, e.dir("p3")+"/data", "--speed", "0.001")
	if err != nil {
		return nil, err
	}
	defer l.stop()
	for _, n := range p3Sizes {
		if !selectedP3(n) {
			continue
		}
		sz := &p3Size{Objects: n, Cells: map[string]*p3Cell{}}
		for _, k := range p3Kinds {
			sz.Cells[k] = &p3Cell{}
		}
		if timeSkip != "" {
			sz.Cells[p3Time].Skipped = timeSkip
		}
		for rep := range p3Reps {
			// Alternate the order so that no kind always runs first (or last) on a noisy machine.
			for i := range p3Kinds {
				k := p3Kinds[(i+rep)%len(p3Kinds)]
				cell := sz.Cells[k]
				if cell.Skipped != "" {
					continue
				}
				var t *tf
				if k == p3Ours {
					t = e.terraform(e.dir("p3-ours"), l, "TF_CLI_CONFIG_FILE="+rc)
				} else {
					t = e.terraform(e.dir("p3-"+k), nil, "TF_CLI_CONFIG_FILE="+rc)
				}
				if err := t.writeFile("main.tf", p3Config(k, n, rep)); err != nil {
					return nil, err
				}
				if k == p3Ours {
					if err := t.writeVars(map[string]any{"itwin_id": l.ITwinID}); err != nil {
						return nil, err
					}
				}
				first := k == p3Ours && rep == 0
				if first {
					if err := l.resetStats(ctx); err != nil {
						return nil, err
					}
				}
				srv0 := l.cpu()
				_, d, cpu, err := t.runCPU(ctx, "apply", "-auto-approve", "-lock=false")
				if err != nil {
					return nil, fmt.Errorf("P3 %s apply of %d: %w", k, n, err)
				}
				cell.ApplyS, cell.ApplyCPUS = append(cell.ApplyS, d.Seconds()), append(cell.ApplyCPUS, cpu.Seconds())
				if first {
					sz.ServerApplyCPUS = (l.cpu() - srv0).Seconds()
					reqs, err := l.stats(ctx)
					if err != nil {
						return nil, err
					}
					st := countStep("", "", reqs, 0)
					sz.OursApplyRequests, sz.OursApplyAPI = st.Requests, st.API
					if err := l.resetStats(ctx); err != nil {
						return nil, err
					}
				}
				srv0 = l.cpu()
				out, d, cpu, err := t.runCPU(ctx, "plan", "-detailed-exitcode", "-lock=false")
				if err != nil {
					return nil, fmt.Errorf("P3 %s plan of %d (want no changes): %w", k, n, err)
				}
				_ = out
				cell.PlanS, cell.PlanCPUS = append(cell.PlanS, d.Seconds()), append(cell.PlanCPUS, cpu.Seconds())
				if first {
					sz.ServerPlanCPUS = (l.cpu() - srv0).Seconds()
					reqs, err := l.stats(ctx)
					if err != nil {
						return nil, err
					}
					sz.OursPlanAPI = countStep("", "", reqs, 0).API
				}
				logf("P3 %d %s rep %d: apply %.2fs, plan %.2fs", n, k, rep+1, cell.ApplyS[len(cell.ApplyS)-1], d.Seconds())
			}
		}
		for _, c := range sz.Cells {
			if c.Skipped == "" {
				c.PlanMed, c.ApplyMed = median(c.PlanS), median(c.ApplyS)
				c.PlanCPU, c.ApplyCPU = median(c.PlanCPUS), median(c.ApplyCPUS)
			}
		}
		res.Sizes = append(res.Sizes, sz)
	}
	return res, nil
}

func sortedKeys(m map[string]int64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// cpu is the user+system CPU time itwin-local has used so far (/proc/<pid>/stat, clock ticks of 10 ms); 0 where
// /proc is missing.
func (l *local) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", l.pid()))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

func printP3(w io.Writer, p *p3Result) {
	fmt.Fprintf(w, "P3 plan/apply overhead against the plugin floor (%s), median of %d alternating runs; x time = ratio to time_static\n",
		p.TimeProvider, p.Reps)
	fmt.Fprintf(w, "  %-7s %-22s %8s %7s %8s %7s | %s\n", "objects", "resource", "plan", "x time", "apply", "x time", "CPU plan / apply (terraform + plugin)")
	for _, sz := range p.Sizes {
		floor := sz.Cells[p3Time]
		for _, k := range p3Kinds {
			c := sz.Cells[k]
			if c.Skipped != "" {
				fmt.Fprintf(w, "  %-7d %-22s skipped: %s\n", sz.Objects, k, c.Skipped)
				continue
			}
			rp, ra := "-", "-"
			if floor.Skipped == "" {
				rp, ra = ratio(c.PlanMed, floor.PlanMed), ratio(c.ApplyMed, floor.ApplyMed)
			}
			fmt.Fprintf(w, "  %-7d %-22s %7.2fs %7s %7.2fs %7s | %6.2fs / %6.2fs   runs: plan %s; apply %s\n", sz.Objects, k,
				c.PlanMed, rp, c.ApplyMed, ra, c.PlanCPU, c.ApplyCPU, fmtList(c.PlanS), fmtList(c.ApplyS))
		}
		n := float64(sz.Objects)
		fmt.Fprintf(w, "  %d %s: apply %d API calls (%.2f per object), plan %d (%.2f per object); itwin-local CPU %.2f ms per create, %.2f ms per refresh\n",
			sz.Objects, p3Ours, sz.OursApplyAPI, float64(sz.OursApplyAPI)/n, sz.OursPlanAPI, float64(sz.OursPlanAPI)/n,
			1000*sz.ServerApplyCPUS/n, 1000*sz.ServerPlanCPUS/n)
		for _, k := range sortedKeys(sz.OursApplyRequests) {
			fmt.Fprintf(w, "      %5d  %s\n", sz.OursApplyRequests[k], k)
		}
	}
	fmt.Fprintln(w, "  goals: plan <= 0.5x, apply <= 1.0x the time provider; terraform_data runs no plugin process (reference only)")
}
