// Package itwin is the HTTP client of the iTwin Platform APIs the provider uses (Synchronization, Storage, iModels,
// iTwins, Webhooks); their JSON is defined in internal/wire. It works the same against api.bentley.com and itwin-local.
//
// Transport rules: go-retryablehttp with method-aware retries (GET/PUT/PATCH/DELETE retry 429, 5xx and
// transport errors; POST only 429), Retry-After honoured, logs to tflog with secrets redacted, errors decoded into
// *APIError.
package itwin

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
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

// Config is everything NewClient needs. The provider fills it from its block and ITWIN_* variables.
type Config struct {
	// APIURL is the origin of every API (no path), e.g. https://api.bentley.com or http://127.0.0.1:8085.
	APIURL string
	// TokenURL is the OAuth2 token endpoint used with client credentials.
	TokenURL string
	// ClientID and ClientSecret select client-credentials auth.
	ClientID     string
	ClientSecret string
	// Scopes requested with client credentials (default ["itwin-platform"]).
	Scopes []string
	// AccessToken is a static bearer token, an alternative to client credentials.
	AccessToken string
	// MaxRetries bounds retries of retryable requests.
	MaxRetries int
	// RequestTimeout bounds one HTTP attempt.
	RequestTimeout time.Duration
	// UserAgent names the provider and its version.
	UserAgent string
	// HTTPClient, when set, is the base client (its Transport is used); tests inject one.
	HTTPClient *http.Client
	// RetryWaitMin and RetryWaitMax bound the backoff between retries (defaults 1s and 30s).
	RetryWaitMin, RetryWaitMax time.Duration
	// Limiter paces API requests after a 429 (limiter.go). Nil: the one limiter this process keeps for the API
	// origin and identity, shared by every client built with them.
	Limiter *Limiter
}

// AuthMode names the authentication method, for logs (never the secret itself).
func (c Config) AuthMode() string {
	if c.AccessToken != "" {
		return "access_token"
	}
	return "client_credentials"
}

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
	apiURL := cmp.Or(strings.TrimRight(strings.TrimSpace(cfg.APIURL), "/"), DefaultAPIURL)
	base, err := url.Parse(apiURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("api_url must be an http(s) origin such as %s, got %q", DefaultAPIURL, cfg.APIURL)
	}
	if base.Path != "" || base.RawQuery != "" || base.User != nil {
		return nil, fmt.Errorf("api_url must be an origin without path, query or credentials (the APIs live at fixed paths under it), got %q", RedactURL(cfg.APIURL))
	}

	// A zero or negative setting takes the default.
	waitMin := cmp.Or(max(cfg.RetryWaitMin, 0), defaultRetryWaitMin)
	c := &Client{
		baseURL:   apiURL,
		base:      base,
		userAgent: cmp.Or(cfg.UserAgent, defaultUserAgent),
		retryMax:  max(cfg.MaxRetries, 0),
		waitMin:   waitMin,
		waitMax:   max(cmp.Or(max(cfg.RetryWaitMax, 0), defaultRetryWaitMax), waitMin),
		backoff:   backoff,
	}
	timeout := cmp.Or(max(cfg.RequestTimeout, 0), DefaultRequestTimeout)

	var transport http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		transport = cfg.HTTPClient.Transport
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
		cfg.TokenURL = cmp.Or(cfg.TokenURL, DefaultTokenURL(apiURL))
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
	// err refuses the call before anything is sent (an empty id, see route).
	err error
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
	if cl.err != nil {
		return nil, cl.err
	}
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
	rctx := withPolicy(ctx, cmp.Or(cl.policy, policyFor(cl.method)))

	for attempt := 0; ; attempt++ {
		req, err := retryablehttp.NewRequestWithContext(rctx, cl.method, u.String(), body)
		if err != nil {
			return nil, fmt.Errorf("building %s %s: %s", cl.method, redactedURL, redactText(err.Error()))
		}
		if cl.rawBody != nil {
			req.ContentLength = cl.rawSize
		}
		maps.Copy(req.Header, cl.header.Clone())
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
			if ue, ok := errors.AsType[*url.Error](err); ok {
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

// sendJSON sends cl and returns what pick takes out of the JSON answer E (an envelope, or the object itself).
func sendJSON[E, T any](ctx context.Context, c *Client, cl call, pick func(*E) T) (T, error) {
	var out E
	var zero T
	res, err := c.do(ctx, cl)
	if err != nil {
		return zero, err
	}
	if len(bytes.TrimSpace(res.body)) == 0 {
		return zero, fmt.Errorf("%s %s answered %d without a body", cl.method, res.url, res.status)
	}
	if err := json.Unmarshal(res.body, &out); err != nil {
		return zero, fmt.Errorf("decoding the answer of %s %s: %w (body: %s)", cl.method, res.url, err, snippet(res.body))
	}
	return pick(&out), nil
}

// self is the pick of sendJSON for an answer that is the object itself.
func self[T any](v *T) *T { return v }

// send sends cl for its status only (deletes).
func (c *Client) send(ctx context.Context, cl call) error {
	_, err := c.do(ctx, cl)
	return err
}

// route builds a call to a path template such as "/imodels/{iModel id}/changesets/{changeset id or index}": each
// {name} takes the next id, path-escaped. An empty id refuses the call ("iModel id must not be empty") before
// anything is sent, so a request for one object never becomes a request for its collection.
func route(method, template string, ids ...string) call {
	cl := call{method: method}
	var path strings.Builder
	rest := template
	for _, id := range ids {
		before, after, _ := strings.Cut(rest, "{")
		name, after, _ := strings.Cut(after, "}")
		if cl.err == nil {
			cl.err = need(name, id)
		}
		path.WriteString(before + url.PathEscape(id))
		rest = after
	}
	cl.path = path.String() + rest
	return cl
}

// filters is the query of the non-empty values of m: a list filter left at its zero value is not sent.
func filters(m map[string]string) url.Values {
	q := url.Values{}
	for k, v := range m {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func (cl call) withBody(body any) call {
	cl.body = body
	return cl
}

func (cl call) withQuery(q url.Values) call {
	cl.query = q
	return cl
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
		u.RawQuery = strings.TrimPrefix(u.RawQuery+"&"+encodeQuery(cl.query), "&")
	}
	return u, nil
}

// encodeQuery is url.Values.Encode that leaves '$' readable ($top, $skip, $orderBy).
func encodeQuery(v url.Values) string {
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(v)) {
		for _, val := range v[k] {
			pairs = append(pairs, strings.ReplaceAll(url.QueryEscape(k), "%24", "$")+"="+url.QueryEscape(val))
		}
	}
	return strings.Join(pairs, "&")
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

// need rejects empty ids before they turn a request for one object into a request for a collection.
func need(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return fmt.Errorf("%s must not be empty", pairs[i])
		}
	}
	return nil
}

// urlPath is raw without its query, fragment and trailing slashes.
func urlPath(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	return strings.TrimRight(raw, "/")
}

// lastSegment returns the last path segment of a URL (a run id in a Location header, a folder id in a link).
func lastSegment(raw string) string {
	raw = urlPath(raw)
	seg := raw[strings.LastIndex(raw, "/")+1:]
	if un, err := url.PathUnescape(seg); err == nil {
		return un
	}
	return seg
}
