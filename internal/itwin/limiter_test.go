package itwin

import (
	"context"
	"math"
	"net/http"
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

func TestLimiterGatesEveryRequestUntilRetryAfterAndProbesOneAtATime(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(LimiterOptions{Now: clock.Now, Sleep: clock.Sleep})
	done, _ := l.Wait(t.Context())
	sent := clock.now
	clock.now = clock.now.Add(10 * time.Millisecond) // latency
	done(sent, http.StatusTooManyRequests, retryAfter("7"))

	// Any next request (not only the one answered 429) waits the 7 s.
	done, err := l.Wait(t.Context())
	if err != nil || len(clock.sleeps) != 1 || clock.sleeps[0] != 7*time.Second {
		t.Fatalf("sleeps %v, err %v: want one wait of Retry-After (7s)", clock.sleeps, err)
	}
	// While that probe is in flight, another request may not go: with a context that has ended, Wait says so
	// instead of sending.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.Wait(ctx); err == nil {
		t.Fatal("a second request went out while probing")
	}
	// A 429 of a request sent before the first one arrived is the same exhaustion: still probing, no rate.
	done(sent, http.StatusTooManyRequests, retryAfter("1"))
	if l.Rate() != 0 {
		t.Errorf("rate %v learnt from an in-flight 429", l.Rate())
	}
	if _, err := l.Wait(t.Context()); err != nil {
		t.Fatalf("the probe slot was not released: %v", err)
	}
}

func TestLimiterLearnsTheRateBetweenTwo429s(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(LimiterOptions{Now: clock.Now, Sleep: clock.Sleep})
	done, _ := l.Wait(t.Context())
	done(clock.now, http.StatusTooManyRequests, retryAfter("1"))
	// 30 successes in the 1.5 s until the next 429: 20 requests per second, paced 5 % faster.
	for i := range 30 {
		done, _ := l.Wait(t.Context())
		done(clock.now, http.StatusOK, nil)
		if i == 0 {
			clock.now = clock.now.Add(500 * time.Millisecond) // the first went out after the 1 s gate
		}
	}
	done, _ = l.Wait(t.Context())
	done(clock.now, http.StatusTooManyRequests, retryAfter("1"))
	if r := l.Rate(); math.Abs(r-21) > 0.01 {
		t.Fatalf("pace %v, want 21/s", r)
	}
	// Paced: the next requests go out after the gate, 1/21 s apart.
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
	done, _ := l.Wait(t.Context())
	done(clock.now, http.StatusTooManyRequests, retryAfter("1"))
	clock.now = clock.now.Add(3 * time.Second)
	done, _ = l.Wait(t.Context())
	done(clock.now, http.StatusOK, nil)
	done, _ = l.Wait(t.Context())
	done(clock.now, http.StatusTooManyRequests, retryAfter("1"))
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

func TestLimiterAgainstATokenBucket(t *testing.T) {
	// 2,000 requests, each retried after a 429 as the client does, against 1,200/minute with a full bucket: the
	// bound is (2000 − 1200) / 20 per second = 40 s.
	clock := newFakeClock()
	l := NewLimiter(LimiterOptions{Now: clock.Now, Sleep: clock.Sleep})
	b := &bucket{tokens: 1200, capacity: 1200, perSec: 20, last: clock.now}
	start := clock.now
	answered429 := 0
	for range 2000 {
		for {
			done, err := l.Wait(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			clock.now = clock.now.Add(2 * time.Millisecond) // latency
			st := b.take(clock.now)
			h := http.Header{}
			if st == http.StatusTooManyRequests {
				answered429++
				h.Set("Retry-After", "1")
			}
			done(clock.now.Add(-2*time.Millisecond), st, h)
			if st == http.StatusOK {
				break
			}
		}
	}
	wall, bound := clock.now.Sub(start), 40*time.Second
	if answered429 > 40 { // 2 % of 2,000
		t.Errorf("%d answers 429, more than 2 %%", answered429)
	}
	if float64(wall) > 1.1*float64(bound) {
		t.Errorf("took %s, more than 1.1 × the bound %s", wall, bound)
	}
	t.Logf("%d × 429, %s for a bound of %s", answered429, wall, bound)
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
