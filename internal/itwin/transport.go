package itwin

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// retryPolicy says which failures of one request may be retried. It travels in the request context because
// go-retryablehttp's CheckRetry sees only the context, the response and the error — not the method.
type retryPolicy int

const (
	// retryIdempotent: 429, 5xx and transport errors (GET, PUT, PATCH, DELETE, HEAD, token requests).
	retryIdempotent retryPolicy = iota + 1
	// retryRateLimitOnly: only 429, which guarantees the server did nothing (POST: a retry after a 5xx or a
	// reset connection could create a second object or start a second run).
	retryRateLimitOnly
	// retryNever: a body that cannot be replayed.
	retryNever
)

type policyKey struct{}

func withPolicy(ctx context.Context, p retryPolicy) context.Context {
	return context.WithValue(ctx, policyKey{}, p)
}

func policyFor(method string) retryPolicy {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return retryIdempotent
	}
	return retryRateLimitOnly
}

// checkRetry is the CheckRetry of every request: stop when the context is done, then apply the request's policy.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	p, _ := ctx.Value(policyKey{}).(retryPolicy)
	if p == 0 {
		p = retryRateLimitOnly
	}
	if err != nil {
		if p != retryIdempotent {
			return false, nil
		}
		// The default policy knows which transport errors are permanent (TLS, bad scheme, redirects).
		retry, _ := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		return retry, nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return p != retryNever, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return p == retryIdempotent, nil
	}
	return false, nil
}

// maxRetryAfter bounds a server's Retry-After so one answer cannot stall an apply for hours; the context
// deadline still applies on top.
const maxRetryAfter = 2 * time.Minute

// backoff honours Retry-After (seconds or HTTP date) on 429/503 and is otherwise exponential from min, capped at
// max, with "equal jitter" (a random wait between half and all of the step) so parallel clients spread out.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			d = min(d, maxRetryAfter)
			// Never earlier than asked; a little later so clients told the same second do not collide.
			return d + jitterUp(d/10)
		}
	}
	step := float64(minWait) * math.Pow(2, float64(attempt))
	d := time.Duration(step)
	if step > float64(maxWait) || d <= 0 {
		d = maxWait
	}
	return d/2 + jitterUp(d/2)
}

func jitterUp(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// parseRetryAfter reads "120" or an HTTP date. A date in the past means "now".
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// tflogLogger adapts tflog to retryablehttp.LeveledLogger. tflog needs the request context, so one is built per
// request. Every value is scrubbed: retryablehttp logs full URLs (pre-signed query strings included) and
// transport errors that embed them.
type tflogLogger struct{ ctx context.Context }

var _ retryablehttp.LeveledLogger = tflogLogger{}

func (l tflogLogger) Error(msg string, kv ...any) { tflog.Error(l.ctx, msg, logFields(kv)) }
func (l tflogLogger) Info(msg string, kv ...any)  { tflog.Info(l.ctx, msg, logFields(kv)) }
func (l tflogLogger) Debug(msg string, kv ...any) { tflog.Debug(l.ctx, msg, logFields(kv)) }
func (l tflogLogger) Warn(msg string, kv ...any)  { tflog.Warn(l.ctx, msg, logFields(kv)) }

func logFields(kv []any) map[string]any {
	fields := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		fields[fmt.Sprint(kv[i])] = scrubValue(kv[i+1])
	}
	return fields
}

func scrubValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case *url.URL:
		if x == nil {
			return ""
		}
		return RedactURL(x.String())
	case string:
		return redactText(x)
	case error:
		return redactText(x.Error())
	case time.Duration:
		return x.String()
	case int, int64, bool, float64:
		return x
	default:
		return redactText(fmt.Sprint(x))
	}
}

// logRequest logs retries (retryablehttp itself logs the first attempt as "performing request").
func logRequest(_ retryablehttp.Logger, req *http.Request, attempt int) {
	if attempt == 0 {
		return
	}
	tflog.Debug(req.Context(), "iTwin API request", map[string]any{
		"method": req.Method, "url": RedactURL(req.URL.String()), "attempt": attempt + 1,
	})
}

func logResponse(_ retryablehttp.Logger, resp *http.Response) {
	if resp == nil || resp.Request == nil {
		return
	}
	fields := map[string]any{
		"method": resp.Request.Method, "url": RedactURL(resp.Request.URL.String()), "status": resp.StatusCode,
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		fields["retry_after"] = ra
	}
	tflog.Debug(resp.Request.Context(), "iTwin API response", fields)
}

// retryClient builds the retrying client for one request. It is cheap (the pooled http.Client is shared); a new
// one per request lets its logger carry the request's context to tflog.
func (c *Client) retryClient(ctx context.Context, hc *http.Client) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:      hc,
		Logger:          tflogLogger{ctx: ctx},
		RetryWaitMin:    c.waitMin,
		RetryWaitMax:    c.waitMax,
		RetryMax:        c.retryMax,
		CheckRetry:      checkRetry,
		Backoff:         c.backoff,
		ErrorHandler:    retryablehttp.PassthroughErrorHandler,
		RequestLogHook:  logRequest,
		ResponseLogHook: logResponse,
	}
}

// noRedirect stops net/http from following redirects: the run-start 303 and the download 302 carry the
// information the caller needs in Location, and following a redirect could carry the bearer token elsewhere.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// retryingTransport sends token requests through the same retry and logging machinery as API calls.
type retryingTransport struct{ c *Client }

func (t retryingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A RoundTripper must not modify the caller's request: clone it to add the User-Agent.
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", t.c.userAgent)
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, err
	}
	// Asking for a token has no side effect, so it may be retried like a GET.
	// The token endpoint does not spend the API's request budget.
	ctx := withoutLimiter(withPolicy(req.Context(), retryIdempotent))
	rreq = rreq.WithContext(ctx)
	resp, err := t.c.retryClient(ctx, t.c.api).Do(rreq)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &TransportError{Method: req.Method, URL: RedactURL(req.URL.String()), Err: err}
	}
	return resp, nil
}
