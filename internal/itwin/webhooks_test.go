package itwin

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const (
	tHook       = "e6989b43-53ab-45e2-a610-560c6f7e879e"
	tHookSecret = "4f1c0d7e9a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5"
)

func hookJSON(extra string) string {
	return `{"id":"` + tHook + `","scope":"iTwin","scopeId":"` + tTW + `","active":false,"callbackUrl":"https://hooks.example.com/in",` +
		`"eventTypes":["synchronization.jobCompleted.v1"],"created":"2023-10-02T14:55:00.463Z","modified":"2023-10-06T20:03:15.562Z"` + extra + `}`
}

func rawJSON(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

// TestWebhookRequestsExact checks method, path, body and headers of every webhook call (spec §12) and that the
// unwrapped answers decode, the create answer with its secret.
func TestWebhookRequestsExact(t *testing.T) {
	ctx := t.Context()
	cases := []struct {
		name, route  string
		answer       http.HandlerFunc
		invoke       func(t *testing.T, c *Client)
		method, path string
		body         string
	}{
		{name: "CreateWebhook", route: "POST /webhooks/", answer: rawJSON(201, hookJSON(`,"secret":"`+tHookSecret+`"`)),
			invoke: func(t *testing.T, c *Client) {
				w, err := c.CreateWebhook(ctx, wire.WebhookCreate{CallbackURL: "https://hooks.example.com/in", Scope: wire.WebhookScopeITwin,
					ScopeID: tTW, EventTypes: []string{wire.EventJobCompleted}})
				if err != nil {
					t.Fatal(err)
				}
				if w.ID != tHook || w.Secret != tHookSecret || w.Active || w.ScopeID != tTW || w.Created.IsZero() {
					t.Errorf("webhook = %+v", w)
				}
			},
			method: "POST", path: "/webhooks/",
			body: `{"callbackUrl":"https://hooks.example.com/in","scope":"iTwin","scopeId":"` + tTW + `","eventTypes":["synchronization.jobCompleted.v1"]}`},
		{name: "CreateWebhookWithSecret", route: "POST /webhooks/", answer: rawJSON(201, hookJSON(`,"secret":"`+tHookSecret+`"`)),
			invoke: func(t *testing.T, c *Client) {
				if _, err := c.CreateWebhook(ctx, wire.WebhookCreate{CallbackURL: "https://h/in", Scope: wire.WebhookScopeAccount,
					EventTypes: []string{wire.EventChangesReady, wire.EventJobCompleted}, Secret: tHookSecret}); err != nil {
					t.Fatal(err)
				}
			},
			// Account scope sends no scopeId.
			method: "POST", path: "/webhooks/",
			body: `{"callbackUrl":"https://h/in","scope":"Account","eventTypes":["iModels.changesReady.v1","synchronization.jobCompleted.v1"],"secret":"` + tHookSecret + `"}`},
		{name: "GetWebhook", route: "GET /webhooks/" + tHook, answer: rawJSON(200, hookJSON("")),
			invoke: func(t *testing.T, c *Client) {
				w, err := c.GetWebhook(ctx, tHook)
				if err != nil {
					t.Fatal(err)
				}
				if w.CallbackURL != "https://hooks.example.com/in" || len(w.EventTypes) != 1 || w.Secret != "" {
					t.Errorf("webhook = %+v", w)
				}
			},
			method: "GET", path: "/webhooks/" + tHook},
		{name: "ListWebhooks", route: "GET /webhooks/", answer: rawJSON(200, `{"webhooks":[`+hookJSON("")+`,`+strings.Replace(hookJSON(""), tHook, "other", 1)+`]}`),
			invoke: func(t *testing.T, c *Client) {
				l, err := c.ListWebhooks(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(l) != 2 || l[0].ID != tHook || l[1].ID != "other" {
					t.Errorf("webhooks = %+v", l)
				}
			},
			method: "GET", path: "/webhooks/"},
		{name: "UpdateWebhook", route: "PATCH /webhooks/" + tHook, answer: rawJSON(200, strings.Replace(hookJSON(""), `"active":false`, `"active":true`, 1)),
			invoke: func(t *testing.T, c *Client) {
				w, err := c.UpdateWebhook(ctx, tHook, wire.WebhookUpdate{Active: wire.Ptr(true)})
				if err != nil {
					t.Fatal(err)
				}
				if !w.Active {
					t.Errorf("webhook = %+v", w)
				}
			},
			// A merge patch: only the fields set.
			method: "PATCH", path: "/webhooks/" + tHook, body: `{"active":true}`},
		{name: "UpdateWebhookAll", route: "PATCH /webhooks/" + tHook, answer: rawJSON(200, hookJSON("")),
			invoke: func(t *testing.T, c *Client) {
				if _, err := c.UpdateWebhook(ctx, tHook, wire.WebhookUpdate{Active: wire.Ptr(false), CallbackURL: wire.Ptr("https://h/2"),
					EventTypes: []string{wire.EventChangesReady}, Secret: wire.Ptr(tHookSecret)}); err != nil {
					t.Fatal(err)
				}
			},
			method: "PATCH", path: "/webhooks/" + tHook,
			body: `{"active":false,"callbackUrl":"https://h/2","eventTypes":["iModels.changesReady.v1"],"secret":"` + tHookSecret + `"}`},
		{name: "DeleteWebhook", route: "DELETE /webhooks/" + tHook, answer: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) },
			invoke: func(t *testing.T, c *Client) {
				if err := c.DeleteWebhook(ctx, tHook); err != nil {
					t.Fatal(err)
				}
			},
			method: "DELETE", path: "/webhooks/" + tHook},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.handle(tc.route, tc.answer)
			tc.invoke(t, f.client())
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.Path != tc.path || r.RawQuery != "" {
				t.Errorf("request = %s %s?%s, want %s %s", r.Method, r.Path, r.RawQuery, tc.method, tc.path)
			}
			if tc.body == "" {
				if len(r.Body) != 0 {
					t.Errorf("unexpected body %q", r.Body)
				}
			} else {
				jsonEqual(t, r.Body, tc.body)
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
			if got := r.Header.Get("Accept"); got != "application/vnd.bentley.itwin-platform.v2+json" {
				t.Errorf("Accept = %q", got)
			}
			if got := r.Header.Get("Authorization"); got != "Bearer test-access-token" {
				t.Errorf("Authorization = %q", got)
			}
		})
	}
}

// TestWebhookErrors: 404 and 422 come back as *APIError with the details' targets; an empty id never becomes a
// request for the collection.
func TestWebhookErrors(t *testing.T) {
	f := newFakeAPI(t)
	f.reply("PATCH /webhooks/"+tHook, 422, map[string]any{"error": map[string]any{"code": "InvalidUpdateWebhookRequest",
		"message": "Cannot update a webhook. Make sure the request body is valid.",
		"details": []any{map[string]any{"code": "InvalidValue", "message": "callbackUrl must use https", "target": "callbackUrl"}}}})
	c := f.client()
	ctx := t.Context()
	for name, call := range map[string]func() error{
		"Create": func() error { _, err := c.CreateWebhook(ctx, wire.WebhookCreate{}); return err },
		"Get":    func() error { _, err := c.GetWebhook(ctx, "gone"); return err },
		"List":   func() error { _, err := c.ListWebhooks(ctx); return err },
		"Delete": func() error { return c.DeleteWebhook(ctx, "gone") },
	} {
		// The fake answers 404 on every route but the PATCH; the collection routes are not registered either.
		if err := call(); !IsNotFound(err) {
			t.Errorf("%s: err = %v, want 404", name, err)
		}
	}
	_, err := c.UpdateWebhook(ctx, tHook, wire.WebhookUpdate{CallbackURL: wire.Ptr("http://h")})
	ae, ok := AsAPIError(err)
	if !ok || ae.Status != 422 || ae.Code != "InvalidUpdateWebhookRequest" || len(ae.Details) != 1 || ae.Details[0].Target != "callbackUrl" {
		t.Errorf("err = %#v", err)
	}
	before := len(f.requests())
	if _, err := c.GetWebhook(ctx, " "); err == nil {
		t.Error("GetWebhook accepted an empty id")
	}
	if _, err := c.UpdateWebhook(ctx, "", wire.WebhookUpdate{}); err == nil {
		t.Error("UpdateWebhook accepted an empty id")
	}
	if err := c.DeleteWebhook(ctx, ""); err == nil {
		t.Error("DeleteWebhook accepted an empty id")
	}
	if n := len(f.requests()); n != before {
		t.Errorf("%d requests sent for empty ids", n-before)
	}
}

// TestWebhookRetries: a failed PATCH is retried (it is idempotent); a create POST that got a 503 is not (a retry
// could create a second webhook), only one that got a 429.
func TestWebhookRetries(t *testing.T) {
	f := newFakeAPI(t)
	f.handle("PATCH /webhooks/"+tHook, failFirst(2, status(503), rawJSON(200, hookJSON(""))))
	f.handle("POST /webhooks/", status(503))
	c := f.client()
	if _, err := c.UpdateWebhook(t.Context(), tHook, wire.WebhookUpdate{Active: wire.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if n := f.count("PATCH", "/webhooks/"+tHook); n != 3 {
		t.Errorf("PATCH sent %d times, want 3", n)
	}
	if _, err := c.CreateWebhook(t.Context(), wire.WebhookCreate{CallbackURL: "https://h", Scope: "Account", EventTypes: []string{wire.EventJobCompleted}}); !IsStatus(err, 503) {
		t.Errorf("create err = %v", err)
	}
	if n := f.count("POST", "/webhooks/"); n != 1 {
		t.Errorf("create POST sent %d times after a 503, want 1", n)
	}
}

// TestWebhookSecretNeverLogged: neither the secret we send nor the one the server generates reaches the log or an
// error message, also when the create answer cannot be decoded and its body is quoted in the error.
func TestWebhookSecretNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(t.Context(), &logs)
	f := newFakeAPI(t)
	// The first create answers a webhook whose eventTypes has the wrong type: the decode error quotes the body.
	f.handle("POST /webhooks/", failFirst(1, rawJSON(201, `{"id":"x","eventTypes":"oops","secret":"`+tHookSecret+`","scope":"Account"}`),
		rawJSON(201, hookJSON(`,"secret":"`+tHookSecret+`"`))))
	f.handle("PATCH /webhooks/"+tHook, failFirst(1, status(500), rawJSON(200, hookJSON(""))))
	c := f.client()
	create := wire.WebhookCreate{CallbackURL: "https://h", Scope: "Account", EventTypes: []string{wire.EventJobCompleted}, Secret: tHookSecret}
	_, decodeErr := c.CreateWebhook(ctx, create)
	if decodeErr == nil || !strings.Contains(decodeErr.Error(), "decoding the answer of POST") {
		t.Fatalf("err = %v, want a decode error", decodeErr)
	}
	w, err := c.CreateWebhook(ctx, create)
	if err != nil || w.Secret != tHookSecret {
		t.Fatalf("create = %+v, %v", w, err)
	}
	if _, err := c.UpdateWebhook(ctx, tHook, wire.WebhookUpdate{Secret: wire.Ptr(tHookSecret)}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(decodeErr.Error(), tHookSecret[:16]) {
		t.Errorf("error leaks the secret: %v", decodeErr)
	}
	if !strings.Contains(decodeErr.Error(), `"secret":"REDACTED"`) {
		t.Errorf("error should show the secret member redacted: %v", decodeErr)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	if strings.Contains(logs.String(), tHookSecret[:16]) {
		t.Errorf("log leaks the secret:\n%s", logs.String())
	}
}

func TestRedactJSONSecrets(t *testing.T) {
	for in, want := range map[string]string{
		`{"id":"a","secret":"s3cr3t-value","x":1}`:    `{"id":"a","secret":"REDACTED","x":1}`,
		`{"Secret" : "with \"escaped\" quote"}`:       `{"Secret" : "REDACTED"}`,
		`{"client_secret":"cs","access_token":"tok"}`: `{"client_secret":"REDACTED","access_token":"REDACTED"}`,
		// A snippet cut inside the value.
		`{"secret":"abcdef`: `{"secret":"REDACTED"`,
		// Other members that merely mention the word are kept.
		`{"secretName":"visible","note":"secret"}`: `{"secretName":"visible","note":"secret"}`,
	} {
		if got := redactText(in); got != want {
			t.Errorf("redactText(%s) = %s, want %s", in, got, want)
		}
	}
	long := `{"padding":"` + strings.Repeat("p", 280) + `","secret":"` + tHookSecret + `"}`
	if s := snippet([]byte(long)); strings.Contains(s, tHookSecret[:8]) {
		t.Errorf("snippet leaks a secret cut at the limit: %s", s)
	}
}
