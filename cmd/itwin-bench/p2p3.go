package main

import (
	"context"
	"fmt"
	"sort"
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

// P3: terraform plan wall time over 200 provider objects / 200 terraform_data resources, alternating, median of 5.

type p3Result struct {
	Objects       int       `json:"objects"`
	ProviderType  string    `json:"provider_type"`
	ProviderS     []float64 `json:"provider_plan_s"`
	DataS         []float64 `json:"terraform_data_plan_s"`
	ProviderMedS  float64   `json:"provider_median_s"`
	DataMedS      float64   `json:"terraform_data_median_s"`
	Ratio         float64   `json:"ratio"`
	APICallsPlan  int64     `json:"api_calls_per_provider_plan"`
	ProviderApply float64   `json:"provider_apply_s"`
}

const p3Objects = 200

const p3Provider = `terraform {
  required_providers {
    itwin = { source = "seed37c7dd03/itwin" }
  }
}

provider "itwin" {}

variable "itwin_id" { type = string }

resource "itwin_storage_folder" "f" {
  count        = 200
  itwin_id     = var.itwin_id
  display_name = "bench folder ${count.index}"
}
`

const p3Data = `resource "terraform_data" "d" {
  count = 200
  input = "bench folder ${count.index}"
}
`

func benchP3(ctx context.Context, e *env, logf func(string, ...any)) (*p3Result, error) {
	l, err := e.startLocal(ctx, e.dir("p3")+"/data", "--speed", "0.001")
	if err != nil {
		return nil, err
	}
	defer l.stop()
	tp := e.terraform(e.dir("p3-itwin"), l)
	td := e.terraform(e.dir("p3-data"), nil)
	if err := tp.writeFile("main.tf", p3Provider); err != nil {
		return nil, err
	}
	if err := tp.writeVars(map[string]any{"itwin_id": l.ITwinID}); err != nil {
		return nil, err
	}
	if err := td.writeFile("main.tf", p3Data); err != nil {
		return nil, err
	}
	res := &p3Result{Objects: p3Objects, ProviderType: "itwin_storage_folder"}
	_, d, err := tp.run(ctx, "apply", "-auto-approve")
	if err != nil {
		return nil, err
	}
	res.ProviderApply = d.Seconds()
	if _, _, err := td.run(ctx, "apply", "-auto-approve"); err != nil {
		return nil, err
	}
	for i := range 5 {
		if err := l.resetStats(ctx); err != nil {
			return nil, err
		}
		code, _, d, err := tp.planTimed(ctx, "-lock=false")
		if err != nil || code != 0 {
			return nil, fmt.Errorf("P3 provider plan %d: exit %d: %v", i, code, err)
		}
		res.ProviderS = append(res.ProviderS, d.Seconds())
		reqs, err := l.stats(ctx)
		if err != nil {
			return nil, err
		}
		res.APICallsPlan = countStep("", "", reqs, 0).API
		code, _, d, err = td.planTimed(ctx, "-lock=false")
		if err != nil || code != 0 {
			return nil, fmt.Errorf("P3 terraform_data plan %d: exit %d: %v", i, code, err)
		}
		res.DataS = append(res.DataS, d.Seconds())
	}
	res.ProviderMedS, res.DataMedS = median(res.ProviderS), median(res.DataS)
	res.Ratio = res.ProviderMedS / res.DataMedS
	logf("P3: provider plan %.2fs, terraform_data plan %.2fs, ratio %.2f", res.ProviderMedS, res.DataMedS, res.Ratio)
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
