package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// tf runs the Terraform CLI in one configuration directory against one itwin-local.
type tf struct {
	e     *env
	dir   string
	extra []string // additional environment (KEY=value)
	l     *local
}

func (e *env) terraform(dir string, l *local, extra ...string) *tf {
	return &tf{e: e, dir: dir, l: l, extra: extra}
}

func (t *tf) environ() []string {
	env := append(cleanEnv(os.Environ()),
		"TF_CLI_CONFIG_FILE="+t.e.tfrc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0")
	if t.l != nil {
		env = append(env, "ITWIN_API_URL="+t.l.URL, "ITWIN_CLIENT_ID="+t.l.ClientID, "ITWIN_CLIENT_SECRET="+t.l.ClientSecret)
	}
	return append(env, t.extra...)
}

// cmd prepares terraform <args> (-no-color is added).
func (t *tf) cmd(ctx context.Context, args ...string) *exec.Cmd {
	n := 1 // -no-color goes after the (sub)command: "state show -no-color ADDR"
	if len(args) > 1 && args[0] == "state" {
		n = 2
	}
	args = append(args[:n:n], append([]string{"-no-color"}, args[n:]...)...)
	c := exec.CommandContext(ctx, "terraform", args...)
	c.Dir, c.Env = t.dir, t.environ()
	c.WaitDelay = 30 * time.Second
	return c
}

// run runs terraform and returns its combined output and wall time; a non-zero exit is an error carrying the
// output's tail.
func (t *tf) run(ctx context.Context, args ...string) (string, time.Duration, error) {
	c := t.cmd(ctx, args...)
	var buf bytes.Buffer
	c.Stdout, c.Stderr = &buf, &buf
	start := time.Now()
	err := c.Run()
	d := time.Since(start)
	if err != nil {
		return buf.String(), d, fmt.Errorf("terraform %s: %w\n%s", strings.Join(args, " "), err, tail(buf.String(), 40))
	}
	return buf.String(), d, nil
}

// runCPU is run that also returns the CPU time (user+system) of terraform and of the plugins it started and
// waited for (Linux accounts a reaped child's children to it).
func (t *tf) runCPU(ctx context.Context, args ...string) (string, time.Duration, time.Duration, error) {
	c := t.cmd(ctx, args...)
	var buf bytes.Buffer
	c.Stdout, c.Stderr = &buf, &buf
	start := time.Now()
	err := c.Run()
	d := time.Since(start)
	var cpu time.Duration
	if c.ProcessState != nil {
		cpu = c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	}
	if err != nil {
		return buf.String(), d, cpu, fmt.Errorf("terraform %s: %w\n%s", strings.Join(args, " "), err, tail(buf.String(), 40))
	}
	return buf.String(), d, cpu, nil
}

// planExit runs terraform plan -detailed-exitcode: 0 no changes, 2 changes.
func (t *tf) planExit(ctx context.Context, args ...string) (int, string, error) {
	code, out, _, err := t.planTimed(ctx, args...)
	return code, out, err
}

// planTimed is planExit that also returns the wall time.
func (t *tf) planTimed(ctx context.Context, args ...string) (int, string, time.Duration, error) {
	out, d, err := t.run(ctx, append([]string{"plan", "-detailed-exitcode"}, args...)...)
	if ee, ok := asExit(err); ok && ee == 2 {
		return 2, out, d, nil
	}
	if err != nil {
		return -1, out, d, err
	}
	return 0, out, d, nil
}

func asExit(err error) (int, bool) {
	var ee *exec.ExitError
	for e := err; e != nil; {
		if x, ok := e.(*exec.ExitError); ok {
			ee = x
			break
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	if ee == nil {
		return 0, false
	}
	return ee.ExitCode(), true
}

// writeFile writes a file of the configuration.
func (t *tf) writeFile(name, content string) error {
	return os.WriteFile(filepath.Join(t.dir, name), []byte(content), 0o600)
}

// writeVars writes terraform.tfvars.json.
func (t *tf) writeVars(v map[string]any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return t.writeFile("terraform.tfvars.json", string(b))
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// copyDir copies a directory tree (the quickstart example) into dst.
func copyDir(src, dst string) error {
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if strings.HasPrefix(rel, ".terraform") || strings.HasSuffix(rel, ".tfstate") || strings.Contains(rel, ".tfstate.") {
			return nil
		}
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}
