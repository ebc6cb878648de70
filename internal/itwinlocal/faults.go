package itwinlocal

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultConfig injects latency and errors for resilience tests. Faults apply to API routes only, unless
// IncludeNonAPI is set (then also to the token endpoint, blob URLs, consent page; never to /local/stats or the
// /local/inbox receiver). They also apply to webhook delivery attempts (delivery.go, deliveryFault).
// A request that gets an injected error is not executed.
type FaultConfig struct {
	Latency       time.Duration // added before handling each matching request
	Rate429       float64       // probability 0..1 of a 429 RateLimitExceeded (Retry-After: 1)
	Rate5xx       float64       // probability 0..1 of a 503 ServiceUnavailable
	Methods       []string      // only these HTTP methods (empty = all)
	RoutePattern  string        // regexp matched against the request path (empty = all)
	Seed          int64         // RNG seed, so a fault sequence is reproducible
	IncludeNonAPI bool
}

type faultInjector struct {
	cfg FaultConfig
	re  *regexp.Regexp
	mu  sync.Mutex
	rng *rand.Rand
}

func newFaultInjector(cfg FaultConfig) (*faultInjector, error) {
	if cfg.Rate429 < 0 || cfg.Rate429 > 1 || cfg.Rate5xx < 0 || cfg.Rate5xx > 1 || cfg.Rate429+cfg.Rate5xx > 1 {
		return nil, fmt.Errorf("itwinlocal: fault rates must be within 0..1 and sum to at most 1 (429=%v, 5xx=%v)", cfg.Rate429, cfg.Rate5xx)
	}
	if cfg.Latency < 0 {
		return nil, fmt.Errorf("itwinlocal: fault latency must not be negative")
	}
	f := &faultInjector{cfg: cfg, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15))}
	if cfg.RoutePattern != "" {
		re, err := regexp.Compile(cfg.RoutePattern)
		if err != nil {
			return nil, fmt.Errorf("itwinlocal: fault route pattern: %w", err)
		}
		f.re = re
	}
	f.cfg.Methods = nil // normalised copy; the caller's slice is left alone
	for _, m := range cfg.Methods {
		f.cfg.Methods = append(f.cfg.Methods, strings.ToUpper(strings.TrimSpace(m)))
	}
	return f, nil
}

func (f *faultInjector) active() bool {
	return f.cfg.Latency > 0 || f.cfg.Rate429 > 0 || f.cfg.Rate5xx > 0
}

func (f *faultInjector) apply(c *rc, rt *route) error {
	if !f.active() || strings.HasPrefix(rt.tmpl, "/local/stats") || strings.HasPrefix(rt.tmpl, "/local/inbox") || (!rt.api && !f.cfg.IncludeNonAPI) {
		return nil
	}
	if len(f.cfg.Methods) > 0 && !slices.Contains(f.cfg.Methods, c.r.Method) {
		return nil
	}
	if f.re != nil && !f.re.MatchString(c.r.URL.Path) {
		return nil
	}
	if f.cfg.Latency > 0 {
		t := time.NewTimer(f.cfg.Latency)
		select {
		case <-t.C:
		case <-c.ctx.Done():
			t.Stop()
			return c.ctx.Err()
		}
	}
	f.mu.Lock()
	x := f.rng.Float64()
	f.mu.Unlock()
	switch {
	case x < f.cfg.Rate429:
		setRateLimitHeaders(c, 1)
		return errRateLimited
	case x < f.cfg.Rate429+f.cfg.Rate5xx:
		return errInjectedUnavailable
	}
	return nil
}

func setRateLimitHeaders(c *rc, retryAfter int) {
	h := c.w.Header()
	h.Set("Retry-After", strconv.Itoa(retryAfter))
	h.Set("ITwinPlatform-RateLimited-Tier", "Local")
	h.Set("ITwinPlatform-RateLimited-API", apiName(c.r.URL.Path))
	h.Set("ITwinPlatform-RateLimited-Operation", c.r.Method)
	app := "anonymous"
	if c.client != nil {
		app = c.client.ID
	}
	h.Set("ITwinPlatform-RateLimited-Application", app)
}

func apiName(path string) string {
	segs := splitPath(path)
	if len(segs) == 0 {
		return ""
	}
	return strings.ToLower(segs[0])
}

// rateLimiter is a per-client token bucket: capacity and refill = RateLimitPerMinute (§1.7).
type rateLimiter struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(now func() time.Time) *rateLimiter {
	return &rateLimiter{now: now, buckets: map[string]*bucket{}}
}

// take consumes one token, or answers 429 with Retry-After = seconds until the next token.
func (l *rateLimiter) take(cl *client) *rateLimitedError {
	if cl.rateLimit <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	capacity := float64(cl.rateLimit)
	perSec := capacity / 60
	b := l.buckets[cl.ID]
	if b == nil {
		b = &bucket{tokens: capacity, last: now}
		l.buckets[cl.ID] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(capacity, b.tokens+el*perSec)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return nil
	}
	wait := int(math.Ceil((1 - b.tokens) / perSec))
	return &rateLimitedError{retryAfter: max(1, wait)}
}

type rateLimitedError struct{ retryAfter int }

func (e *rateLimitedError) Error() string { return "rate limited" }

// stats counts requests per "METHOD route-template" (GET /local/stats).
type stats struct {
	mu     sync.Mutex
	counts map[string]int64
	since  time.Time
}

func newStats() *stats { return &stats{counts: map[string]int64{}, since: time.Now().UTC()} }

func (s *stats) count(key string) {
	s.mu.Lock()
	s.counts[key]++
	s.mu.Unlock()
}

func (s *stats) snapshot() (map[string]int64, int64, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.counts))
	var total int64
	keys := make([]string, 0, len(s.counts))
	for k := range s.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out[k] = s.counts[k]
		total += s.counts[k]
	}
	return out, total, s.since
}

// StatsResponse is the body of GET /local/stats.
type StatsResponse struct {
	Since    string           `json:"since"`
	Total    int64            `json:"total"`
	Requests map[string]int64 `json:"requests"`
	// Webhooks counts deliveries per webhook id (delivery.go).
	Webhooks map[string]WebhookDeliveryStats `json:"webhooks"`
}

func (s *Server) handleStats(c *rc) error {
	m, total, since := s.stats.snapshot()
	hooks, err := s.hooks.snapshot(c.ctx)
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, StatsResponse{Since: since.Format(time.RFC3339Nano), Total: total, Requests: m, Webhooks: hooks})
	return nil
}

func (s *Server) handleStatsReset(c *rc) error {
	s.stats.mu.Lock()
	s.stats.counts = map[string]int64{}
	s.stats.since = time.Now().UTC()
	s.stats.mu.Unlock()
	s.hooks.resetStats()
	writeNoBody(c.w, 204)
	return nil
}

// Stats returns the current request counts (same data as GET /local/stats).
func (s *Server) Stats() map[string]int64 {
	m, _, _ := s.stats.snapshot()
	return m
}
