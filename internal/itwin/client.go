// Package itwin is the wire client of the iTwin Platform APIs the provider uses (Synchronization, Storage, iModels,
// iTwins) and the one definition of their JSON. It works the same against api.bentley.com and itwin-local.
//
// Transport rules: go-retryablehttp with method-aware retries (GET/PUT/PATCH/DELETE retry 429, 5xx and
// transport errors; POST only 429), Retry-After honoured, logs to tflog with secrets redacted, errors decoded into
// *APIError.
package itwin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

const (
	acceptV1 = "application/vnd.bentley.itwin-platform.v1+json"
	// acceptV2 is what the iModels API wants (§1.2), and what Webhooks v2 recommends (§12).
	acceptV2 = "application/vnd.bentley.itwin-platform.v2+json"

	preferRepresentation = "return=representation"

	defaultUserAgent    = "terraform-provider-itwin"
	defaultRetryWaitMin = time.Second
	defaultRetryWaitMax = 30 * time.Second
	// DefaultAPIURL is the origin of the public service.
	DefaultAPIURL = "https://api.bentley.com"
	// DefaultPublicTokenURL is the token endpoint of the public service (api.bentley.com).
	DefaultPublicTokenURL = "https://ims.bentley.com/connect/token"
	// DefaultRequestTimeout bounds one HTTP attempt when Config.RequestTimeout is not set.
	DefaultRequestTimeout = 60 * time.Second

	// maxResponseBytes bounds what is read of one answer; API answers are small JSON documents.
	maxResponseBytes = 32 << 20
)

// Client is the iTwin Platform API client (Synchronization, Storage, iModels, iTwins). It is safe for concurrent
// use. Every method takes a context; cancelling it aborts the request and any retry wait.
type Client struct {
	baseURL   string
	base      *url.URL
	userAgent string
	api       *http.Client // API calls: per-attempt timeout, no redirects
	blob      *http.Client // pre-signed blob uploads: bounded by the context only (large bodies)
	auth      tokenSource
	retryMax  int
	waitMin   time.Duration
	waitMax   time.Duration
	// backoff computes the wait before a retry; tests replace it to record the wait instead of sleeping.
	backoff retryablehttp.Backoff
	// limiter paces API calls once the server has said 429 (limiter.go); shared by the clients of one process.
	limiter *Limiter
}

// NewClient validates cfg and builds the client. It makes no network call: credentials are first used (and a
// token first requested) by the first API call.
func NewClient(_ context.Context, cfg Config) (*Client, error) {
	apiURL := strings.TrimRight(strings.TrimSpace(cfg.APIURL), "/")
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	base, err := url.Parse(apiURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("api_url must be an http(s) origin such as %s, got %q", DefaultAPIURL, cfg.APIURL)
	}
	if base.Path != "" || base.RawQuery != "" || base.User != nil {
		return nil, fmt.Errorf("api_url must be an origin without path, query or credentials (the APIs live at fixed paths under it), got %q", RedactURL(cfg.APIURL))
	}

	c := &Client{
		baseURL:   apiURL,
		base:      base,
		userAgent: cfg.UserAgent,
		retryMax:  max(cfg.MaxRetries, 0),
		waitMin:   cfg.RetryWaitMin,
		waitMax:   cfg.RetryWaitMax,
		backoff:   backoff,
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	if c.waitMin <= 0 {
		c.waitMin = defaultRetryWaitMin
	}
	if c.waitMax <= 0 {
		c.waitMax = defaultRetryWaitMax
	}
	c.waitMax = max(c.waitMax, c.waitMin)
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}

	var transport http.RoundTripper
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		transport = cfg.HTTPClient.Transport
	} else {
		transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	lim := cfg.Limiter
	if lim == nil {
		lim = sharedLimiter(apiURL, cfg)
	}
	c.limiter = lim
	c.api = &http.Client{Transport: limitedTransport{next: transport, lim: lim}, Timeout: timeout, CheckRedirect: noRedirect}
	c.blob = &http.Client{Transport: transport, CheckRedirect: noRedirect}

	hasCreds := cfg.ClientID != "" || cfg.ClientSecret != ""
	switch {
	case cfg.AccessToken != "" && hasCreds:
		return nil, errors.New("set either access_token or client_id and client_secret, not both")
	case cfg.AccessToken != "":
		c.auth = staticToken(cfg.AccessToken)
	case cfg.ClientID == "":
		return nil, errors.New("client_id is required with client credentials (or set access_token)")
	case cfg.ClientSecret == "":
		return nil, errors.New("client_secret is required with client credentials (or set access_token)")
	default:
		if cfg.TokenURL == "" {
			cfg.TokenURL = DefaultTokenURL(apiURL)
		}
		if u, err := url.Parse(cfg.TokenURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("token_url must be an http(s) URL, got %q", RedactURL(cfg.TokenURL))
		}
		if len(cfg.Scopes) == 0 {
			cfg.Scopes = []string{"itwin-platform"}
		}
		c.auth = newClientCredentials(cfg, &http.Client{Transport: retryingTransport{c: c}})
	}
	return c, nil
}

// bentleyTokenHosts maps Bentley's API hosts (internal/wire/testdata/spec/api.md §1.1) to the IMS host that issues their tokens: the token
// endpoint of a Bentley environment is not on its API host.
var bentleyTokenHosts = map[string]string{
	"api.bentley.com":     "ims.bentley.com",
	"dev-api.bentley.com": "dev-ims.bentley.com",
	"qa-api.bentley.com":  "qa-ims.bentley.com",
}

// DefaultTokenURL is the token endpoint used when token_url is not set: the IMS endpoint of a Bentley API host
// (https://ims.bentley.com/connect/token for https://api.bentley.com, dev-ims/qa-ims for dev-api/qa-api), and
// {apiURL}/connect/token for any other origin (itwin-local, which issues its own tokens). An empty apiURL means
// the public service. It is the one place this default is decided; the provider calls it too.
func DefaultTokenURL(apiURL string) string {
	apiURL = strings.TrimRight(strings.TrimSpace(apiURL), "/")
	if apiURL == "" {
		return DefaultPublicTokenURL
	}
	if u, err := url.Parse(apiURL); err == nil {
		if ims, ok := bentleyTokenHosts[strings.ToLower(u.Hostname())]; ok {
			return "https://" + ims + "/connect/token"
		}
	}
	return apiURL + "/connect/token"
}

// BaseURL is the API origin, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// call describes one API request.
type call struct {
	method string
	// path is an absolute path on the API origin ("/synchronization/…", may carry a query) or an absolute URL.
	path   string
	query  url.Values
	body   any // encoded as JSON when non-nil
	prefer string
	// external marks pre-signed URLs: no Authorization, no platform Accept header, no per-attempt timeout.
	external bool
	header   http.Header
	// rawBody streams content (blob uploads) instead of JSON.
	rawBody retryablehttp.ReaderFunc
	rawSize int64
	policy  retryPolicy // 0: by method
}

// response is a fully read answer (API bodies are small).
type response struct {
	status int
	header http.Header
	body   []byte
	url    string // redacted
}

// do sends one request with retries and returns the answer. Answers with status >= 400 become *APIError;
// 1xx–3xx answers are returned for the caller to interpret.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	u, err := c.resolve(cl)
	if err != nil {
		return nil, err
	}
	redactedURL := RedactURL(u.String())

	var body any
	switch {
	case cl.rawBody != nil:
		body = cl.rawBody
	case cl.body != nil:
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, fmt.Errorf("encoding the body of %s %s: %w", cl.method, redactedURL, err)
		}
		body = b
	}
	policy := cl.policy
	if policy == 0 {
		policy = policyFor(cl.method)
	}
	rctx := withPolicy(ctx, policy)

	for attempt := 0; ; attempt++ {
		req, err := retryablehttp.NewRequestWithContext(rctx, cl.method, u.String(), body)
		if err != nil {
			return nil, fmt.Errorf("building %s %s: %s", cl.method, redactedURL, redactText(err.Error()))
		}
		if cl.rawBody != nil {
			req.ContentLength = cl.rawSize
		}
		for k, vs := range cl.header {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
		req.Header.Set("User-Agent", c.userAgent)
		if cl.body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		hc := c.blob
		var tok string
		if !cl.external {
			hc = c.api
			req.Header.Set("Accept", acceptFor(u.Path))
			if cl.prefer != "" {
				req.Header.Set("Prefer", cl.prefer)
			}
			if tok, err = c.auth.token(ctx); err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+tok)
		}

		resp, err := c.retryClient(rctx, hc).Do(req)
		if err != nil {
			if resp != nil {
				resp.Body.Close()
			}
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return nil, &TransportError{Method: cl.method, URL: redactedURL, Err: err}
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		resp.Body.Close()
		if err != nil {
			return nil, &TransportError{Method: cl.method, URL: redactedURL, Err: fmt.Errorf("reading the answer: %w", err)}
		}
		// A 401 with a cached client-credentials token (revoked, or the server restarted and forgot it): drop it
		// and send once more with a fresh one. The server refused the first request, so even a POST is safe.
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 && !cl.external {
			if inv, ok := c.auth.(interface{ invalidate(string) bool }); ok && inv.invalidate(tok) {
				continue
			}
		}
		if resp.StatusCode >= 400 {
			return nil, newAPIError(cl.method, u.String(), resp.StatusCode, data)
		}
		return &response{status: resp.StatusCode, header: resp.Header, body: data, url: redactedURL}, nil
	}
}

// doJSON sends the request and decodes a JSON answer into out (when out is non-nil and there is a body).
func (c *Client) doJSON(ctx context.Context, cl call, out any) (*response, error) {
	res, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if len(bytes.TrimSpace(res.body)) == 0 {
			return nil, fmt.Errorf("%s %s answered %d without a body", cl.method, res.url, res.status)
		}
		if err := json.Unmarshal(res.body, out); err != nil {
			return nil, fmt.Errorf("decoding the answer of %s %s: %w (body: %s)", cl.method, res.url, err, snippet(res.body))
		}
	}
	return res, nil
}

// resolve builds the request URL. Authenticated requests always go to the API origin: an absolute href from an
// answer (a paging link, completeUrl) is re-rooted on it so the bearer token can never be sent to another host.
func (c *Client) resolve(cl call) (*url.URL, error) {
	var u *url.URL
	var err error
	if strings.HasPrefix(cl.path, "/") {
		u, err = url.Parse(c.baseURL + cl.path)
	} else {
		u, err = url.Parse(cl.path)
		if err == nil && !u.IsAbs() {
			err = errors.New("not an absolute URL")
		}
		if err == nil && !cl.external {
			u.Scheme, u.Host, u.User = c.base.Scheme, c.base.Host, nil
		}
	}
	if err != nil {
		// Not %w: url.Parse errors quote the raw URL, query string included.
		return nil, fmt.Errorf("invalid request URL %q: %s", RedactURL(cl.path), redactText(err.Error()))
	}
	if len(cl.query) > 0 {
		q := encodeQuery(cl.query)
		if u.RawQuery != "" {
			u.RawQuery += "&" + q
		} else {
			u.RawQuery = q
		}
	}
	return u, nil
}

// encodeQuery is url.Values.Encode that leaves '$' readable ($top, $skip, $orderBy).
func encodeQuery(v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, val := range v[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(strings.ReplaceAll(url.QueryEscape(k), "%24", "$"))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(val))
		}
	}
	return b.String()
}

// acceptFor picks the media type: v2 for the iModels and Webhooks APIs, v1 for everything else.
func acceptFor(path string) string {
	p := strings.ToLower(path)
	for _, api := range []string{"/imodels", "/webhooks"} {
		if p == api || strings.HasPrefix(p, api+"/") {
			return acceptV2
		}
	}
	return acceptV1
}

// esc escapes one path segment.
func esc(s string) string { return url.PathEscape(s) }

// need rejects empty ids before they turn a request for one object into a request for a collection.
func need(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return fmt.Errorf("%s must not be empty", pairs[i])
		}
	}
	return nil
}

// lastSegment returns the last path segment of a URL (a run id in a Location header, a folder id in a link).
func lastSegment(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	raw = strings.TrimRight(raw, "/")
	seg := raw[strings.LastIndex(raw, "/")+1:]
	if un, err := url.PathUnescape(seg); err == nil {
		return un
	}
	return seg
}
