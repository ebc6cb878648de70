package itwin

import (
	"context"
	"math"
	"net/http"
	"sort"
	"testing"
	"time"
)

func retryAfter(s string) http.Header { return http.Header{"Retry-After": {s}} }

func TestLimiterCostsNothingWithoutA429(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(LimiterOptions{Now: clock.Now, Sleep: clock.Sleep})
	for range 1000 {
		done, err := l.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		done(clock.now, http.StatusOK, nil)
		done(clock.now, http.StatusServiceUnavailable, retryAfter("5")) // a 503 is not a rate limit
	}
	if len(clock.sleeps) != 0 || l.Rate() != 0 || l.active.Load() {
		t.Errorf("slept %v, rate %v: a limiter that has seen no 429 must let everything through", clock.sleeps, l.Rate())
	}
}

func TestLimiterGatesEveryRequestUntilRetryAfter(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(LimiterOptions{Now: clock.Now, Sleep: clock.Sleep})
	done, _ := l.Wait(t.Context())
	sent := clock.now
	clock.now = clock.now.Add(10 * time.Millisecond) // latency
	done(sent, http.StatusTooManyRequests, retryAfter("7"))

	// Any next request (not only the one answered 429) waits the 7 s.
	if _, err := l.Wait(t.Context()); err != nil || len(clock.sleeps) != 1 || clock.sleeps[0] != 7*time.Second {
		t.Fatalf("sleeps %v, err %v: want one wait of Retry-After (7s)", clock.sleeps, err)
	}
	// A request whose context has ended is not sent while it would have to wait.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.Wait(ctx); err == nil {
		t.Error("Wait returned no error for an ended context while pacing")
	}
}

func TestLimiterStartsAtTheRateThatExhaustedTheBudget(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(LimiterOptions{Now: clock.Now, Sleep: clock.Sleep})
	// 100 successes in 4 s (25 per second), then a 429.
	for range 100 {
		clock.now = clock.now.Add(40 * time.Millisecond)
		done, _ := l.Wait(t.Context())
		done(clock.now, http.StatusOK, nil)
	}
	if len(clock.sleeps) != 0 {
		t.Fatalf("slept %v before any 429", clock.sleeps)
	}
	done, _ := l.Wait(t.Context())
	sent := clock.now
	done(sent, http.StatusTooManyRequests, retryAfter("1"))
	if r := l.Rate(); math.Abs(r-25) > 0.5 {
		t.Fatalf("first pace %v, want ≈25/s", r)
	}
	// Requests in flight when the 429 came that answer 429 too are the same exhaustion: no estimate from them.
	l.observe(sent, http.StatusTooManyRequests, retryAfter("1"))
	if r := l.Rate(); math.Abs(r-25) > 0.5 {
		t.Fatalf("pace %v after an in-flight 429, want still ≈25/s", r)
	}
	// After the gate, each second without a 429 raises the first guess by half.
	clock.now = clock.now.Add(2100 * time.Millisecond)
	done, _ = l.Wait(t.Context())
	done(clock.now, http.StatusOK, nil)
	if r := l.Rate(); math.Abs(r-37.5) > 0.5 {
		t.Errorf("pace %v a second after the gate, want ≈37.5/s", r)
	}
}

func TestLimiterLearnsTheRateBetweenTwo429s(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(LimiterOptions{Now: clock.Now, Sleep: clock.Sleep})
	done, _ := l.Wait(t.Context())
	done(clock.now, http.StatusTooManyRequests, retryAfter("1"))
	t0 := clock.now
	// 30 requests sent after that 429 succeed until the next 429 1.5 s later: 20 requests per second, paced 10 %
	// faster.
	for i := range 30 {
		l.observe(t0.Add(time.Second+time.Duration(i)*time.Millisecond), http.StatusOK, nil)
	}
	clock.now = t0.Add(1500 * time.Millisecond)
	l.observe(clock.now.Add(-time.Millisecond), http.StatusTooManyRequests, retryAfter("1"))
	if r := l.Rate(); math.Abs(r-22) > 0.01 {
		t.Fatalf("pace %v, want 22/s", r)
	}
	// Paced: the next requests go out after the gate, 1/22 s apart.
	clock.sleeps = nil
	for range 3 {
		done, _ := l.Wait(t.Context())
		done(clock.now, http.StatusOK, nil)
	}
	span := 1500 * time.Millisecond
	gap := time.Duration(float64(span) / (30 * overPace))
	want := []time.Duration{time.Second, gap, gap}
	if len(clock.sleeps) != 3 || clock.sleeps[0] != want[0] || clock.sleeps[1] != want[1] || clock.sleeps[2] != want[2] {
		t.Errorf("sleeps %v, want %v", clock.sleeps, want)
	}
}

func TestLimiterPaceHasAFloor(t *testing.T) {
	// 429s that are not a budget (random faults): one success between two 429s 3 s apart would mean 1/3 per second.
	clock := newFakeClock()
	l := NewLimiter(LimiterOptions{Now: clock.Now, Sleep: clock.Sleep})
	l.observe(clock.now, http.StatusTooManyRequests, retryAfter("1"))
	clock.now = clock.now.Add(3 * time.Second)
	l.observe(clock.now, http.StatusOK, nil)
	l.observe(clock.now, http.StatusTooManyRequests, retryAfter("1"))
	if r := l.Rate(); r != 5 {
		t.Errorf("pace %v, want the floor of 5 per second", r)
	}
}

func TestLimiterRelaxesAfterQuietTime(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(LimiterOptions{Now: clock.Now, Sleep: clock.Sleep, Quiet: 10 * time.Second})
	l.active.Store(true)
	l.interval, l.calm = 100*time.Millisecond, clock.now.Add(10*time.Second)
	rates := []float64{}
	for range 5 {
		clock.now = clock.now.Add(10 * time.Second)
		done, _ := l.Wait(t.Context())
		done(clock.now, http.StatusOK, nil)
		rates = append(rates, l.Rate())
	}
	want := []float64{12.5, 15.625, 19.53125, 24.4140625, 0}
	for i := range want {
		if math.Abs(rates[i]-want[i]) > 0.01 {
			t.Fatalf("rates after each quiet 10 s: %v, want %v (a quarter more each time, then unpaced)", rates, want)
		}
	}
	if l.active.Load() {
		t.Error("still active after four rises")
	}
}

// bucket is the server's token bucket (internal/itwinlocal/faults.go rateLimiter): capacity and refill per
// minute = perMinute.
type bucket struct {
	tokens, perSec, capacity float64
	last                     time.Time
}

func (b *bucket) take(now time.Time) int {
	b.tokens = min(b.capacity, b.tokens+now.Sub(b.last).Seconds()*b.perSec)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return http.StatusOK
	}
	return http.StatusTooManyRequests
}

// simulateLimited runs n requests from workers parallel workers against a token bucket of perMinute (full at the
// start) on a simulated clock: each request takes from half to twice latency (the server decides halfway), a 429 is retried after
// Retry-After plus up to 10 % (the client's backoff). It returns the 429 answers and the time until the last
// success.
func simulateLimited(t *testing.T, n, workers int, latency time.Duration, perMinute float64) (answered429 int, wall time.Duration) {
	t.Helper()
	now := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	start := now
	var slept time.Duration
	l := NewLimiter(LimiterOptions{Now: func() time.Time { return now }, Sleep: func(_ context.Context, d time.Duration) error { slept = d; return nil }})
	b := &bucket{tokens: perMinute, capacity: perMinute, perSec: perMinute / 60, last: now}
	type event struct {
		at     time.Time
		worker int
		kind   int // 0 ready to send, 1 arrives at the server, 2 answer
		sent   time.Time
		status int
		lat    time.Duration
		done   func(time.Time, int, http.Header)
	}
	var queue []event // kept sorted by time; small enough for a linear insert
	push := func(e event) {
		i := sort.Search(len(queue), func(i int) bool { return queue[i].at.After(e.at) })
		queue = append(queue, event{})
		copy(queue[i+1:], queue[i:])
		queue[i] = e
	}
	left := n
	for w := range workers {
		left--
		push(event{at: now, worker: w})
	}
	rng := uint64(1)
	jitter := func(d time.Duration) time.Duration {
		rng = rng*6364136223846793005 + 1442695040888963407
		return time.Duration(rng>>33) % (d/10 + 1)
	}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		now = e.at
		switch e.kind {
		case 0:
			slept = 0
			done, err := l.Wait(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			sent := now.Add(slept)
			// Answers take from half to twice the latency: a busy server or network.
			lat := latency/2 + 3*jitter(10*latency)/2
			push(event{at: sent.Add(lat / 2), worker: e.worker, kind: 1, sent: sent, lat: lat, done: done})
		case 1:
			e.status, e.kind, e.at = b.take(now), 2, e.sent.Add(e.lat)
			push(e)
		case 2:
			h := http.Header{}
			if e.status == http.StatusTooManyRequests {
				answered429++
				h.Set("Retry-After", "1")
			}
			e.done(e.sent, e.status, h)
			switch {
			case e.status == http.StatusTooManyRequests:
				push(event{at: now.Add(time.Second + jitter(time.Second)), worker: e.worker})
			case left > 0:
				left--
				push(event{at: now, worker: e.worker})
			default:
				wall = now.Sub(start)
			}
		}
	}
	return answered429, wall
}

func TestLimiterAgainstATokenBucket(t *testing.T) {
	// 2,000 requests by 10 workers against 1,200 per minute with a full bucket: the bound is
	// (2000 − 1200) / 20 per second = 40 s. Fast answers (the workers alone could do 2,000 per second) and slow ones
	// (50 per second, above the limit's 20 but not by much).
	for _, latency := range []time.Duration{5 * time.Millisecond, 100 * time.Millisecond} {
		answered429, wall := simulateLimited(t, 2000, 10, latency, 1200)
		bound := 40 * time.Second
		if answered429 > 40 { // 2 % of 2,000
			t.Errorf("latency %s: %d answers 429, more than 2 %%", latency, answered429)
		}
		if float64(wall) > 1.1*float64(bound) {
			t.Errorf("latency %s: took %s, more than 1.1 × the bound %s", latency, wall, bound)
		}
		t.Logf("latency %s: %d × 429, %s for a bound of %s", latency, answered429, wall, bound)
	}
}

func TestClientsOfOneProcessShareALimiter(t *testing.T) {
	mk := func(url, id string) *Client {
		c, err := NewClient(t.Context(), Config{APIURL: url, ClientID: id, ClientSecret: "s"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b := mk("http://127.0.0.1:1", "x"), mk("http://127.0.0.1:1/", "x")
	if a.limiter != b.limiter {
		t.Error("two clients with the same origin and credentials must share one limiter")
	}
	if c := mk("http://127.0.0.1:1", "y"); c.limiter == a.limiter {
		t.Error("another client id has its own budget on the server, so its own limiter")
	}
	if c := mk("http://127.0.0.1:2", "x"); c.limiter == a.limiter {
		t.Error("another origin has its own limiter")
	}
}

func TestClientRequestsGoThroughTheLimiter(t *testing.T) {
	f := newFakeAPI(t)
	n := 0
	f.handle("GET /storage/folders/{id}", func(w http.ResponseWriter, _ *http.Request) {
		n++
		if n == 1 {
			w.Header().Set("Retry-After", "3")
			writeJSON(w, http.StatusTooManyRequests, apiErrorBody("RateLimitExceeded", "slow down"))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"folder": map[string]any{"id": "f1", "displayName": "F"}})
	})
	clock := newFakeClock()
	lim := NewLimiter(LimiterOptions{Now: clock.Now, Sleep: clock.Sleep})
	c := f.client(func(cfg *Config) { cfg.Limiter = lim })
	c.backoff = func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 } // only the limiter waits
	if _, err := c.GetFolder(t.Context(), "f1"); err != nil {
		t.Fatal(err)
	}
	// The retry of the 429 waited for the gate of Retry-After (3 s) in the limiter.
	if lim.limited.Load() != 1 || len(clock.sleeps) != 1 || clock.sleeps[0] != 3*time.Second {
		t.Errorf("limiter saw %d × 429 and slept %v; want 1 and [3s]", lim.limited.Load(), clock.sleeps)
	}
}
