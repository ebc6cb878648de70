package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// P5: terraform plan of 2,000 storage folders by a client that itwin-local limits to 1,200 requests per minute
// (token bucket, internal/itwinlocal/faults.go rateLimiter, configured per client with rateLimitPerMinute in
// the --config file). A counting proxy between Terraform and itwin-local sees every attempt, 429s included.

const (
	p5Objects   = 2000
	p5PerMinute = 1200
)

type p5Result struct {
	Objects        int     `json:"objects"`
	PerMinute      int     `json:"rate_limit_per_minute"`
	Requests       int64   `json:"api_requests"` // attempts, 429s included, token requests excluded
	Answered429    int64   `json:"answered_429"`
	Percent429     float64 `json:"percent_429"`
	Succeeded      int64   `json:"api_requests_not_429"`
	WallS          float64 `json:"wall_s"`
	BoundS         float64 `json:"bound_s"`
	Ratio          float64 `json:"ratio"`
	UnlimitedWallS float64 `json:"unlimited_wall_s"`
	UnlimitedReqs  int64   `json:"unlimited_api_requests"`
	// RatioFloor compares with the larger of the bound and the unlimited plan: on a busy machine Terraform alone
	// may take longer than the limit requires.
	RatioFloor float64 `json:"ratio_to_max_bound_unlimited"`
	PlanExit   int     `json:"plan_exit_code"`
	SpanS      float64 `json:"api_request_span_s"`
	Direct     struct {
		Requests    int64   `json:"api_requests"`
		Answered429 int64   `json:"answered_429"`
		Percent429  float64 `json:"percent_429"`
		WallS       float64 `json:"wall_s"`
		BoundS      float64 `json:"bound_s"`
		Ratio       float64 `json:"ratio"`
	} `json:"client_alone"`
}

const p5Config = `terraform {
  required_providers {
    itwin = { source = "seed37c7dd03/itwin" }
  }
}

provider "itwin" {}

variable "itwin_id" { type = string }

resource "itwin_storage_folder" "f" {
  count        = 2000
  itwin_id     = var.itwin_id
  display_name = "bench folder ${count.index}"
}
`

func benchP5(ctx context.Context, e *env, logf func(string, ...any)) (*p5Result, error) {
	dir := e.dir("p5")
	secret := func() string { b := make([]byte, 16); _, _ = rand.Read(b); return hex.EncodeToString(b) }
	setupID, setupSecret, limitedID, limitedSecret := "bench-setup", secret(), "bench-limited", secret()
	directID, directSecret := "bench-direct", secret()
	clients := map[string]any{"clients": []map[string]any{
		{"id": setupID, "secret": setupSecret, "itwins": []string{"*"}},
		{"id": limitedID, "secret": limitedSecret, "itwins": []string{"*"}, "rateLimitPerMinute": p5PerMinute},
		{"id": directID, "secret": directSecret, "itwins": []string{"*"}, "rateLimitPerMinute": p5PerMinute},
	}}
	b, _ := json.Marshal(clients)
	cfgPath := filepath.Join(dir, "clients.json")
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		return nil, err
	}
	l, err := e.startLocal(ctx, dir+"/data", "--speed", "0.001", "--config", cfgPath)
	if err != nil {
		return nil, err
	}
	defer l.stop()
	c, err := l.clientAs(ctx, setupID, setupSecret)
	if err != nil {
		return nil, err
	}
	root, err := c.GetRootFolderID(ctx, l.ITwinID)
	if err != nil {
		return nil, err
	}
	folders, err := createFolders(ctx, c, root, p5Objects)
	if err != nil {
		return nil, err
	}
	logf("P5: %d folders created", len(folders))

	px, err := startCountingProxy(l.URL)
	if err != nil {
		return nil, err
	}
	defer px.close()

	work := e.dir("p5-tf")
	if err := writeFolderState(filepath.Join(work, "terraform.tfstate"), l.ITwinID, root, folders); err != nil {
		return nil, err
	}
	as := func(id, sec string) *tf {
		lp := *l
		lp.URL, lp.ClientID, lp.ClientSecret = px.url, id, sec
		return e.terraform(work, &lp)
	}
	tu := as(setupID, setupSecret)
	if err := tu.writeFile("main.tf", p5Config); err != nil {
		return nil, err
	}
	if err := tu.writeVars(map[string]any{"itwin_id": l.ITwinID}); err != nil {
		return nil, err
	}
	res := &p5Result{Objects: p5Objects, PerMinute: p5PerMinute}
	// Reference: the same plan by the unlimited client.
	px.reset()
	code, _, d, err := tu.planTimed(ctx, "-lock=false", "-refresh=true")
	if err != nil {
		return nil, fmt.Errorf("P5 unlimited plan: exit %d: %w", code, err)
	}
	res.UnlimitedWallS, res.UnlimitedReqs = d.Seconds(), px.requests.Load()
	logf("P5 unlimited plan: %.1fs, %d API requests (exit %d)", d.Seconds(), res.UnlimitedReqs, code)

	// The measured plan: the limited client, whose bucket is full (it never made a request).
	px.reset()
	code, _, d, err = as(limitedID, limitedSecret).planTimed(ctx, "-lock=false", "-refresh=true")
	if err != nil {
		return nil, fmt.Errorf("P5 limited plan: exit %d: %w", code, err)
	}
	res.PlanExit = code
	res.WallS = d.Seconds()
	res.Requests, res.Answered429 = px.requests.Load(), px.limited.Load()
	res.SpanS = px.span().Seconds()
	res.Succeeded = res.Requests - res.Answered429
	if res.Requests > 0 {
		res.Percent429 = 100 * float64(res.Answered429) / float64(res.Requests)
	}
	// The bucket starts full (p5PerMinute tokens) and refills p5PerMinute per minute: N requests cannot all be
	// answered before (N − burst) / rate, however they are spread. Terraform's own time is not in the bound.
	perSec := float64(p5PerMinute) / 60
	res.BoundS = max(float64(res.Succeeded)-p5PerMinute, 0) / perSec
	if res.BoundS > 0 {
		res.Ratio = res.WallS / res.BoundS
	}
	res.RatioFloor = res.WallS / max(res.BoundS, res.UnlimitedWallS)
	logf("P5 limited plan: %.1fs, %d API requests, %d answered 429 (%.1f %%), bound %.1fs, ratio %.2f",
		res.WallS, res.Requests, res.Answered429, res.Percent429, res.BoundS, res.Ratio)

	// The client alone, without Terraform's own time: 10 workers (Terraform's default parallelism) GET the 2,000
	// folders as a third client with the same limit and a full bucket.
	lp := *l
	lp.URL = px.url
	dc, err := lp.clientAs(ctx, directID, directSecret)
	if err != nil {
		return nil, err
	}
	px.reset()
	start := time.Now()
	if err := getFolders(ctx, dc, folders, 10); err != nil {
		return nil, fmt.Errorf("P5 direct GETs: %w", err)
	}
	d = time.Since(start)
	dr := &res.Direct
	dr.WallS, dr.Requests, dr.Answered429 = d.Seconds(), px.requests.Load(), px.limited.Load()
	dr.Percent429 = 100 * float64(dr.Answered429) / float64(max(dr.Requests, 1))
	dr.BoundS = max(float64(dr.Requests-dr.Answered429)-p5PerMinute, 0) / perSec
	if dr.BoundS > 0 {
		dr.Ratio = dr.WallS / dr.BoundS
	}
	logf("P5 client alone: %.1fs, %d API requests, %d answered 429 (%.1f %%), bound %.1fs, ratio %.2f",
		dr.WallS, dr.Requests, dr.Answered429, dr.Percent429, dr.BoundS, dr.Ratio)
	return res, nil
}

// getFolders GETs every folder, workers at a time.
func getFolders(ctx context.Context, c *itwin.Client, folders []*wire.StorageFolder, workers int) error {
	next := atomic.Int64{}
	errs := make(chan error, workers)
	for range workers {
		go func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(folders) {
					errs <- nil
					return
				}
				if _, err := c.GetFolder(ctx, folders[i].ID); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// createFolders creates n folders "bench folder <i>" in parent, 16 at a time, and returns them in order.
func createFolders(ctx context.Context, c *itwin.Client, parent string, n int) ([]*wire.StorageFolder, error) {
	out := make([]*wire.StorageFolder, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f, err := c.CreateFolder(ctx, parent, wire.StorageItemCreate{DisplayName: fmt.Sprintf("bench folder %d", i)})
			if err != nil {
				errs[i] = err
				return
			}
			out[i] = f
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// writeFolderState writes a Terraform state holding itwin_storage_folder.f[0..n-1], as an apply would leave it
// (with what the API answered to their creation, so the refresh finds no drift): creating 2,000 folders through
// Terraform would cost minutes for nothing this bench measures.
func writeFolderState(path, itwinID, root string, folders []*wire.StorageFolder) error {
	type instance struct {
		IndexKey      int            `json:"index_key"`
		SchemaVersion int            `json:"schema_version"`
		Attributes    map[string]any `json:"attributes"`
		Sensitive     []any          `json:"sensitive_attributes"`
	}
	insts := make([]instance, len(folders))
	for i, f := range folders {
		insts[i] = instance{IndexKey: i, Sensitive: []any{}, Attributes: map[string]any{
			"id": f.ID, "itwin_id": itwinID, "parent_folder_id": root, "display_name": f.DisplayName,
			"description": nil, "path": f.Path,
		}}
	}
	state := map[string]any{
		"version": 4, "terraform_version": "1.5.0", "serial": 1, "lineage": "itwin-bench-p5", "outputs": map[string]any{},
		"resources": []any{map[string]any{
			"mode": "managed", "type": "itwin_storage_folder", "name": "f",
			"provider": `provider["registry.terraform.io/seed37c7dd03/itwin"]`, "instances": insts,
		}},
	}
	b, err := json.Marshal(state)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// countingProxy forwards to itwin-local and counts API attempts (token requests excluded) and 429 answers.
type countingProxy struct {
	url               string
	srv               *http.Server
	requests, limited atomic.Int64
	first, last       atomic.Int64 // unix nanoseconds of the first and the last API answer
}

func (p *countingProxy) span() time.Duration { return time.Duration(p.last.Load() - p.first.Load()) }

func startCountingProxy(target string) (*countingProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &countingProxy{url: "http://" + ln.Addr().String()}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path == "/connect/token" {
			return nil
		}
		p.requests.Add(1)
		now := time.Now().UnixNano()
		p.first.CompareAndSwap(0, now)
		p.last.Store(now)
		if resp.StatusCode == http.StatusTooManyRequests {
			p.limited.Add(1)
		}
		return nil
	}
	p.srv = &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *countingProxy) reset() {
	p.requests.Store(0)
	p.limited.Store(0)
	p.first.Store(0)
	p.last.Store(0)
}

func (p *countingProxy) close() { _ = p.srv.Close() }

func printP5(w io.Writer, p *p5Result) {
	if p == nil {
		return
	}
	fmt.Fprintln(w, strings.Repeat("-", 112))
	fmt.Fprintf(w, "P5 terraform plan of %d storage folders, client limited to %d requests/minute (itwin-local token bucket, burst %d)\n",
		p.Objects, p.PerMinute, p.PerMinute)
	fmt.Fprintf(w, "  %d API requests, %d answered 429 (%.2f %%, goal ≤ 2 %%); wall %.1fs, bound %.1fs = (%d requests − %d burst) / %.0f per s: ratio %.2f (goal ≤ 1.1)\n",
		p.Requests, p.Answered429, p.Percent429, p.WallS, p.BoundS, p.Succeeded, p.PerMinute, float64(p.PerMinute)/60, p.Ratio)
	fmt.Fprintf(w, "  same plan without a limit (another client, just before): %.1fs, %d API requests; wall / max(bound, unlimited) = %.2f.\n",
		p.UnlimitedWallS, p.UnlimitedReqs, p.RatioFloor)
	fmt.Fprintln(w, "  The bound leaves out Terraform's own time (start, state, plan rendering), which the unlimited plan includes.")
	fmt.Fprintf(w, "  API requests of the limited plan spanned %.1fs (first to last answer through the proxy).\n", p.SpanS)
	d := p.Direct
	fmt.Fprintf(w, "  client alone (10 workers GET the %d folders, a third client with the same limit, no Terraform): %d API requests,\n", p.Objects, d.Requests)
	fmt.Fprintf(w, "  %d answered 429 (%.2f %%); wall %.1fs, bound %.1fs: ratio %.2f\n", d.Answered429, d.Percent429, d.WallS, d.BoundS, d.Ratio)
	fmt.Fprintln(w, "  One limiter per provider process and client (internal/itwin/limiter.go): after a 429 every request waits for")
	fmt.Fprintln(w, "  Retry-After and requests are paced at the success rate that exhausted the budget until the next 429, whose")
	fmt.Fprintln(w, "  distance from the first gives the server's rate; then all are spaced 10 % above it (each 429 renews the estimate).")
}
