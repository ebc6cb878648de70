package itwin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Limiter paces the API requests of one provider process once the server has answered 429, so that every worker
// slows down together instead of each one running into the limit on its own. Until the first 429 it only counts
// successes (two atomic adds and a clock read per answer) and never delays a request.
//
// What it learns from (internal/wire/testdata/spec/api.md §1.7): a 429 means the client's budget is exhausted at
// that moment, and Retry-After says when the next request may succeed. So:
//
//   - After a 429 nobody sends before Retry-After has passed (the gate), not only the request that got it.
//   - Between two 429s the budget was empty at both ends, so the requests that succeeded in between are what the
//     server grants in that time: their rate is the server's refill rate (a lower bound if the budget ever
//     filled up to its cap in between). From the second 429 on, requests are spaced at 10 % above that rate:
//     the budget refilled during a gate is spent, answers whose latency varies do not leave it unused, and the
//     next 429 renews the estimate.
//   - Until that second 429 the pace is the success rate of the last 10–20 s (what exhausted the budget), rising
//     by half every second without a 429, so the second 429 comes soon and from few requests in flight.
//   - A limit may be lifted or may have been underestimated: after Quiet without a 429 the pace rises by a
//     quarter, and after four such steps the limiter lets requests go unpaced again.
//
// Requests sent before a 429 arrived that answer 429 too belong to the same exhaustion and teach nothing new.
type Limiter struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	quiet time.Duration

	active atomic.Bool // a 429 was seen and the limiter has not relaxed since

	// Successes in the current and the previous throughput window (unix nanoseconds of their starts).
	winStart, winCount, prevStart, prevCount atomic.Int64

	mu       sync.Mutex
	gate     time.Time     // nobody sends before this (the latest Retry-After)
	interval time.Duration // spacing between paced requests
	next     time.Time     // earliest send of the next paced request
	starting bool          // interval is a first guess, not measured between two 429s
	grown    time.Time     // when the first guess last rose
	episode  time.Time     // when the latest new 429 arrived: the budget was empty then
	ok       int           // successes of requests sent since episode
	calm     time.Time     // when the pace may rise next (Quiet after the latest 429 or rise)
	rises    int           // rises since the latest 429

	// Counters for logs and tests.
	limited, paced atomic.Int64
}

// LimiterOptions injects time; zero values mean the real clock, Sleep and a one-minute Quiet (rate limits are
// per minute).
type LimiterOptions struct {
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	Quiet time.Duration
}

// NewLimiter returns a limiter that has seen no 429 yet (it lets everything through).
func NewLimiter(o LimiterOptions) *Limiter {
	l := &Limiter{now: o.Now, sleep: o.Sleep, quiet: o.Quiet}
	if l.now == nil {
		l.now = time.Now
	}
	if l.sleep == nil {
		l.sleep = Sleep
	}
	if l.quiet <= 0 {
		l.quiet = time.Minute
	}
	return l
}

// throughputWindow is the length of one success-counting window.
const throughputWindow = 10 * time.Second

func (l *Limiter) countOK(now time.Time) {
	n := now.UnixNano()
	ws := l.winStart.Load()
	switch {
	case ws == 0:
		l.winStart.CompareAndSwap(0, n)
	case n-ws > int64(throughputWindow) && l.winStart.CompareAndSwap(ws, n):
		// Another goroutine may count into the old window meanwhile: the rate is an estimate anyway.
		l.prevStart.Store(ws)
		l.prevCount.Store(l.winCount.Swap(0))
	}
	l.winCount.Add(1)
}

// recentRate is the success rate over the current and the previous window, per second (0 if unknown).
func (l *Limiter) recentRate(now time.Time) float64 {
	from := l.prevStart.Load()
	if from == 0 {
		from = l.winStart.Load()
	}
	span := time.Duration(now.UnixNano() - from)
	if from == 0 || span < 100*time.Millisecond {
		return 0
	}
	return float64(l.prevCount.Load()+l.winCount.Load()) / span.Seconds()
}

// sharedLimiters holds one limiter per API origin and identity for the whole process: Terraform configures the
// provider once per alias (and acceptance tests many times), and clients with the same credentials share the
// server's budget for that client.
var sharedLimiters sync.Map

func sharedLimiter(apiURL string, cfg Config) *Limiter {
	id := "client:" + cfg.ClientID
	if cfg.AccessToken != "" {
		sum := sha256.Sum256([]byte(cfg.AccessToken)) // the key stays in memory; still, never the token itself
		id = "token:" + hex.EncodeToString(sum[:8])
	}
	key := strings.ToLower(apiURL) + " " + id
	if l, ok := sharedLimiters.Load(key); ok {
		return l.(*Limiter)
	}
	l, _ := sharedLimiters.LoadOrStore(key, NewLimiter(LimiterOptions{}))
	return l.(*Limiter)
}

// Wait blocks until a request may be sent (or ctx ends) and returns the function to call with its answer's
// status and headers (status 0 when no answer came). sent is when the request went out.
func (l *Limiter) Wait(ctx context.Context) (done func(sent time.Time, status int, h http.Header), err error) {
	if !l.active.Load() {
		return l.observe, nil
	}
	l.mu.Lock()
	now := l.now()
	l.relax(now)
	if !l.active.Load() {
		l.mu.Unlock()
		return l.observe, nil
	}
	if l.starting && now.Sub(l.grown) >= time.Second && !now.Before(l.gate) {
		l.interval, l.grown = l.interval*2/3, now
	}
	at := now
	if l.gate.After(at) {
		at = l.gate
	}
	if l.next.After(at) {
		at = l.next
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		l.paced.Add(1)
		if err := l.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	return l.observe, nil
}

// observe learns from one answer.
func (l *Limiter) observe(sent time.Time, status int, h http.Header) {
	if status != http.StatusTooManyRequests {
		if status == 0 || status >= 500 {
			return
		}
		now := l.now()
		l.countOK(now)
		if !l.active.Load() {
			return
		}
		l.mu.Lock()
		if !sent.Before(l.episode) {
			l.ok++
		}
		l.mu.Unlock()
		return
	}
	l.limited.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ra, ok := parseRetryAfter(h.Get("Retry-After"), now)
	if !ok {
		ra = time.Second
	}
	ra = min(ra, maxRetryAfter)
	if g := now.Add(ra); g.After(l.gate) {
		l.gate = g
	}
	l.calm, l.rises = now.Add(l.quiet), 0
	if !l.active.Load() {
		// The first 429: pace at the rate that exhausted the budget until the next 429 gives the server's rate.
		interval := maxPaceInterval
		if r := l.recentRate(now); r > 0 {
			interval = min(time.Duration(float64(time.Second)/r), maxPaceInterval)
		}
		l.interval, l.starting, l.grown, l.next = interval, true, l.gate, l.gate
		l.episode, l.ok = now, 0
		l.active.Store(true)
		return
	}
	if sent.Before(l.episode) {
		return // sent before the budget was known to be empty: same exhaustion
	}
	if span := now.Sub(l.episode); span > 0 {
		// ok requests in span: the server's rate (at least one per span). The pace is a little above it: the
		// budget the server refills during each gate is spent instead of kept unused, at the price of one 429
		// every span×(1+1/overPace) or so, where the next estimate is taken.
		l.interval = min(time.Duration(float64(span)/(float64(max(l.ok, 1))*overPace)), maxPaceInterval)
		l.starting, l.next = false, l.gate
	}
	l.episode, l.ok = now, 0
}

// overPace is how much faster than the measured rate requests are paced (tuned with the simulation in
// limiter_test.go: 5 % left a budget refilled during gates unspent when latency varies, 20 % doubled the 429s).
const overPace = 1.1

// maxPaceInterval is the slowest pace (5 requests per second). The platform's lowest tier allows 500 requests per
// minute (internal/wire/testdata/spec/api.md §1.7); 429s that do not come from a budget (a proxy's, injected
// faults) would otherwise drive the estimate towards zero. Below it, Retry-After gates still hold requests back.
const maxPaceInterval = 200 * time.Millisecond

// relax raises the pace after a quiet time, and stops pacing after four rises. Called with mu held.
func (l *Limiter) relax(now time.Time) {
	for !now.Before(l.calm) {
		l.calm = l.calm.Add(l.quiet)
		l.rises++
		if l.rises > 4 {
			l.active.Store(false)
			l.interval, l.next, l.rises = 0, time.Time{}, 0
			return
		}
		l.interval = l.interval * 4 / 5
	}
}

// Rate is the current pace in requests per second: 0 when not pacing (no limit met).
func (l *Limiter) Rate() float64 {
	if !l.active.Load() {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return float64(time.Second) / float64(l.interval)
}

// limitedTransport passes every API request through the client's Limiter. Each attempt of go-retryablehttp
// goes through it, retries included.
type limitedTransport struct {
	next http.RoundTripper
	lim  *Limiter
}

type noLimitKey struct{}

// withoutLimiter marks requests that do not spend the API's budget (pre-signed blob URLs, token requests).
func withoutLimiter(ctx context.Context) context.Context {
	return context.WithValue(ctx, noLimitKey{}, true)
}

func (t limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if skip, _ := req.Context().Value(noLimitKey{}).(bool); skip {
		return t.next.RoundTrip(req)
	}
	done, err := t.lim.Wait(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	sent := t.lim.now()
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp == nil {
		done(sent, 0, nil)
		return resp, err
	}
	done(sent, resp.StatusCode, resp.Header)
	if resp.StatusCode == http.StatusTooManyRequests {
		tflog.Info(req.Context(), "iTwin API rate limit reached: pacing every request of this provider", map[string]any{
			"retry_after": resp.Header.Get("Retry-After"), "paced_requests_per_second": math.Round(t.lim.Rate()*100) / 100,
		})
	}
	return resp, nil
}
