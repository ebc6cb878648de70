package itwinlocal

// Request plumbing: the route table, path matching, the per-request context (rc), error answers and the list of
// served and unserved routes.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// --- request plumbing ---

type handlerFunc func(c *rc) error

type route struct {
	method   string // "*" = any method (unserved routes only)
	segs     []string
	tmpl     string
	api      bool // needs a bearer token; subject to faults by default
	unserved bool // a route of a neighbouring API that itwin-local does not implement: 501 (spec §11q)
	h        handlerFunc
}

// rc is one request's context.
type rc struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	params map[string]string
	client *client
}

func (c *rc) param(name string) string { return c.params[name] }

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	parts := strings.Split(p, "/")
	out := parts[:0]
	for _, x := range parts {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// match matches a path's segments. A template's last segment "**" matches any rest, including none.
func (rt *route) match(segs []string) (map[string]string, bool) {
	tsegs := rt.segs
	if n := len(tsegs); n > 0 && tsegs[n-1] == "**" {
		tsegs = tsegs[:n-1]
		if len(segs) < len(tsegs) {
			return nil, false
		}
	} else if len(segs) != len(tsegs) {
		return nil, false
	}
	var params map[string]string
	for i, s := range tsegs {
		if strings.HasPrefix(s, "{") {
			if params == nil {
				params = map[string]string{}
			}
			params[s[1:len(s)-1]] = segs[i]
			continue
		}
		if !strings.EqualFold(s, segs[i]) {
			return nil, false
		}
	}
	return params, true
}

// ServeHTTP routes the request (case-insensitive literal segments, trailing slash tolerated, §1.4, §10 row 14).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	segs := splitPath(r.URL.Path)
	var matched *route
	var params map[string]string
	var allow []string
	for _, rt := range s.routes {
		p, ok := rt.match(segs)
		if !ok {
			continue
		}
		if rt.method == r.Method || rt.method == "*" {
			matched, params = rt, p
			break
		}
		allow = append(allow, rt.method)
	}
	if matched != nil && matched.unserved {
		s.stats.count(r.Method + " " + matched.tmpl + " <not implemented>")
		writeError(w, apiErr(http.StatusNotImplemented, "NotImplemented", "itwin-local does not implement "+r.Method+" "+r.URL.Path+"."))
		return
	}
	if matched == nil {
		if len(allow) > 0 {
			s.stats.count(r.Method + " <method not allowed>")
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, errMethodNotAllowed)
			return
		}
		s.stats.count(r.Method + " <unmatched>")
		writeError(w, errRouteNotFound)
		return
	}
	s.stats.count(r.Method + " " + matched.tmpl)
	if s.cfg.MaxPageSize > 0 && r.Method == http.MethodGet {
		capTop(r, s.cfg.MaxPageSize)
	}
	c := &rc{s: s, w: w, r: r, ctx: r.Context(), params: params}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic in handler", "route", matched.tmpl, "panic", fmt.Sprint(v))
			writeError(w, errInternal)
		}
	}()
	if e := s.faults.apply(c, matched); e != nil {
		s.writeErr(c, e)
		return
	}
	if matched.api {
		cl, e := s.authenticate(r)
		if e != nil {
			s.writeErr(c, e)
			return
		}
		c.client = cl
		if rl := s.rate.take(cl); rl != nil {
			setRateLimitHeaders(c, rl.retryAfter)
			writeError(w, errRateLimited)
			return
		}
	}
	if err := matched.h(c); err != nil {
		s.writeErr(c, err)
	}
}

func (s *Server) writeErr(c *rc, err error) {
	var ae *APIError
	if errors.As(err, &ae) {
		if ae.Status == http.StatusTooManyRequests && c.w.Header().Get("Retry-After") == "" {
			c.w.Header().Set("Retry-After", "1")
		}
		writeError(c.w, ae)
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("request failed", "method", c.r.Method, "path", c.r.URL.Path, "err", err)
	writeError(c.w, errInternal)
}

func (s *Server) buildRoutes() []*route {
	var rs []*route
	add := func(method, tmpl string, api bool, h handlerFunc) {
		rs = append(rs, &route{method: method, segs: splitPath(tmpl), tmpl: tmpl, api: api, h: h})
	}
	// unserved routes answer 501 NotImplemented (spec §11q) to any method unless one is given. They are matched in
	// table order like the others: those whose literal would otherwise land on an {id} route come first.
	unserved := func(method, tmpl string) {
		rs = append(rs, &route{method: method, segs: splitPath(tmpl), tmpl: tmpl, unserved: true})
	}
	for _, t := range []string{"/itwins/favorites/**", "/itwins/recents/**", "/itwins/myprimaryaccount/**", "/itwins/exports/**",
		"/users/getbyidlist/**"} {
		unserved("*", t)
	}
	// OAuth2 and discovery (§9.1).
	add("POST", "/connect/token", false, s.handleToken)
	add("GET", "/.well-known/openid-configuration", false, s.handleDiscovery)
	add("GET", "/.well-known/jwks.json", false, s.handleJWKS)
	// Local pages, pre-signed blob URLs, stats.
	add("GET", "/local/consent/{token}", false, s.handleConsent)
	add("GET", "/local/stats", false, s.handleStats)
	add("POST", "/local/stats/reset", false, s.handleStatsReset)
	add("POST", "/local/inbox/{name}", false, s.handleInboxPost)
	add("GET", "/local/inbox/{name}", false, s.handleInboxGet)
	add("DELETE", "/local/inbox/{name}", false, s.handleInboxDelete)
	add("GET", "/local/health", false, func(c *rc) error { writeJSON(c.w, 200, map[string]string{"status": "ok"}); return nil })
	add("PUT", "/blobs/upload/{id}", false, s.handleBlobUpload)
	add("GET", "/blobs/download/{id}", false, s.handleBlobDownload)
	add("GET", "/blobs/reports/{id}", false, s.handleReportBlob)

	// iTwins (§9.2).
	add("POST", "/itwins", true, s.handleITwinCreate)
	add("GET", "/itwins", true, s.handleITwinList)
	add("GET", "/itwins/{id}", true, s.handleITwinGet)
	add("PATCH", "/itwins/{id}", true, s.handleITwinPatch)
	add("DELETE", "/itwins/{id}", true, s.handleITwinDelete)
	// iModels (§9.3).
	add("POST", "/imodels", true, s.handleIModelCreate)
	add("GET", "/imodels", true, s.handleIModelList)
	add("GET", "/imodels/{id}", true, s.handleIModelGet)
	add("PATCH", "/imodels/{id}", true, s.handleIModelPatch)
	add("DELETE", "/imodels/{id}", true, s.handleIModelDelete)
	add("GET", "/imodels/{id}/changesets", true, s.handleChangesetList)
	add("GET", "/imodels/{id}/changesets/{changeset}", true, s.handleChangesetGet)
	add("POST", "/imodels/{id}/namedversions", true, s.handleNamedVersionCreate)
	add("GET", "/imodels/{id}/namedversions", true, s.handleNamedVersionList)
	add("GET", "/imodels/{id}/namedversions/{namedVersionId}", true, s.handleNamedVersionGet)
	add("PATCH", "/imodels/{id}/namedversions/{namedVersionId}", true, s.handleNamedVersionPatch)
	add("GET", "/imodels/{id}/users/{userId}", true, s.handleIModelUserGet)
	// Users (the targets of creator/createdBy links).
	add("GET", "/users/me", true, s.handleUserMe)
	add("GET", "/users/{id}", true, s.handleUserGet)
	// Storage (§9.4).
	add("GET", "/storage", true, s.handleStorageTop)
	add("GET", "/storage/folders/{id}", true, s.handleFolderGet)
	add("PATCH", "/storage/folders/{id}", true, s.handleFolderPatch)
	add("DELETE", "/storage/folders/{id}", true, s.handleFolderDelete)
	add("GET", "/storage/folders/{id}/list", true, s.handleFolderList)
	add("GET", "/storage/folders/{id}/folders", true, s.handleFolderFolders)
	add("POST", "/storage/folders/{id}/folders", true, s.handleFolderCreate)
	add("GET", "/storage/folders/{id}/files", true, s.handleFolderFiles)
	add("POST", "/storage/folders/{id}/files", true, s.handleFileCreate)
	add("GET", "/storage/files/{id}", true, s.handleFileGet)
	add("PATCH", "/storage/files/{id}", true, s.handleFilePatch)
	add("DELETE", "/storage/files/{id}", true, s.handleFileDelete)
	add("POST", "/storage/files/{id}/complete", true, s.handleFileComplete)
	add("POST", "/storage/files/{id}/updatecontent", true, s.handleFileUpdateContent)
	add("GET", "/storage/files/{id}/download", true, s.handleFileDownload)

	// Synchronization (§2). Literal routes come before {id} routes of the same length.
	add("GET", "/synchronization/imodels/connections/authorizationinformation", true, s.handleAuthInfo)
	add("GET", "/synchronization/imodels/connections", true, s.handleConnectionsAll)
	add("GET", "/synchronization/reports", true, s.handleReports)
	for _, k := range wire.Kinds {
		base := k.CollectionPath()
		add("POST", base, true, func(c *rc) error { return s.handleConnCreate(c, k) })
		add("GET", base, true, func(c *rc) error { return s.handleConnList(c, k) })
		add("GET", base+"/{id}", true, func(c *rc) error { return s.handleConnGet(c, k) })
		add("PUT", base+"/{id}", true, func(c *rc) error { return s.handleConnUpdate(c, k) })
		add("DELETE", base+"/{id}", true, func(c *rc) error { return s.handleConnDelete(c, k) })
		add("POST", base+"/{id}/"+k.RunStartSegment(), true, func(c *rc) error { return s.handleRunStart(c, k) })
		add("GET", base+"/{id}/runs", true, func(c *rc) error { return s.handleRunList(c, k) })
		add("GET", base+"/{id}/runs/{runId}", true, func(c *rc) error { return s.handleRunGet(c, k) })
		add("POST", base+"/{id}/sourcefiles", true, func(c *rc) error { return s.handleSourceFileCreate(c, k) })
		add("GET", base+"/{id}/sourcefiles", true, func(c *rc) error { return s.handleSourceFileList(c, k) })
		add("GET", base+"/{id}/sourcefiles/{sourceFileId}", true, func(c *rc) error { return s.handleSourceFileGet(c, k) })
		add("PUT", base+"/{id}/sourcefiles/{sourceFileId}", true, func(c *rc) error { return s.handleSourceFileUpdate(c, k) })
		add("DELETE", base+"/{id}/sourcefiles/{sourceFileId}", true, func(c *rc) error { return s.handleSourceFileDelete(c, k) })
	}
	for _, sc := range []string{"itwins", "imodels", "connections"} {
		base := "/synchronization/configurations/" + sc + "/{id}"
		add("GET", base, true, func(c *rc) error { return s.handleConfigGet(c, sc) })
		add("POST", base, true, func(c *rc) error { return s.handleConfigWrite(c, sc, true) })
		add("PATCH", base, true, func(c *rc) error { return s.handleConfigWrite(c, sc, false) })
		add("DELETE", base, true, func(c *rc) error { return s.handleConfigDelete(c, sc) })
	}
	// Webhooks v2 (§12, webhooks.go); "/webhooks/" routes here too (trailing slashes are tolerated).
	add("POST", "/webhooks", true, s.handleWebhookCreate)
	add("GET", "/webhooks", true, s.handleWebhookList)
	add("GET", "/webhooks/{id}", true, s.handleWebhookGet)
	add("PATCH", "/webhooks/{id}", true, s.handleWebhookUpdate)
	add("DELETE", "/webhooks/{id}", true, s.handleWebhookDelete)

	// Neighbouring APIs and operations itwin-local does not serve (spec §11q; the README lists them). Whole APIs:
	for _, t := range []string{"/accesscontrol/**", "/users/**", "/repositories/**", "/changedelements/**",
		"/connect/authorize/**"} { // discovery names the authorize endpoint; only client credentials are served

		unserved("*", t)
	}
	// iTwins and iModels sub-resources and operations besides the ones served above.
	for _, t := range []string{"/itwins/{id}/repositories/**", "/itwins/{id}/account/**", "/itwins/{id}/image/**",
		"/imodels/{id}/changedelements/**", "/imodels/{id}/exports/**", "/imodels/{id}/checkpoint/**", "/imodels/{id}/checkpoints/**",
		"/imodels/{id}/changesets/{changeset}/**", "/imodels/{id}/namedversions/{namedVersionId}/**", "/imodels/{id}/users",
		"/imodels/{id}/locks/**", "/imodels/{id}/briefcases/**", "/imodels/{id}/baselinefile/**", "/imodels/{id}/changesetgroups/**",
		"/imodels/{id}/clone/**", "/imodels/{id}/fork/**", "/imodels/{id}/merge/**", "/imodels/{id}/thumbnail/**",
		"/imodels/{id}/permissions/**", "/imodels/{id}/roles/**"} {
		unserved("*", t)
	}
	unserved("POST", "/imodels/{id}/changesets") // pushing a changeset: only runs push them here
	return rs
}

// DevClient returns the seed client's id and secret (the dev client when Config.Clients is empty, otherwise the
// first configured client).
func (s *Server) DevClient() (id, secret string) {
	id = s.order[0]
	return id, s.clients[id].secret
}

// RouteInfo describes one route of the server.
type RouteInfo struct {
	Method, Template string
	API              bool // needs a bearer token
}

// Routes lists every served route (tests use it to cover all of them; the stats keys use the same templates).
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(s.routes))
	for _, r := range s.routes {
		if !r.unserved {
			out = append(out, RouteInfo{Method: r.method, Template: r.tmpl, API: r.api})
		}
	}
	return out
}

// UnservedRoutes lists the routes that answer 501 NotImplemented (spec §11q). Method "*" means any method; a
// template ending in "/**" covers every path below it too.
func (s *Server) UnservedRoutes() []RouteInfo {
	var out []RouteInfo
	for _, r := range s.routes {
		if r.unserved {
			out = append(out, RouteInfo{Method: r.method, Template: r.tmpl})
		}
	}
	return out
}
