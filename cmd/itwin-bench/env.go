package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
)

// env is one invocation's work directory, binaries and the itwin-local processes it started (all stopped on
// cleanup, also after a failure).
type env struct {
	bin, work, tfrc string
	keep            bool

	mu    sync.Mutex
	procs []*local
}

func newEnv(ctx context.Context, bin string, keep bool) (*env, error) {
	for _, b := range []string{"terraform-provider-itwin", "itwin-local"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			return nil, fmt.Errorf("%s not found in %s (build it first: make build)", b, bin)
		}
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		return nil, errors.New("the Terraform CLI is not on PATH")
	}
	work, err := os.MkdirTemp("", "itwin-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{bin: bin, work: work, keep: keep, tfrc: filepath.Join(work, "dev.tfrc")}
	// dev_overrides: terraform uses ./bin/terraform-provider-itwin without `terraform init` or a registry.
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/seed37c7dd03/itwin\" = %q\n  }\n  direct {}\n}\n", bin)
	return e, os.WriteFile(e.tfrc, []byte(rc), 0o600)
}

func (e *env) cleanup() {
	e.mu.Lock()
	procs := e.procs
	e.procs = nil
	e.mu.Unlock()
	for _, p := range procs {
		p.stop()
	}
	if e.keep {
		fmt.Fprintln(os.Stderr, "work directory kept:", e.work)
		return
	}
	_ = os.RemoveAll(e.work)
}

// dir makes a fresh sub-directory of the work directory.
func (e *env) dir(name string) string {
	d, err := os.MkdirTemp(e.work, name+"-")
	if err != nil {
		panic(err)
	}
	return d
}

// local is an itwin-local process.
type local struct {
	e       *env
	dataDir string
	args    []string
	cmd     *exec.Cmd
	done    chan struct{}
	log     string

	URL, ClientID, ClientSecret, ITwinID, IModelID, RootFolderID string
}

// startLocal starts itwin-local on a free loopback port with --seed and the extra flags, and waits until it is
// ready.
func (e *env) startLocal(ctx context.Context, dataDir string, extra ...string) (*local, error) {
	l := &local{e: e, dataDir: dataDir, args: extra}
	if err := l.start(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *local) start(ctx context.Context) error {
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", l.dataDir, "--seed"}, l.args...)
	cmd := exec.Command(filepath.Join(l.e.bin, "itwin-local"), args...)
	cmd.Env = cleanEnv(os.Environ())
	l.log = filepath.Join(filepath.Dir(l.dataDir), filepath.Base(l.dataDir)+".log")
	lf, err := os.OpenFile(l.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd.Stderr = lf
	out, err := cmd.StdoutPipe()
	if err != nil {
		lf.Close()
		return err
	}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return err
	}
	l.cmd, l.done = cmd, make(chan struct{})
	l.e.mu.Lock()
	l.e.procs = append(l.e.procs, l)
	l.e.mu.Unlock()
	vals := map[string]string{}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok && !signalled {
				vals[k] = v
				if k == "ITWIN_LOCAL_READY" {
					signalled = true
					ready <- nil
				}
			}
		}
		if !signalled {
			ready <- errors.New("itwin-local exited before it was ready")
		}
	}()
	go func() { _ = cmd.Wait(); lf.Close(); close(l.done) }()
	select {
	case err = <-ready:
	case <-time.After(30 * time.Second):
		err = errors.New("itwin-local not ready after 30 s")
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		l.kill()
		b, _ := os.ReadFile(l.log)
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(b)))
	}
	l.URL, l.ClientID, l.ClientSecret = vals["ITWIN_LOCAL_URL"], vals["ITWIN_CLIENT_ID"], vals["ITWIN_CLIENT_SECRET"]
	l.ITwinID, l.IModelID, l.RootFolderID = vals["ITWIN_ID"], vals["IMODEL_ID"], vals["ROOT_FOLDER_ID"]
	return nil
}

func (l *local) pid() int { return l.cmd.Process.Pid }

// stop ends the process gracefully (SIGTERM), or kills it after 15 s.
func (l *local) stop() {
	if l.cmd == nil {
		return
	}
	select {
	case <-l.done:
		return
	default:
	}
	_ = l.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-l.done:
	case <-time.After(15 * time.Second):
		l.kill()
	}
}

// kill is kill -9.
func (l *local) kill() {
	_ = l.cmd.Process.Signal(syscall.SIGKILL)
	<-l.done
}

// restart starts a new process on the same data dir with the given flags (nil = the same flags).
func (l *local) restart(ctx context.Context, extra []string) error {
	l.stop()
	if extra != nil {
		l.args = extra
	}
	return l.start(ctx)
}

// client is an API client of the seed client (retries generously: the fault suite's own checks must not fail
// because of the faults they inject).
func (l *local) client(ctx context.Context) (*itwin.Client, error) {
	return l.clientAs(ctx, l.ClientID, l.ClientSecret)
}

func (l *local) clientAs(ctx context.Context, id, secret string) (*itwin.Client, error) {
	return itwin.NewClient(ctx, itwin.Config{APIURL: l.URL, TokenURL: l.URL + "/connect/token", ClientID: id,
		ClientSecret: secret, MaxRetries: 12, RetryWaitMin: 50 * time.Millisecond, RetryWaitMax: 2 * time.Second,
		RequestTimeout: 5 * time.Minute, UserAgent: "itwin-bench"})
}

func (l *local) resetStats(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, l.URL+"/local/stats/reset", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("stats reset: %s", resp.Status)
	}
	return nil
}

func (l *local) stats(ctx context.Context) (map[string]int64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, l.URL+"/local/stats", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var s itwinlocal.StatsResponse
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return nil, err
	}
	return s.Requests, nil
}

// procStatus reads a kB field (VmHWM, VmRSS) of /proc/<pid>/status.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}

// resetPeakRSS resets VmHWM to the current RSS (Linux: "5" into clear_refs), so the next reading is the peak of
// what follows.
func resetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// cleanEnv drops the caller's ITWIN_* and TF_* variables so a developer's settings never leak into a run.
func cleanEnv(in []string) []string {
	var out []string
	for _, kv := range in {
		if strings.HasPrefix(kv, "ITWIN_") || strings.HasPrefix(kv, "TF_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
