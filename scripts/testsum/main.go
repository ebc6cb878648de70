// Command testsum reads `go test -json` on stdin and counts the top-level tests that passed, were skipped and
// failed. It prints each failed test's output when it fails, each skip with its reason, one line per package,
// and at the end one summary line, which it also writes to -summary. It exits 1 when a test or a package failed,
// when -max-skip is exceeded, or when the input has no test at all; go test's own exit status is for the caller.
//
//	go test -json -run '^TestAcc' ./... | go run ./scripts/testsum -label 'Terraform 1.14.3' -max-skip 0
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type result struct {
	label                   string
	passed, skipped, failed []string
	packagesFailed          []string
	skipReasons             map[string]string
	elapsed                 time.Duration
	maxSkip                 int
	summaryFile             string
	out                     io.Writer
	output                  map[string][]string // test key -> buffered output lines
	testTimes               map[string]float64
	pkgOutput               map[string][]string
}

func main() {
	label := flag.String("label", "tests", "name of this run in the summary (e.g. the CLI and its version)")
	maxSkip := flag.Int("max-skip", -1, "fail when more top-level tests than this are skipped (-1: any number)")
	summary := flag.String("summary", "", "also write the summary line to this file")
	flag.Parse()

	r := &result{
		label: *label, maxSkip: *maxSkip, summaryFile: *summary, out: os.Stdout,
		skipReasons: map[string]string{}, output: map[string][]string{}, testTimes: map[string]float64{},
		pkgOutput: map[string][]string{},
	}
	start := time.Now()
	if err := r.read(os.Stdin); err != nil {
		fmt.Fprintf(os.Stderr, "testsum: %v\n", err)
		os.Exit(1)
	}
	r.elapsed = time.Since(start)
	os.Exit(r.report())
}

func (r *result) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1024*1024), 64*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			// Not test2json (e.g. a build error printed by go test itself): show it as is.
			fmt.Fprintln(r.out, string(line))
			continue
		}
		r.handle(e)
	}
	return sc.Err()
}

func (r *result) handle(e event) {
	key := e.Package + " " + e.Test
	top := e.Test != "" && !strings.Contains(e.Test, "/")
	switch e.Action {
	case "build-output":
		// Compiler errors (go test -json reports them as events of their own since Go 1.24).
		fmt.Fprint(r.out, e.Output)
	case "output":
		if e.Test == "" {
			r.pkgOutput[e.Package] = append(r.pkgOutput[e.Package], e.Output)
			return
		}
		// Subtests' output belongs to their top-level test.
		topKey := e.Package + " " + strings.SplitN(e.Test, "/", 2)[0]
		r.output[topKey] = append(r.output[topKey], e.Output)
	case "pass", "skip", "fail":
		if e.Test == "" {
			status := map[string]string{"pass": "ok  ", "skip": "?   ", "fail": "FAIL"}[e.Action]
			fmt.Fprintf(r.out, "%s %s %.1fs\n", status, e.Package, e.Elapsed)
			if e.Action == "fail" {
				r.packagesFailed = append(r.packagesFailed, e.Package)
				// A package that fails outside any test (build error, panic, timeout) says why here.
				if !r.anyTestFailed(e.Package) {
					for _, l := range r.pkgOutput[e.Package] {
						fmt.Fprint(r.out, "    "+l)
					}
				}
			}
			delete(r.pkgOutput, e.Package)
			return
		}
		if !top {
			return
		}
		name := shortPkg(e.Package) + "." + e.Test
		r.testTimes[name] = e.Elapsed
		switch e.Action {
		case "pass":
			r.passed = append(r.passed, name)
		case "skip":
			r.skipped = append(r.skipped, name)
			r.skipReasons[name] = skipReason(r.output[key])
			fmt.Fprintf(r.out, "SKIP %s: %s\n", name, r.skipReasons[name])
		case "fail":
			r.failed = append(r.failed, name)
			fmt.Fprintf(r.out, "--- FAIL: %s (%.1fs)\n", name, e.Elapsed)
			for _, l := range r.output[key] {
				fmt.Fprint(r.out, "    "+l)
			}
		}
		delete(r.output, key)
	}
}

func (r *result) anyTestFailed(pkg string) bool {
	prefix := shortPkg(pkg) + "."
	for _, f := range r.failed {
		if strings.HasPrefix(f, prefix) {
			return true
		}
	}
	return false
}

// skipReason is the message a skipped test logged last (t.Skip's argument), without the file:line prefix.
func skipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		if _, after, ok := strings.Cut(l, ".go:"); ok {
			if _, msg, ok := strings.Cut(after, ": "); ok {
				return msg
			}
		}
		return l
	}
	return "(no reason logged)"
}

func shortPkg(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

func (r *result) report() int {
	// The five slowest tests, so a slow run shows where the time went.
	names := make([]string, 0, len(r.testTimes))
	for n := range r.testTimes {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return r.testTimes[names[i]] > r.testTimes[names[j]] })
	if len(names) > 5 {
		names = names[:5]
	}
	if len(names) > 0 {
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = fmt.Sprintf("%s %.0fs", n, r.testTimes[n])
		}
		fmt.Fprintf(r.out, "slowest: %s\n", strings.Join(parts, ", "))
	}

	line := fmt.Sprintf("%s: %d passed, %d skipped, %d failed (%s)", r.label, len(r.passed), len(r.skipped),
		len(r.failed), r.elapsed.Round(time.Second))
	status := 0
	var why []string
	if len(r.failed) > 0 {
		why = append(why, "failed: "+strings.Join(r.failed, ", "))
	}
	if len(r.packagesFailed) > 0 && len(r.failed) == 0 {
		why = append(why, "package failed: "+strings.Join(r.packagesFailed, ", "))
	}
	if r.maxSkip >= 0 && len(r.skipped) > r.maxSkip {
		why = append(why, fmt.Sprintf("%d skipped, at most %d allowed here: %s", len(r.skipped), r.maxSkip,
			strings.Join(r.skipped, ", ")))
	}
	if len(r.passed)+len(r.skipped)+len(r.failed) == 0 {
		why = append(why, "no test ran")
	}
	if len(why) > 0 {
		status = 1
		line += " FAIL: " + strings.Join(why, "; ")
	}
	fmt.Fprintln(r.out, line)
	if r.summaryFile != "" {
		if err := os.WriteFile(r.summaryFile, []byte(line+"\n"), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "testsum: %v\n", err)
			return 1
		}
	}
	return status
}
