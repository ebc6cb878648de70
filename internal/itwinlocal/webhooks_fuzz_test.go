package itwinlocal

import (
	"errors"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var webhookSeeds = []string{
	``, `{`, `[]`, `null`, `{}`, `"x"`, `{"active":true}`, `{"active":null,"secret":null}`,
	`{"callbackUrl":"https://h.example.com/cb","scope":"Account","eventTypes":["synchronization.jobCompleted.v1"]}`,
	`{"callbackUrl":"http://127.0.0.1:8/cb","scope":"iTwin","scopeId":"EB6CCDA2-15AA-4AFF-99B5-9C71AEA04CEB","eventTypes":["iModels.changesReady.v1","iModels.changesReady.v1"],"secret":"0123456789abcdef0123456789abcdef"}`,
	`{"callbackUrl":"http://10.0.0.1/cb","scope":"iTwin","eventTypes":[],"secret":"short","active":false}`,
	`{"scope":"Account","scopeId":"x","eventTypes":"iModels.iModelCreated.v1","callbackUrl":5}`,
	`{"id":"x","created":"2024-01-01T00:00:00Z","callbackUrl":"https://[::1]/x","secret":"ééééééééééééééééééééééééééééééééé"}`,
}

// checkWebhookRejection asserts the §12 422 shape: the family code and message, and every detail with a §12 code
// and a target.
func checkWebhookRejection(t *testing.T, err error, family string) {
	t.Helper()
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 422 || ae.Code != family || ae.Message == "" || len(ae.Details) == 0 {
		t.Fatalf("bad rejection: %v", err)
	}
	for _, d := range ae.Details {
		if d.Target == "" || d.Message == "" || !slices.Contains([]string{detailBadBody, detailMissing, detailInvalid}, d.Code) {
			t.Fatalf("bad detail %+v", d)
		}
	}
}

func validSecret(s string) bool {
	n := utf8.RuneCountInString(s)
	return s == "" || (n >= minWebhookSecret && n <= maxWebhookSecret)
}

func FuzzDecodeWebhookCreate(f *testing.F) {
	for _, s := range webhookSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeWebhookCreate(body)
		if err != nil {
			checkWebhookRejection(t, err, famWebhookCreate)
			return
		}
		if callbackURLProblem(in.CallbackURL) != "" || (in.Scope != wire.WebhookScopeAccount && in.Scope != wire.WebhookScopeITwin) ||
			(in.Scope == wire.WebhookScopeITwin && !IsGUID(in.ScopeID)) || in.ScopeID != NormGUID(in.ScopeID) ||
			len(in.EventTypes) == 0 || !validSecret(in.Secret) {
			t.Fatalf("accepted invalid body: %+v", in)
		}
		for i, et := range in.EventTypes {
			if !slices.Contains(wire.WebhookEventTypes, et) || slices.Contains(in.EventTypes[:i], et) {
				t.Fatalf("accepted event types %v", in.EventTypes)
			}
		}
	})
}

func FuzzDecodeWebhookUpdate(f *testing.F) {
	for _, s := range webhookSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeWebhookUpdate(body)
		if err != nil {
			checkWebhookRejection(t, err, famWebhookUpdate)
			return
		}
		if (in.CallbackURL != nil && callbackURLProblem(*in.CallbackURL) != "") || (in.Secret != nil && (*in.Secret == "" || !validSecret(*in.Secret))) ||
			(in.EventTypes != nil && len(in.EventTypes) == 0) {
			t.Fatalf("accepted invalid body: %+v", in)
		}
	})
}
