package itwin

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const (
	pageSize = 1000 // the maximum $top (§1.5)
	// maxPages guards against a server that never stops handing out next links.
	maxPages = 10000
)

// listAll reads every page of the list cl asks for into a slice; see eachItem. limit > 0 stops after that many
// items (and asks for no bigger pages than that).
func listAll[P, T any](ctx context.Context, c *Client, cl call, limit int, page func(*P) ([]T, *wire.Link)) ([]T, error) {
	return collect(eachItem(ctx, c, cl, limit, page), limit)
}

// collect reads a sequence of eachItem into a slice, or returns its error; limit > 0 stops after that many items.
func collect[T any](seq iter.Seq2[T, error], limit int) ([]T, error) {
	all := []T{}
	for item, err := range seq {
		if err != nil {
			return nil, err
		}
		all = append(all, item)
		if limit > 0 && len(all) >= limit {
			break
		}
	}
	return all, nil
}

// eachItem reads the list cl asks for page by page (§1.5), each page a P from which page takes the items and the
// next link. The first request asks for $top=1000 (or limit, when smaller) and the full representation, then
// _links.next is followed until it is absent or null. Each item is yielded as it arrives, so a caller that stops
// early (the provider's list resources) reads no further page. A refused call or a failed page ends the sequence
// with one (zero, err) pair after the items of the pages before it: the caller can tell a complete list from a
// cut one.
func eachItem[P, T any](ctx context.Context, c *Client, cl call, limit int, page func(*P) ([]T, *wire.Link)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		q := cloneQuery(cl.query)
		top := pageSize
		if limit > 0 && limit < pageSize {
			top = limit
		}
		q.Set("$top", strconv.Itoa(top))
		next := cl.path + "?" + encodeQuery(q)

		seen := map[string]bool{}
		for n := 0; ; n++ {
			if n >= maxPages {
				yield(zero, fmt.Errorf("listing %s: more than %d pages, giving up", cl.path, maxPages))
				return
			}
			if seen[next] {
				yield(zero, fmt.Errorf("listing %s: the server returned the same next link twice (%s)", cl.path, RedactURL(next)))
				return
			}
			seen[next] = true
			// A refused cl fails here, before the first request.
			res, err := c.do(ctx, call{method: http.MethodGet, path: next, prefer: preferRepresentation, err: cl.err})
			if err != nil {
				yield(zero, err)
				return
			}
			var p P
			if err := json.Unmarshal(res.body, &p); err != nil {
				yield(zero, fmt.Errorf("decoding a page of %s: %w (body: %s)", res.url, err, snippet(res.body)))
				return
			}
			items, link := page(&p)
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if link == nil || strings.TrimSpace(link.Href) == "" {
				return
			}
			next, err = c.nextRequest(next, cl.path, cl.query, link.Href)
			if err != nil {
				yield(zero, fmt.Errorf("listing %s: %w", cl.path, err))
				return
			}
		}
	}
}

// cloneQuery copies q so that setting the paging parameters leaves the caller's filters alone.
func cloneQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// nextRequest turns a _links.next href (absolute or relative) into the next request path on the API origin.
// The public service's paging hrefs are not always routable (§3.3: some point to other path spellings), so when
// the href's path differs from the listed collection, the collection's own path is kept and only the paging
// parameters ($skip, $top) are taken from the href — the spec allows rebuilding the URL that way.
func (c *Client) nextRequest(current, path string, query url.Values, href string) (string, error) {
	cur, err := url.Parse(c.baseURL + current)
	if err != nil {
		return "", err
	}
	ref, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", fmt.Errorf("invalid next link %q: %s", RedactURL(href), redactText(err.Error()))
	}
	n := cur.ResolveReference(ref)
	var skip, top string
	for k, v := range n.Query() {
		switch strings.ToLower(k) {
		case "$skip":
			skip = v[0]
		case "$top":
			top = v[0]
		}
	}
	// Follow the link as given (on the API origin) when it is the collection's, or has nothing to rebuild from.
	if skip == "" || strings.EqualFold(strings.TrimRight(n.Path, "/"), strings.TrimRight(path, "/")) {
		if n.RawQuery == "" {
			return n.EscapedPath(), nil
		}
		return n.EscapedPath() + "?" + n.RawQuery, nil
	}
	q := cloneQuery(query)
	q.Set("$skip", skip)
	q.Set("$top", cmp.Or(top, strconv.Itoa(pageSize)))
	return path + "?" + encodeQuery(q), nil
}
