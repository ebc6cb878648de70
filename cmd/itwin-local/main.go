// Command itwin-local serves the local iTwin Platform (Synchronization, iTwins, iModels, Storage, OAuth2 token)
// on one machine.
//
//	itwin-local serve --addr 127.0.0.1:8085 --data-dir .itwin-local [--seed] [--config FILE] [--speed F] [--fault-*]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/engine"
)

func main() {
	os.Exit(mainCode())
}

// mainCode runs the command and returns the exit code, so deferred cleanup runs before os.Exit.
func mainCode() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "itwin-local:", err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

const usage = `Usage: itwin-local serve [flags]

Serves the iTwin Platform APIs locally: Synchronization, Storage, iModels (with named versions), iTwins,
Webhooks, and an OAuth2/OpenID Connect issuer at the server's origin (wire format: the source repository's
internal/wire/testdata/spec/api.md). Once it accepts requests it prints KEY=value
lines (ITWIN_LOCAL_URL, ITWIN_CLIENT_ID, ITWIN_CLIENT_SECRET of the dev client, with --seed ITWIN_ID, IMODEL_ID
and ROOT_FOLDER_ID) and last ITWIN_LOCAL_READY=1.

Flags (environment variable in brackets):
`

// isHelp reports whether arg asks for the usage.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// fileConfig is the --config JSON document.
type fileConfig struct {
	Clients []itwinlocal.ClientConfig `json:"clients"`
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envFloat(name string, def float64) float64 {
	if v, ok := os.LookupEnv(name); ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(name); ok {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "serve" {
		if len(args) == 1 && isHelp(args[0]) {
			fmt.Fprint(stdout, usage+"  see: itwin-local serve --help\n")
			return nil
		}
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: the only command is \"serve\"", errUsage)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	// The usage goes to stdout when asked for (-h, --help: exit 0), to stderr after a bad flag.
	var out bytes.Buffer
	fs.SetOutput(&out)
	fs.Usage = func() { fmt.Fprint(&out, usage); fs.PrintDefaults() }
	defer func() {
		if out.Len() > 0 {
			_, _ = stderr.Write(out.Bytes())
		}
	}()
	addr := fs.String("addr", envOr("ITWIN_LOCAL_ADDR", "127.0.0.1:8085"), "listen address; port 0 picks a free port [ITWIN_LOCAL_ADDR]")
	dataDir := fs.String("data-dir", envOr("ITWIN_LOCAL_DATA_DIR", ".itwin-local"), "directory for the database and blobs [ITWIN_LOCAL_DATA_DIR]")
	seed := fs.Bool("seed", false, "create (idempotently) a demo iTwin, iModel and root folder and print their ids")
	configFile := fs.String("config", envOr("ITWIN_LOCAL_CONFIG", ""), "JSON file {\"clients\":[{\"id\",\"secret\",\"itwins\":[\"*\"],\"rateLimitPerMinute\",\"email\"}]} [ITWIN_LOCAL_CONFIG]")
	speed := fs.Float64("speed", envFloat("ITWIN_LOCAL_SPEED", 1), "phase-duration factor for runs (1 = demo pace, 0.01 = 100x faster) [ITWIN_LOCAL_SPEED]")
	tokenTTL := fs.Duration("token-ttl", envDuration("ITWIN_LOCAL_TOKEN_TTL", time.Hour), "access-token lifetime [ITWIN_LOCAL_TOKEN_TTL]")
	maxPage := fs.Int("max-page-size", int(envFloat("ITWIN_LOCAL_MAX_PAGE_SIZE", 0)), "serve lists in pages of at most this many items (0 = the API's 1000), to exercise client paging [ITWIN_LOCAL_MAX_PAGE_SIZE]")
	verbose := fs.Bool("verbose", false, "log every request to stderr")
	fLatency := fs.Duration("fault-latency", envDuration("ITWIN_LOCAL_FAULT_LATENCY", 0), "latency added to matching requests [ITWIN_LOCAL_FAULT_LATENCY]")
	f429 := fs.Float64("fault-429-rate", envFloat("ITWIN_LOCAL_FAULT_429_RATE", 0), "probability 0..1 of an injected 429 [ITWIN_LOCAL_FAULT_429_RATE]")
	f5xx := fs.Float64("fault-5xx-rate", envFloat("ITWIN_LOCAL_FAULT_5XX_RATE", 0), "probability 0..1 of an injected 503 [ITWIN_LOCAL_FAULT_5XX_RATE]")
	fMethods := fs.String("fault-methods", envOr("ITWIN_LOCAL_FAULT_METHODS", ""), "comma-separated HTTP methods faults apply to (empty = all) [ITWIN_LOCAL_FAULT_METHODS]")
	fRoute := fs.String("fault-route", envOr("ITWIN_LOCAL_FAULT_ROUTE", ""), "regexp on the request path faults apply to (empty = all) [ITWIN_LOCAL_FAULT_ROUTE]")
	fSeed := fs.Int64("fault-seed", int64(envFloat("ITWIN_LOCAL_FAULT_SEED", 1)), "seed of the fault RNG [ITWIN_LOCAL_FAULT_SEED]")
	fNonAPI := fs.Bool("fault-non-api", false, "also inject faults on the token endpoint and pre-signed blob URLs")
	webhookTimeout := fs.Duration("webhook-timeout", envDuration("ITWIN_LOCAL_WEBHOOK_TIMEOUT", 5*time.Second), "how long a webhook receiver may take to answer one delivery [ITWIN_LOCAL_WEBHOOK_TIMEOUT]")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, _ = stdout.Write(out.Bytes())
			out.Reset()
			return nil
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	cfg := itwinlocal.Config{DataDir: *dataDir, TokenTTL: *tokenTTL, Speed: *speed, WebhookTimeout: *webhookTimeout,
		Faults: itwinlocal.FaultConfig{Latency: *fLatency, Rate429: *f429, Rate5xx: *f5xx, RoutePattern: *fRoute, Seed: *fSeed, IncludeNonAPI: *fNonAPI}}
	if *fMethods != "" {
		cfg.Faults.Methods = strings.Split(*fMethods, ",")
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *configFile != "" {
		b, err := os.ReadFile(*configFile)
		if err != nil {
			return fmt.Errorf("read --config: %w", err)
		}
		var fc fileConfig
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fc); err != nil {
			return fmt.Errorf("parse --config %s: %w", *configFile, err)
		}
		cfg.Clients = fc.Clients
	}
	if *speed <= 0 {
		return fmt.Errorf("%w: --speed must be > 0", errUsage)
	}
	if *webhookTimeout <= 0 {
		return fmt.Errorf("%w: --webhook-timeout must be > 0", errUsage)
	}
	if *maxPage < 0 || *maxPage > 1000 {
		return fmt.Errorf("%w: --max-page-size must be between 0 and 1000", errUsage)
	}
	cfg.MaxPageSize = *maxPage

	srv, err := itwinlocal.New(cfg)
	if err != nil {
		return err
	}
	// srv.Close closes the engine first (it stops between transitions; unfinished runs resume at the next
	// start), then the store.
	defer srv.Close()
	eng, err := engine.New(srv, engine.Options{})
	if err != nil {
		return fmt.Errorf("run engine: %w", err)
	}
	srv.SetExecutor(eng)
	var info *itwinlocal.SeedInfo
	if *seed {
		if info, err = srv.Seed(ctx); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port)
	var h http.Handler = srv
	if *verbose {
		h = logRequests(cfg.Logger, srv)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()

	// Machine-greppable lines (KEY=value). Only the auto-created dev client's secret is printed; secrets of
	// clients from --config are the config owner's.
	fmt.Fprintf(stdout, "ITWIN_LOCAL_URL=%s\n", url)
	if info != nil {
		fmt.Fprintf(stdout, "ITWIN_CLIENT_ID=%s\n", info.ClientID)
		if len(cfg.Clients) == 0 {
			fmt.Fprintf(stdout, "ITWIN_CLIENT_SECRET=%s\n", info.ClientSecret)
		}
		fmt.Fprintf(stdout, "ITWIN_ID=%s\nIMODEL_ID=%s\nROOT_FOLDER_ID=%s\n", info.ITwinID, info.IModelID, info.RootFolderID)
	} else if len(cfg.Clients) == 0 {
		id, secret := srv.DevClient()
		fmt.Fprintf(stdout, "ITWIN_CLIENT_ID=%s\nITWIN_CLIENT_SECRET=%s\n", id, secret)
	}
	fmt.Fprintf(stdout, "ITWIN_LOCAL_READY=1\n")

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	shCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return srv.Close()
}

// logRequests logs method, path, status and duration of every request (never headers: they carry tokens).
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		next.ServeHTTP(sw, r)
		log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
