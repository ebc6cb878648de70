package itwinlocal

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// maxJSONBody caps JSON request bodies (a 250-file manifest with children fits easily); larger bodies get 413.
const maxJSONBody = 4 << 20

// origin is scheme://host of the request, used for every absolute href (§1.1, §10 row 3).
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

func (c *rc) origin() string { return origin(c.r) }

// query returns the value of a query parameter whose name matches case-insensitively (§1.4), and whether it
// was present.
func query(r *http.Request, name string) (string, bool) {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}

// representation reports whether the request asked for Prefer: return=representation (§1.2).
func representation(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.ReplaceAll(strings.TrimSpace(p), " ", ""), "return=representation") {
				return true
			}
		}
	}
	return false
}

// capTop rewrites the request's $top to at most max (Config.MaxPageSize): absent or larger values become max, a
// smaller one stays, and a malformed one is left for parsePage to refuse. Requests that list nothing ignore $top.
func capTop(r *http.Request, max int) {
	q := r.URL.Query()
	for k, v := range q {
		if !strings.EqualFold(k, "$top") || len(v) == 0 {
			continue
		}
		if n, err := strconv.Atoi(v[0]); err != nil || n <= max {
			return
		}
		delete(q, k)
	}
	q.Set("$top", strconv.Itoa(max))
	r.URL.RawQuery = q.Encode()
}

// page is a parsed $top/$skip pair.
type page struct{ Skip, Top int }

// parsePage reads $top (1..1000, default 100) and $skip (>= 0) (§1.5, §11f).
func parsePage(r *http.Request, family string) (page, error) {
	p := page{Top: 100}
	if v, ok := query(r, "$top"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return p, validation(family, detailInvalid, "$top", "$top must be an integer between 1 and 1000.")
		}
		p.Top = n
	}
	if v, ok := query(r, "$skip"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, validation(family, detailInvalid, "$skip", "$skip must be a non-negative integer.")
		}
		p.Skip = n
	}
	return p, nil
}

// pageLinks builds _links for a page. filters are repeated in every link (name, value pairs, in order).
// more reports whether another page follows.
func pageLinks(base string, filters [][2]string, p page, more bool) wire.PagingLinks {
	mk := func(skip int) *wire.Link {
		var q []string
		for _, f := range filters {
			q = append(q, f[0]+"="+url.QueryEscape(f[1]))
		}
		q = append(q, "$skip="+strconv.Itoa(skip), "$top="+strconv.Itoa(p.Top))
		return &wire.Link{Href: base + "?" + strings.Join(q, "&")}
	}
	l := wire.PagingLinks{Self: mk(p.Skip)}
	if p.Skip > 0 {
		l.Prev = mk(max(0, p.Skip-p.Top))
	}
	if more {
		l.Next = mk(p.Skip + p.Top)
	}
	return l
}

// readBody reads a JSON request body (at most maxJSONBody bytes). An empty body is returned as nil.
func readBody(c *rc) ([]byte, error) {
	if c.r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errPayloadTooLarge
		}
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	return b, nil
}

// decodeObject decodes a required JSON object body into v. A missing or non-JSON body → 422 MissingRequestBody;
// a field of the wrong type → 422 family/InvalidValue naming the field. It also returns the body's top-level
// keys (lower-cased) so callers can tell "absent" from "empty".
func decodeObject(body []byte, family string, v any) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, missingBody("A request body is required.")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, missingBody("The request body must be a JSON object.")
	}
	keys := make(map[string]json.RawMessage, len(raw))
	for k, val := range raw {
		keys[strings.ToLower(k)] = val
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, validation(family, detailInvalid, te.Field, "Provided "+te.Field+" value has the wrong type.")
		}
		return nil, validation(family, detailInvalid, "body", "The request body could not be read: "+err.Error())
	}
	return keys, nil
}

// present reports whether key (lower case) is in the body and not null.
func present(keys map[string]json.RawMessage, key string) bool {
	v, ok := keys[strings.ToLower(key)]
	return ok && string(bytes.TrimSpace(v)) != "null"
}
