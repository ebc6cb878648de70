// Command itwin-bench drives the performance benchmarks (make bench) and the fault-and-security suite
// (make faults) of terraform-provider-itwin against real itwin-local processes and the Terraform CLI.
//
//	itwin-bench bench  [-bin DIR] [-out DIR]
//	itwin-bench faults [-bin DIR] [-quick]
//
// -bin is the directory holding terraform-provider-itwin and itwin-local (the scripts build them into ./bin).
// Terraform is taken from PATH and runs with a generated CLI config whose dev_overrides point at -bin, so no
// `terraform init` and no registry are involved.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

func main() { os.Exit(run()) }

// run returns the exit status; it is separate from main so deferred cleanups run before os.Exit.
func run() int {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: itwin-bench bench|faults [flags]")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	binDir := fs.String("bin", "bin", "directory with terraform-provider-itwin and itwin-local")
	outDir := fs.String("out", "bench", "directory for results-<timestamp>.json (bench)")
	quick := fs.Bool("quick", false, "reduced fault suite (make test)")
	keep := fs.Bool("keep", false, "keep the work directory (for debugging)")
	fs.StringVar(&only, "only", "", "comma-separated parts to run, e.g. P2,P4 or a,c (default: all)")
	_ = fs.Parse(os.Args[2:])
	abs, err := filepath.Abs(*binDir)
	if err != nil {
		return fail(err)
	}
	env, err := newEnv(ctx, abs, *keep)
	if err != nil {
		return fail(err)
	}
	defer env.cleanup()
	switch os.Args[1] {
	case "bench":
		err = runBench(ctx, env, *outDir)
	case "faults":
		err = runFaults(ctx, env, *quick)
	default:
		err = fmt.Errorf("unknown command %q (want bench or faults)", os.Args[1])
	}
	switch {
	case errors.Is(err, errChecksFailed):
		return 1 // the summary line said it
	case err != nil:
		return fail(err)
	}
	return 0
}

// only restricts a run to some parts (debugging); empty = all.
var only string

func selected(part string) bool {
	if only == "" {
		return true
	}
	for _, p := range strings.Split(only, ",") {
		if strings.EqualFold(strings.TrimSpace(p), part) {
			return true
		}
	}
	return false
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "itwin-bench:", err)
	return 1
}
