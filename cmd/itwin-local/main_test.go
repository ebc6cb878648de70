package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer collects the command's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startServe(t *testing.T, args ...string) (map[string]string, context.CancelFunc, chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), out, errOut) }()
	// A watchdog against a server that never becomes ready, not a speed check: startup time is measured by
	// `make bench`, not asserted in unit tests (DESIGN §7), so the bound is generous for a loaded CI machine.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "ITWIN_LOCAL_READY=1") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v\n%s", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve not ready: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	vals := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vals[k] = v
		}
	}
	return vals, cancel, done
}

func stop(t *testing.T, cancel context.CancelFunc, done chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no clean shutdown")
	}
}

func token(t *testing.T, base, id, secret string) string {
	t.Helper()
	resp, err := http.PostForm(base+"/connect/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {"itwin-platform"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tr) != nil {
		t.Fatalf("token: %d", resp.StatusCode)
	}
	return tr.AccessToken
}

func get(t *testing.T, u, tok string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestServeSeedPrintsIDsAndShutsDown(t *testing.T) {
	dir := t.TempDir()
	vals, cancel, done := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--seed", "--speed", "0.01")
	for _, k := range []string{"ITWIN_LOCAL_URL", "ITWIN_CLIENT_ID", "ITWIN_CLIENT_SECRET", "ITWIN_ID", "IMODEL_ID", "ROOT_FOLDER_ID"} {
		if vals[k] == "" {
			t.Fatalf("missing %s in output: %v", k, vals)
		}
	}
	u := vals["ITWIN_LOCAL_URL"]
	if !strings.HasPrefix(u, "http://127.0.0.1:") || strings.HasSuffix(u, ":0") {
		t.Fatalf("URL %q must be loopback with the real port", u)
	}
	tok := token(t, u, vals["ITWIN_CLIENT_ID"], vals["ITWIN_CLIENT_SECRET"])
	if s := get(t, u+"/imodels/"+vals["IMODEL_ID"], tok); s != 200 {
		t.Fatalf("GET iModel: %d", s)
	}
	stop(t, cancel, done)

	// Restart on the same dir: same dev secret and seed ids.
	vals2, cancel2, done2 := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--seed")
	for _, k := range []string{"ITWIN_CLIENT_SECRET", "ITWIN_ID", "IMODEL_ID", "ROOT_FOLDER_ID"} {
		if vals2[k] != vals[k] {
			t.Fatalf("%s changed across restart: %q vs %q", k, vals2[k], vals[k])
		}
	}
	stop(t, cancel2, done2)
}

func TestServeWithConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "clients.json")
	if err := os.WriteFile(cfg, []byte(`{"clients":[{"id":"ci","secret":"ci-secret","itwins":["*"],"rateLimitPerMinute":0}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	vals, cancel, done := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--config", cfg, "--seed")
	defer stop(t, cancel, done)
	if vals["ITWIN_CLIENT_ID"] != "ci" || vals["ITWIN_CLIENT_SECRET"] != "" {
		t.Fatalf("config clients: secrets of configured clients are not printed: %v", vals)
	}
	tok := token(t, vals["ITWIN_LOCAL_URL"], "ci", "ci-secret")
	if s := get(t, vals["ITWIN_LOCAL_URL"]+"/itwins/"+vals["ITWIN_ID"], tok); s != 200 {
		t.Fatalf("GET iTwin: %d", s)
	}
}

func TestServeFaultFlags(t *testing.T) {
	vals, cancel, done := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--seed", "--fault-5xx-rate", "1", "--fault-route", "^/itwins/")
	defer stop(t, cancel, done)
	tok := token(t, vals["ITWIN_LOCAL_URL"], vals["ITWIN_CLIENT_ID"], vals["ITWIN_CLIENT_SECRET"])
	if s := get(t, vals["ITWIN_LOCAL_URL"]+"/itwins/"+vals["ITWIN_ID"], tok); s != 503 {
		t.Fatalf("faulted route: %d", s)
	}
	if s := get(t, vals["ITWIN_LOCAL_URL"]+"/imodels/"+vals["IMODEL_ID"], tok); s != 200 {
		t.Fatalf("other route: %d", s)
	}
}

func TestUsageErrors(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{nil, {"start"}, {"serve", "--nope"}, {"serve", "extra"}, {"serve", "--speed", "0", "--data-dir", t.TempDir()}} {
		err := run(ctx, args, io.Discard, io.Discard)
		if !errors.Is(err, errUsage) {
			t.Fatalf("run(%v) = %v, want usage error", args, err)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"clients":[{"id":"a","secret":"b","unknown":1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"serve", "--data-dir", t.TempDir(), "--config", bad}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Fatalf("bad config: %v", err)
	}
}

// TestHelp: asking for the usage succeeds (exit 0) and prints it on stdout; it starts no server.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"serve", "--help"}, {"serve", "-h"}, {"serve", "-help"}, {"--help"}, {"-h"}, {"help"}} {
		var out, errOut strings.Builder
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("run(%v) = %v", args, err)
		}
		if !strings.Contains(out.String(), "Usage: itwin-local serve") || errOut.Len() != 0 {
			t.Fatalf("run(%v): stdout %q, stderr %q", args, out.String(), errOut.String())
		}
		if args[0] == "serve" && (!strings.Contains(out.String(), "-data-dir") || !strings.Contains(out.String(), "ITWIN_LOCAL_READY=1")) {
			t.Fatalf("run(%v) lists no flags: %q", args, out.String())
		}
	}
	// A bad flag still prints the usage, on stderr, and fails.
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"serve", "--nope"}, &out, &errOut); !errors.Is(err, errUsage) ||
		out.Len() != 0 || !strings.Contains(errOut.String(), "-data-dir") {
		t.Fatalf("bad flag: %v, stdout %q, stderr %q", err, out.String(), errOut.String())
	}
}
