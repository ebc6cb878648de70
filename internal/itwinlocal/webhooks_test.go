package itwinlocal_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// createWebhook creates a webhook as the seed client and returns the W1 answer.
func createWebhook(t *testing.T, in *itwinlocaltest.Instance, body map[string]any) wire.Webhook {
	t.Helper()
	r := in.Do(t, "POST", "/webhooks/", body)
	expectStatus(t, r, 201)
	var w wire.Webhook
	r.JSON(t, &w)
	return w
}

// hasKey reports whether the JSON object has the top-level key.
func hasKey(t *testing.T, body []byte, key string) bool {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not an object: %s", body)
	}
	_, ok := m[key]
	return ok
}

func TestWebhookCRUD(t *testing.T) {
	clock := newFakeClock()
	in := start(t, itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.Now = clock.Now }))

	// W1 Account scope: inactive, generated secret, scopeId = the caller's account id.
	acct := createWebhook(t, in, map[string]any{"callbackUrl": "https://hooks.example.com/a", "scope": "Account",
		"eventTypes": []string{wire.EventJobCompleted, wire.EventJobCompleted, wire.EventChangesReady}, "secret": nil})
	if !itwinlocal.IsGUID(acct.ID) || acct.Scope != "Account" || acct.ScopeID != itwinlocal.AccountID(in.ClientID) || acct.Active ||
		!hex64.MatchString(acct.Secret) || acct.Created.IsZero() || !acct.Modified.Equal(acct.Created.Time) ||
		strings.Join(acct.EventTypes, ",") != wire.EventJobCompleted+","+wire.EventChangesReady {
		t.Fatalf("W1 Account: %+v", acct)
	}
	if itwinlocal.AccountID(in.ClientID) == itwinlocal.AccountID("someone-else") || !itwinlocal.IsGUID(itwinlocal.AccountID(in.ClientID)) {
		t.Fatal("account ids must be GUIDs, distinct per client")
	}
	// The account id may be given explicitly; an iTwin webhook keeps a given secret.
	secret := strings.Repeat("s", 32)
	r := in.Do(t, "POST", "/webhooks", map[string]any{"callbackUrl": "http://127.0.0.1:9/cb", "scope": "iTwin",
		"scopeId": strings.ToUpper(in.ITwinID), "eventTypes": []string{wire.EventIModelCreated}, "secret": secret})
	expectStatus(t, r, 201)
	var itw wire.Webhook
	r.JSON(t, &itw)
	if itw.Scope != "iTwin" || itw.ScopeID != in.ITwinID || itw.Secret != secret || itw.CallbackURL != "http://127.0.0.1:9/cb" {
		t.Fatalf("W1 iTwin: %s", r.Body)
	}
	expectStatus(t, in.Do(t, "POST", "/webhooks", map[string]any{"callbackUrl": "http://[::1]:9/cb", "scope": "Account",
		"scopeId": itwinlocal.AccountID(in.ClientID), "eventTypes": []string{wire.EventIModelDeleted}}), 201)
	expectStatus(t, in.Do(t, "POST", "/webhooks", map[string]any{"callbackUrl": "http://LOCALHOST:9/cb", "scope": "Account",
		"eventTypes": []string{wire.EventNamedVersionCreated}}), 201)

	// W2: the caller's webhooks, oldest first, without secrets; both spellings route.
	for _, p := range []string{"/webhooks", "/webhooks/"} {
		r = in.Do(t, "GET", p, nil)
		expectStatus(t, r, 200)
		var list wire.WebhookList
		r.JSON(t, &list)
		if len(list.Webhooks) != 4 || list.Webhooks[0].ID != acct.ID || list.Webhooks[1].ID != itw.ID || strings.Contains(string(r.Body), "secret") {
			t.Fatalf("W2 %s: %s", p, r.Body)
		}
	}
	// W3: unwrapped, no secret.
	r = in.Do(t, "GET", "/webhooks/"+strings.ToUpper(acct.ID), nil)
	expectStatus(t, r, 200)
	var got wire.Webhook
	r.JSON(t, &got)
	if got.ID != acct.ID || hasKey(t, r.Body, "secret") || !hasKey(t, r.Body, "scopeId") || got.Active {
		t.Fatalf("W3: %s", r.Body)
	}

	// W4: merge; modified moves forward even when the clock did not; null keeps; no secret in the answer.
	r = in.Do(t, "PATCH", "/webhooks/"+acct.ID, map[string]any{"active": true, "eventTypes": []string{wire.EventIModelDeleted}, "callbackUrl": nil})
	expectStatus(t, r, 200)
	r.JSON(t, &got)
	if !got.Active || strings.Join(got.EventTypes, ",") != wire.EventIModelDeleted || got.CallbackURL != acct.CallbackURL ||
		!got.Modified.After(acct.Modified.Time) || !got.Created.Equal(acct.Created.Time) || hasKey(t, r.Body, "secret") {
		t.Fatalf("W4: %s", r.Body)
	}
	clock.Advance(time.Minute)
	r = in.Do(t, "PATCH", "/webhooks/"+acct.ID, map[string]any{"secret": strings.Repeat("x", 40), "callbackUrl": "https://other.example.com/b"})
	expectStatus(t, r, 200)
	var got2 wire.Webhook
	r.JSON(t, &got2)
	if clock.Now().Sub(got2.Modified.Time).Abs() > time.Microsecond || got2.CallbackURL != "https://other.example.com/b" || !got2.Active || hasKey(t, r.Body, "secret") {
		t.Fatalf("W4 second: %s", r.Body)
	}
	r = in.Do(t, "PATCH", "/webhooks/"+acct.ID, map[string]any{})
	expectStatus(t, r, 200)

	// W5.
	expectNoBody(t, in.Do(t, "DELETE", "/webhooks/"+acct.ID, nil), 204)
	expectErr(t, in.Do(t, "GET", "/webhooks/"+acct.ID, nil), 404, "WebhookNotFound", "")
	expectErr(t, in.Do(t, "DELETE", "/webhooks/"+acct.ID, nil), 404, "WebhookNotFound", "")
	expectErr(t, in.Do(t, "PATCH", "/webhooks/"+acct.ID, map[string]any{"active": false}), 404, "WebhookNotFound", "")
	expectErr(t, in.Do(t, "GET", "/webhooks/not-a-guid", nil), 404, "WebhookNotFound", "")
	env := expectErr(t, in.Do(t, "GET", "/webhooks/"+itwinlocal.NewGUID(), nil), 404, "WebhookNotFound", "")
	if env.Error.Message != "Requested webhook is not available." {
		t.Fatalf("404 message: %q", env.Error.Message)
	}
}

func TestWebhookOwnership(t *testing.T) {
	main := itwinlocal.ClientConfig{ID: "main", Secret: "main-secret", ITwins: []string{"*"}}
	other := itwinlocal.ClientConfig{ID: "other", Secret: "other-secret"}
	in := start(t, itwinlocaltest.WithClients(main, other))
	w := createWebhook(t, in, map[string]any{"callbackUrl": "https://h.example.com", "scope": "iTwin", "scopeId": in.ITwinID,
		"eventTypes": []string{wire.EventJobCompleted}})
	tok := in.TokenFor(t, "other", "other-secret")

	// Another caller's webhook is not found, whatever the method; the owner's stays untouched.
	expectErr(t, in.DoAs(t, tok, "GET", "/webhooks/"+w.ID, nil), 404, "WebhookNotFound", "")
	expectErr(t, in.DoAs(t, tok, "PATCH", "/webhooks/"+w.ID, map[string]any{"active": true}), 404, "WebhookNotFound", "")
	expectErr(t, in.DoAs(t, tok, "DELETE", "/webhooks/"+w.ID, nil), 404, "WebhookNotFound", "")
	var list wire.WebhookList
	in.DoAs(t, tok, "GET", "/webhooks", nil).JSON(t, &list)
	if len(list.Webhooks) != 0 {
		t.Fatalf("other sees %d webhooks", len(list.Webhooks))
	}
	var mine wire.Webhook
	in.Do(t, "GET", "/webhooks/"+w.ID, nil).JSON(t, &mine)
	if mine.Active {
		t.Fatal("the other client's PATCH changed the webhook")
	}

	// 403 for an iTwin the caller cannot access, one that does not exist, and another account.
	body := func(scope, scopeID string) map[string]any {
		return map[string]any{"callbackUrl": "https://h.example.com", "scope": scope, "scopeId": scopeID, "eventTypes": []string{wire.EventJobCompleted}}
	}
	expectErr(t, in.DoAs(t, tok, "POST", "/webhooks", body("iTwin", in.ITwinID)), 403, "InsufficientPermissions", "")
	expectErr(t, in.Do(t, "POST", "/webhooks", body("iTwin", itwinlocal.NewGUID())), 403, "InsufficientPermissions", "")
	expectErr(t, in.DoAs(t, tok, "POST", "/webhooks", body("Account", itwinlocal.AccountID("main"))), 403, "InsufficientPermissions", "")
	in.DoAs(t, tok, "GET", "/webhooks", nil).JSON(t, &list)
	if len(list.Webhooks) != 0 {
		t.Fatalf("a refused create stored %d webhooks", len(list.Webhooks))
	}
	// The other client's own Account webhook carries its own account id.
	r := in.DoAs(t, tok, "POST", "/webhooks", body("Account", itwinlocal.AccountID("other")))
	expectStatus(t, r, 201)
	var ow wire.Webhook
	r.JSON(t, &ow)
	if ow.ScopeID != itwinlocal.AccountID("other") {
		t.Fatalf("scopeId %s", ow.ScopeID)
	}
}

func TestWebhookValidation(t *testing.T) {
	in := start(t)
	valid := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{"callbackUrl": "https://h.example.com/cb", "scope": "iTwin", "scopeId": in.ITwinID,
			"eventTypes": []string{wire.EventJobCompleted}}
		edit(m)
		return m
	}
	const createMsg = "Cannot create a webhook. Make sure the request body is valid."
	for _, tc := range []struct {
		name         string
		body         any
		detail, targ string
	}{
		{"no body", nil, "InvalidRequestBody", "body"},
		{"not an object", `[1]`, "InvalidRequestBody", "body"},
		{"not JSON", `{"callbackUrl":`, "InvalidRequestBody", "body"},
		{"missing callbackUrl", valid(func(m map[string]any) { delete(m, "callbackUrl") }), "MissingRequiredProperty", "callbackUrl"},
		{"null callbackUrl", valid(func(m map[string]any) { m["callbackUrl"] = nil }), "MissingRequiredProperty", "callbackUrl"},
		{"http callback", valid(func(m map[string]any) { m["callbackUrl"] = "http://hooks.example.com/cb" }), "InvalidValue", "callbackUrl"},
		{"http on a LAN address", valid(func(m map[string]any) { m["callbackUrl"] = "http://192.168.1.10/cb" }), "InvalidValue", "callbackUrl"},
		{"relative callback", valid(func(m map[string]any) { m["callbackUrl"] = "/cb" }), "InvalidValue", "callbackUrl"},
		{"ftp callback", valid(func(m map[string]any) { m["callbackUrl"] = "ftp://h.example.com" }), "InvalidValue", "callbackUrl"},
		{"callback of the wrong type", valid(func(m map[string]any) { m["callbackUrl"] = 5 }), "InvalidValue", "callbackUrl"},
		{"missing scope", valid(func(m map[string]any) { delete(m, "scope") }), "MissingRequiredProperty", "scope"},
		{"unknown scope", valid(func(m map[string]any) { m["scope"] = "iModel" }), "InvalidValue", "scope"},
		{"missing scopeId", valid(func(m map[string]any) { delete(m, "scopeId") }), "MissingRequiredProperty", "scopeId"},
		{"scopeId not a GUID", valid(func(m map[string]any) { m["scopeId"] = "abc" }), "InvalidValue", "scopeId"},
		{"missing eventTypes", valid(func(m map[string]any) { delete(m, "eventTypes") }), "MissingRequiredProperty", "eventTypes"},
		{"empty eventTypes", valid(func(m map[string]any) { m["eventTypes"] = []string{} }), "InvalidValue", "eventTypes"},
		{"unknown event type", valid(func(m map[string]any) { m["eventTypes"] = []string{"iModels.somethingElse.v1"} }), "InvalidValue", "eventTypes"},
		{"eventTypes not a list", valid(func(m map[string]any) { m["eventTypes"] = wire.EventJobCompleted }), "InvalidValue", "eventTypes"},
		{"short secret", valid(func(m map[string]any) { m["secret"] = strings.Repeat("a", 31) }), "InvalidValue", "secret"},
		{"active on create", valid(func(m map[string]any) { m["active"] = false }), "InvalidValue", "active"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := expectErr(t, in.Do(t, "POST", "/webhooks", tc.body), 422, "InvalidCreateWebhookRequest", tc.targ)
			if env.Error.Message != createMsg || env.Error.Details[0].Code != tc.detail || env.Error.Details[0].Message == "" {
				t.Fatalf("error: %+v", env.Error)
			}
		})
	}
	// Every problem is reported, each naming its field.
	env := expectErr(t, in.Do(t, "POST", "/webhooks", map[string]any{"callbackUrl": "http://example.com", "secret": "short"}), 422, "InvalidCreateWebhookRequest", "callbackUrl")
	var targets []string
	for _, d := range env.Error.Details {
		targets = append(targets, d.Code+":"+d.Target)
	}
	if strings.Join(targets, " ") != "InvalidValue:callbackUrl MissingRequiredProperty:scope MissingRequiredProperty:eventTypes InvalidValue:secret" {
		t.Fatalf("details: %v", targets)
	}
	// Nothing was stored by the refused creates.
	var list wire.WebhookList
	in.Do(t, "GET", "/webhooks", nil).JSON(t, &list)
	if len(list.Webhooks) != 0 {
		t.Fatalf("refused creates stored %d webhooks", len(list.Webhooks))
	}

	w := createWebhook(t, in, valid(func(map[string]any) {}))
	const updateMsg = "Cannot update a webhook. Make sure the request body is valid."
	for _, tc := range []struct {
		name         string
		body         any
		detail, targ string
	}{
		{"no body", nil, "InvalidRequestBody", "body"},
		{"scope", map[string]any{"scope": "Account"}, "InvalidValue", "scope"},
		{"scopeId", map[string]any{"scopeId": in.ITwinID}, "InvalidValue", "scopeId"},
		{"id", map[string]any{"id": w.ID}, "InvalidValue", "id"},
		{"created", map[string]any{"created": "2024-01-01T00:00:00Z"}, "InvalidValue", "created"},
		{"modified", map[string]any{"modified": "2024-01-01T00:00:00Z"}, "InvalidValue", "modified"},
		{"active not a bool", map[string]any{"active": "yes"}, "InvalidValue", "active"},
		{"http callback", map[string]any{"callbackUrl": "http://example.com/x"}, "InvalidValue", "callbackUrl"},
		{"empty eventTypes", map[string]any{"eventTypes": []string{}}, "InvalidValue", "eventTypes"},
		{"unknown event type", map[string]any{"eventTypes": []string{"nope"}}, "InvalidValue", "eventTypes"},
		{"short secret", map[string]any{"secret": "0123456789"}, "InvalidValue", "secret"},
	} {
		t.Run("update "+tc.name, func(t *testing.T) {
			env := expectErr(t, in.Do(t, "PATCH", "/webhooks/"+w.ID, tc.body), 422, "InvalidUpdateWebhookRequest", tc.targ)
			if env.Error.Message != updateMsg || env.Error.Details[0].Code != tc.detail {
				t.Fatalf("error: %+v", env.Error)
			}
		})
	}
	// A refused PATCH changes nothing, also the fields it got right.
	expectErr(t, in.Do(t, "PATCH", "/webhooks/"+w.ID, map[string]any{"active": true, "scope": "Account"}), 422, "InvalidUpdateWebhookRequest", "scope")
	var got wire.Webhook
	in.Do(t, "GET", "/webhooks/"+w.ID, nil).JSON(t, &got)
	if got.Active || !got.Modified.Equal(w.Modified.Time) {
		t.Fatalf("refused PATCH changed the webhook: %+v", got)
	}
}
