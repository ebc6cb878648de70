package provider

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// fakeClock is the clock tests configure the provider with: Sleep records the wait and moves the time on at
// once, and a context from WithTimeout ends with context.DeadlineExceeded when the time passes its deadline. So
// timeouts, backoffs and poll intervals are exercised without any test waiting for them.
type fakeClock struct {
	mu        sync.Mutex
	now       time.Time
	sleeps    []time.Duration
	deadlines []*fakeDeadlineCtx
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	var expired []*fakeDeadlineCtx
	kept := c.deadlines[:0]
	for _, dl := range c.deadlines {
		if !c.now.Before(dl.at) {
			expired = append(expired, dl)
		} else {
			kept = append(kept, dl)
		}
	}
	c.deadlines = kept
	c.mu.Unlock()
	for _, dl := range expired {
		dl.end(context.DeadlineExceeded)
	}
	return ctx.Err()
}

// recorded returns the waits slept so far.
func (c *fakeClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

func (c *fakeClock) WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	c.mu.Lock()
	dl := &fakeDeadlineCtx{parent: parent, at: c.now.Add(d), done: make(chan struct{})}
	c.deadlines = append(c.deadlines, dl)
	c.mu.Unlock()
	go func() {
		select {
		case <-parent.Done():
			dl.end(parent.Err())
		case <-dl.done:
		}
	}()
	return dl, func() { dl.end(context.Canceled) }
}

// fakeDeadlineCtx is a context that ends when its fake clock passes at (or its parent ends, or it is
// cancelled). It is its own context type, not a wrapped cancelCtx, so contexts derived from it inherit its error
// (DeadlineExceeded) rather than a plain cancellation.
type fakeDeadlineCtx struct {
	parent context.Context
	at     time.Time
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	err    error
}

func (c *fakeDeadlineCtx) end(err error) {
	c.once.Do(func() {
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		close(c.done)
	})
}

func (c *fakeDeadlineCtx) Deadline() (time.Time, bool) { return c.parent.Deadline() }
func (c *fakeDeadlineCtx) Done() <-chan struct{}       { return c.done }
func (c *fakeDeadlineCtx) Value(key any) any           { return c.parent.Value(key) }
func (c *fakeDeadlineCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// providerFactoriesWithClock serves the provider in process with clk as its clock, for tests whose server is a
// scripted fake (with itwin-local's real runs, the real clock of testAccProtoV6ProviderFactories applies).
func providerFactoriesWithClock(clk clock) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"itwin": providerserver.NewProtocol6WithError(&itwinProvider{version: "test", clock: clk}),
	}
}

// data is the provider data of a provider configured with this client and clock.
func (c *fakeClock) data(client *itwin.Client) *providerData {
	return &providerData{client: client, clock: c}
}

func TestFakeClockTimeout(t *testing.T) {
	c := newFakeClock()
	ctx, cancel := c.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()
	if err := c.Sleep(ctx, 2*time.Second); err != nil || ctx.Err() != nil {
		t.Fatalf("before the deadline: sleep %v, ctx %v", err, ctx.Err())
	}
	if err := c.Sleep(ctx, 2*time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("past the deadline: sleep = %v, want DeadlineExceeded", err)
	}
	<-child.Done()
	if !errors.Is(child.Err(), context.DeadlineExceeded) {
		t.Errorf("derived context: %v, want DeadlineExceeded", child.Err())
	}
	if got := c.recorded(); len(got) != 2 || c.Now().Sub(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) != 4*time.Second {
		t.Errorf("sleeps %v, now %v", got, c.Now())
	}
}

// Resources get the client and the provider's clock from the provider data; anything else is reported.
func TestConfiguredProviderData(t *testing.T) {
	var diags diag.Diagnostics
	clk := newFakeClock()
	client := &itwin.Client{}
	if c, k := configured(clk.data(client), &diags); c != client || k != clock(clk) || diags.HasError() {
		t.Errorf("configured(providerData) = %v, %v, %v", c, k, diags)
	}
	if c, k := configured(nil, &diags); c != nil || k == nil || diags.HasError() {
		t.Errorf("configured(nil) = %v, %v, %v: want no client, a clock and no error", c, k, diags)
	}
	if c, _ := configured("x", &diags); c != nil || !diags.HasError() || !strings.Contains(diags[0].Detail(), "got string") {
		t.Errorf("configured(string) = %v, %v: want an error naming the type", c, diags)
	}
	if _, ok := (&itwinProvider{clock: realClock{}}).clock.(realClock); !ok || New("x")().(*itwinProvider).clock != clock(realClock{}) {
		t.Error("the provider waits on the wall clock")
	}
}
