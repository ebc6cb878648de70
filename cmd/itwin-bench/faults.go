package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/connector"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"

	_ "modernc.org/sqlite" // PRAGMA integrity_check on itwin-local's database
)

// suite counts and prints PASS/FAIL lines.
type suite struct {
	passed, failed int
	start          time.Time
	prefix         string // prepended to check names (the variant of a repeated check)
}

func (s *suite) check(name string, ok bool, format string, a ...any) bool {
	status := "PASS"
	if ok {
		s.passed++
	} else {
		status = "FAIL"
		s.failed++
	}
	fmt.Printf("%s  %-58s %s\n", status, s.prefix+name, fmt.Sprintf(format, a...))
	return ok
}

// fail records a check that could not even be measured.
func (s *suite) fail(name string, err error) {
	s.check(name, false, "error: %s", oneLine(err))
}

func oneLine(err error) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if len(msg) > 600 {
		msg = msg[:600] + "…"
	}
	return msg
}

func runFaults(ctx context.Context, e *env, quick bool) error {
	s := &suite{start: time.Now()}
	mode := "full"
	if quick {
		mode = "quick"
	}
	fmt.Printf("fault and security suite (%s), terraform-provider-itwin against itwin-local\n", mode)
	parts := []struct {
		id, title string
		f         func(context.Context, *env, *suite, bool) error
	}{
		{"a", "(a) quickstart apply under injected 429/5xx", faultsRetry},
		{"b", "(b) SIGINT to terraform during a run wait", faultsSigint},
		{"c", "(c) kill -9 of itwin-local mid-run", faultsKill},
		{"d", "(d) secret audit", faultsSecrets},
		{"e", "(e) auth matrix", faultsAuth},
		{"f", "(f) webhook deliveries to a faulty receiver", faultsWebhooks},
	}
	for _, p := range parts {
		if !selected(p.id) {
			continue
		}
		fmt.Printf("\n%s\n", p.title)
		t0 := time.Now()
		if err := p.f(ctx, e, s, quick); err != nil {
			s.fail(p.title, err)
		}
		fmt.Printf("      (%.0f s)\n", time.Since(t0).Seconds())
		if ctx.Err() != nil {
			break
		}
	}
	if total, blobs, n := e.dataDirUse(); total > 0 {
		fmt.Printf("\nitwin-local data dirs at the end: %s on disk, of which %d blobs %s (unreferenced ones are collected)\n",
			mib(total), n, mib(blobs))
	}
	fmt.Printf("\n%d passed, %d failed (%.0f s)\n", s.passed, s.failed, time.Since(s.start).Seconds())
	if s.failed > 0 {
		return errChecksFailed
	}
	return nil
}

// dataDirUse sums the data directories of every itwin-local the run started: all their files, and the blobs
// (DataDir/blobs/<sha256>, internal/itwinlocal/store_blobs.go) among them.
func (e *env) dataDirUse() (total, blobs int64, nBlobs int) {
	e.mu.Lock()
	dirs := map[string]bool{}
	for _, p := range e.procs {
		dirs[p.dataDir] = true
	}
	e.mu.Unlock()
	for dir := range dirs {
		// Unreadable entries are skipped: the figure is informative.
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil //nolint:nilerr // see above
			}
			if info, ierr := d.Info(); ierr == nil {
				total += info.Size()
				if filepath.Dir(p) == filepath.Join(dir, "blobs") {
					blobs += info.Size()
					nBlobs++
				}
			}
			return nil
		})
	}
	return total, blobs, nBlobs
}

func mib(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// errChecksFailed makes the command exit 1 without another line after the "N passed, N failed" summary.
var errChecksFailed = errors.New("checks failed")

// quickstart copies examples/quickstart into a fresh directory and points it at l.
func quickstart(e *env, l *local, extra ...string) (*tf, error) {
	dir := e.dir("quickstart")
	if err := copyDir("examples/quickstart", dir); err != nil {
		return nil, fmt.Errorf("copying examples/quickstart (run from the repository root): %w", err)
	}
	t := e.terraform(dir, l, extra...)
	if err := t.writeVars(map[string]any{"itwin_id": l.ITwinID}); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *tf) output(ctx context.Context, name string) (string, error) {
	out, _, err := t.run(ctx, "output", "-raw", name)
	return strings.TrimSpace(out), err
}

// editIFC renames a fraction of the elements of an IFC file in place (a real change for the connector).
func editIFC(path string, seed int64) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if _, err := connector.ModifyIFCFraction(bytes.NewReader(b), &out, 0.3, seed); err != nil {
		return err
	}
	if bytes.Equal(out.Bytes(), b) {
		return errors.New("editIFC changed nothing")
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

// world is what the quickstart created, counted through the API.
type world struct {
	conns, files, runs int
	runIDs             []string
	states             []string
}

func countWorld(ctx context.Context, c *itwin.Client, imodelID, folderName string, rootFolder string) (*world, error) {
	w := &world{}
	conns, err := c.ListConnections(ctx, imodelID)
	if err != nil {
		return nil, err
	}
	w.conns = len(conns)
	items, err := c.ListFolderItems(ctx, rootFolder)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if it.DisplayName == folderName {
			files, err := c.ListFolderItems(ctx, it.ID)
			if err != nil {
				return nil, err
			}
			w.files += len(files)
		}
	}
	for _, cn := range conns {
		runs, err := c.Connections(wire.KindStorage).ListRuns(ctx, cn.ID, 0)
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			w.runs++
			w.runIDs = append(w.runIDs, r.ID)
			w.states = append(w.states, r.State+"/"+r.Result)
		}
	}
	return w, nil
}

const qsFolder = "Riverside Pavilion design files"

// faultRetries is the provider's max_retries under injected faults (ITWIN_MAX_RETRIES; the default is 5).
const faultRetries = "10"

var faultStatus = regexp.MustCompile(`status=(429|503)\b`)

// (a) every apply green with 30 % 429 and 10 % 503 on idempotent calls; nothing created twice. The full suite
// repeats it with 30 % 429 on every method, POST included (a 429 is the one answer after which the provider
// retries a POST, so this is where a duplicate would appear).
func faultsRetry(ctx context.Context, e *env, s *suite, quick bool) error {
	seed := fmt.Sprint(time.Now().UnixNano() % 1000)
	if err := faultsRetryWith(ctx, e, s, quick, "idempotent", "30 % 429 + 10 % 503 on GET/PUT/PATCH/DELETE",
		"--fault-429-rate", "0.3", "--fault-5xx-rate", "0.1", "--fault-methods", "GET,PUT,PATCH,DELETE", "--fault-seed", seed); err != nil {
		return err
	}
	if quick {
		return nil
	}
	return faultsRetryWith(ctx, e, s, quick, "POST too", "30 % 429 on every method, POST included", "--fault-429-rate", "0.3", "--fault-seed", seed)
}

func faultsRetryWith(ctx context.Context, e *env, s *suite, quick bool, tag, label string, flags ...string) error {
	fmt.Printf("    faults: %s (fault seed %s); provider max_retries = %s\n", label, flags[len(flags)-1], faultRetries)
	s.prefix = "[" + tag + "] "
	defer func() { s.prefix = "" }()
	l, err := e.startLocal(ctx, e.dir("a")+"/data", append([]string{"--speed", "0.02", "--verbose"}, flags...)...)
	if err != nil {
		return err
	}
	defer l.stop()
	// 40 % of idempotent calls fail: with the default max_retries (5) a call gives up with probability
	// 0.4^6 ≈ 0.4 %, i.e. roughly one quickstart apply in ten (about 30 such calls). At 10 it is 0.4^11 ≈ 4e-5.
	t, err := quickstart(e, l, "ITWIN_MAX_RETRIES="+faultRetries)
	if err != nil {
		return err
	}
	c, err := l.client(ctx)
	if err != nil {
		return err
	}
	applies := []string{"create", "edit building.ifc", "no-op"}
	if quick {
		applies = []string{"create", "no-op"}
	}
	wantRuns := 0
	green := 0
	for _, step := range applies {
		if step == "edit building.ifc" {
			if err := editIFC(filepath.Join(t.dir, "files", "building.ifc"), 5); err != nil {
				return err
			}
		}
		if step != "no-op" {
			wantRuns++
		}
		_, d, err := t.run(ctx, "apply", "-auto-approve")
		if s.check("apply ("+step+") green under faults", err == nil, "%.1f s", d.Seconds()) {
			green++
		} else {
			fmt.Println(tail(err.Error(), 15))
		}
	}
	code, _, err := t.planExit(ctx)
	s.check("plan after the applies is empty", err == nil && code == 0, "exit %d", code)
	log, _ := os.ReadFile(l.log)
	faults := len(faultStatus.FindAll(log, -1))
	s.check("faults were injected", faults > 10, "%d injected 429/503 answers", faults)
	imodelID, err := t.output(ctx, "imodel_id")
	if err != nil {
		return err
	}
	w, err := countWorld(ctx, c, imodelID, qsFolder, l.RootFolderID)
	if err != nil {
		return err
	}
	s.check("no duplicate connection", w.conns == 1, "%d connection(s) on the iModel (want 1)", w.conns)
	s.check("no duplicate file", w.files == 2, "%d file(s) in the folder (want 2)", w.files)
	s.check("no duplicate run", w.runs == wantRuns, "%d run(s) (want %d): %s", w.runs, wantRuns, strings.Join(w.states, ", "))
	return nil
}

// (b) SIGINT while the provider waits for a run: the run stays in state, tainted; the next apply re-runs.
func faultsSigint(ctx context.Context, e *env, s *suite, quick bool) error {
	l, err := e.startLocal(ctx, e.dir("b")+"/data", "--speed", "1")
	if err != nil {
		return err
	}
	defer l.stop()
	t, err := quickstart(e, l)
	if err != nil {
		return err
	}
	c, err := l.client(ctx)
	if err != nil {
		return err
	}
	cmd := t.cmd(ctx, "apply", "-auto-approve")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Wait until a run is executing, then interrupt terraform like Ctrl-C does.
	var active wire.Run
	var connID string
	deadline := time.Now().Add(90 * time.Second)
	for active.ID == "" {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return fmt.Errorf("no run became active within 90 s:\n%s", tail(out.String(), 20))
		}
		select {
		case err := <-done:
			return fmt.Errorf("terraform apply ended before a run was active (%v):\n%s", err, tail(out.String(), 20))
		case <-time.After(200 * time.Millisecond):
		}
		conns, err := c.Connections(wire.KindStorage).List(ctx, "")
		if err != nil {
			return err
		}
		for _, cn := range conns {
			runs, err := c.Connections(wire.KindStorage).ListRuns(ctx, cn.ID, 0)
			if err != nil {
				return err
			}
			for _, r := range runs {
				if r.State == wire.StateExecuting {
					active, connID = r, cn.ID
				}
			}
		}
	}
	time.Sleep(time.Second)
	sent := time.Now()
	_ = cmd.Process.Signal(syscall.SIGINT)
	var exitErr error
	select {
	case exitErr = <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		return errors.New("terraform did not stop within 60 s of SIGINT")
	}
	s.check("terraform stops on SIGINT during the run wait", exitErr != nil, "exit %.2f s after the signal: %v", time.Since(sent).Seconds(), exitErr)
	show, _, err := t.run(ctx, "state", "show", "itwin_sync_storage_connection_run.quickstart")
	inState := err == nil && strings.Contains(show, `"`+active.ID+`"`)
	s.check("the interrupted run's id is in the state", inState, "run %s", active.ID)
	s.check("the run resource is tainted", err == nil && strings.Contains(show, "(tainted)"), "%s", firstLine(show))
	code, plan, err := t.planExit(ctx)
	s.check("plan replaces the tainted run", err == nil && code == 2 && strings.Contains(plan, "is tainted, so must be replaced"),
		"exit %d, %q", code, grepLine(plan, "tainted"))
	// Continue fast: restart on the same data dir (the interrupted run resumes there).
	if err := l.restart(ctx, []string{"--speed", "0.05"}); err != nil {
		return err
	}
	if c, err = l.client(ctx); err != nil {
		return err
	}
	_, d, err := t.run(ctx, "apply", "-auto-approve")
	s.check("the next apply re-runs and is green", err == nil, "%.1f s", d.Seconds())
	newRun, _ := t.output(ctx, "run_id")
	runs, err := c.Connections(wire.KindStorage).ListRuns(ctx, connID, 0)
	if err != nil {
		return err
	}
	var ids, states []string
	completed := 0
	for _, r := range runs {
		ids = append(ids, r.ID)
		states = append(states, r.State+"/"+r.Result)
		if r.State == wire.StateCompleted {
			completed++
		}
	}
	sort.Strings(ids)
	want := []string{active.ID, newRun}
	sort.Strings(want)
	s.check("no orphan run", len(runs) == 2 && newRun != active.ID && strings.Join(ids, ",") == strings.Join(want, ","),
		"%d runs on the connection (want 2: the interrupted one and the one in state): %s", len(runs), strings.Join(states, ", "))
	s.check("every run reached Completed", completed == len(runs), "%d/%d", completed, len(runs))
	return nil
}

func firstLine(s string) string { return strings.SplitN(strings.TrimSpace(s), "\n", 2)[0] }

func grepLine(s, sub string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// snapshot lists every object the kill test created, by kind and id.
func snapshot(ctx context.Context, c *itwin.Client, l *local, imodelID, connID string) (map[string]bool, error) {
	out := map[string]bool{}
	if _, err := c.GetIModel(ctx, imodelID); err != nil {
		return nil, err
	}
	out["imodel "+imodelID] = true
	items, err := c.ListFolderItems(ctx, l.RootFolderID)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		size := int64(-1)
		if it.Size != nil {
			size = *it.Size
		}
		out[fmt.Sprintf("storage %s %s size=%d", it.Type, it.ID, size)] = true
	}
	if _, err := c.Connections(wire.KindStorage).Get(ctx, connID); err != nil {
		return nil, err
	}
	out["connection "+connID] = true
	sfs, err := c.Connections(wire.KindStorage).ListSourceFiles(ctx, connID)
	if err != nil {
		return nil, err
	}
	for _, sf := range sfs {
		out["sourcefile "+sf.ID] = true
	}
	runs, err := c.Connections(wire.KindStorage).ListRuns(ctx, connID, 0)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		out["run "+r.ID] = true
	}
	css, err := c.ListChangesets(ctx, imodelID)
	if err != nil {
		return nil, err
	}
	for _, cs := range css {
		out["changeset "+cs.ID] = true
	}
	return out, nil
}

// (c) kill -9 mid-run, restart on the same data dir.
func faultsKill(ctx context.Context, e *env, s *suite, quick bool) error {
	dir := e.dir("c")
	l, err := e.startLocal(ctx, dir+"/data", "--speed", "0.3")
	if err != nil {
		return err
	}
	defer l.stop()
	c, err := l.client(ctx)
	if err != nil {
		return err
	}
	building, err := os.ReadFile("examples/quickstart/files/building.ifc")
	if err != nil {
		return err
	}
	var big bytes.Buffer
	if err := connector.GenerateIFC(&big, 2<<20, 11); err != nil {
		return err
	}
	f1, err := upload(ctx, c, l.RootFolderID, "building.ifc", building)
	if err != nil {
		return err
	}
	f2, err := upload(ctx, c, l.RootFolderID, "tower.ifc", big.Bytes())
	if err != nil {
		return err
	}
	conn, err := newConnection(ctx, c, l.IModelID, "kill test", f1, f2)
	if err != nil {
		return err
	}
	r1, err := startRun(ctx, c, conn)
	if err != nil {
		return err
	}
	if _, err := pollRun(ctx, c, conn, r1, 2*time.Minute); err != nil {
		return err
	}
	// A second run after a change, killed while it executes.
	var mod bytes.Buffer
	if _, err := connector.ModifyIFCFraction(bytes.NewReader(big.Bytes()), &mod, 0.05, 2); err != nil {
		return err
	}
	if _, err := c.UpdateFileContent(ctx, f2, bytes.NewReader(mod.Bytes()), int64(mod.Len())); err != nil {
		return err
	}
	r2, err := startRun(ctx, c, conn)
	if err != nil {
		return err
	}
	var at wire.Run
	for deadline := time.Now().Add(time.Minute); ; {
		r, err := c.Connections(wire.KindStorage).GetRun(ctx, conn, r2)
		if err != nil {
			return err
		}
		if r.State == wire.StateExecuting && r.Phase == wire.PhaseMasterFile {
			at = *r
			break
		}
		if r.State == wire.StateCompleted || time.Now().After(deadline) {
			return fmt.Errorf("run %s never seen executing (state %s)", r2, r.State)
		}
		time.Sleep(30 * time.Millisecond)
	}
	before, err := snapshot(ctx, c, l, l.IModelID, conn)
	if err != nil {
		return err
	}
	last, err := c.Connections(wire.KindStorage).GetRun(ctx, conn, r2) // the state right before the kill
	if err != nil {
		return err
	}
	l.kill()
	s.check("itwin-local killed with SIGKILL mid-run", last.State != wire.StateCompleted,
		"run %s seen %s/%s, %s/%s just before the kill", r2, at.State, at.Phase, last.State, last.Phase)
	t0 := time.Now()
	if err := l.restart(ctx, []string{"--speed", "0.05"}); err != nil {
		return err
	}
	if c, err = l.client(ctx); err != nil {
		return err
	}
	r, err := pollRun(ctx, c, conn, r2, 2*time.Minute)
	s.check("the run reaches a terminal state after restart", err == nil && r.State == wire.StateCompleted,
		"%s/%s %.1f s after the restart%s", stateOf(r), resultOf(r), time.Since(t0).Seconds(), errSuffix(err))
	after, err := snapshot(ctx, c, l, l.IModelID, conn)
	if err != nil {
		return err
	}
	var lost []string
	for k := range before {
		if !after[k] {
			lost = append(lost, k)
		}
	}
	s.check("no object lost", len(lost) == 0, "%d objects before the kill, %d after, lost: %v", len(before), len(after), lost)
	l.stop()
	res, err := integrityCheck(filepath.Join(dir, "data", "itwin-local.db"))
	s.check("SQLite PRAGMA integrity_check", err == nil && res == "ok", "%q%s", res, errSuffix(err))
	return nil
}

func stateOf(r *wire.Run) string {
	if r == nil {
		return "?"
	}
	return r.State
}

func resultOf(r *wire.Run) string {
	if r == nil {
		return "?"
	}
	return r.Result
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return " (" + oneLine(err) + ")"
}

// integrityCheck opens the database read-only and runs PRAGMA integrity_check.
func integrityCheck(path string) (string, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var res string
	err = db.QueryRow(`PRAGMA integrity_check`).Scan(&res)
	return res, err
}
