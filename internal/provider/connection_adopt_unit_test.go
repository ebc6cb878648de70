package provider

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// adoptUncertainCreate adopts only a single exact match: same name, same authentication type (when planned) and
// exactly the planned files.
func TestAdoptUncertainCreate(t *testing.T) {
	conns := []wire.Connection{
		{ID: "other-name", DisplayName: "x", AuthenticationType: "Service"},
		{ID: "fewer-files", DisplayName: "n", AuthenticationType: "Service"},
		{ID: "other-type", DisplayName: "n", AuthenticationType: "User"},
		{ID: "match", DisplayName: "n", AuthenticationType: "Service"},
	}
	files := map[string][]string{
		"other-name":  {"b", "a"},
		"fewer-files": {"a"},
		"other-type":  {"a", "b"},
		"match":       {"b", "a"},
	}
	list := func(context.Context) ([]wire.Connection, error) { return conns, nil }
	keys := func(_ context.Context, id string) ([]string, error) { return files[id], nil }
	createErr := &itwin.TransportError{Method: "POST", URL: "/x", Err: errors.New("connection reset")}

	var diags diag.Diagnostics
	got := adoptUncertainCreate(t.Context(), &diags, "storage", createErr, list, keys, "n", types.StringValue("Service"), []string{"a", "b"})
	if got == nil || got.ID != "match" || diags.WarningsCount() != 1 {
		t.Fatalf("adopted %+v, diags %v", got, diags)
	}

	// Without a planned authentication type, two connections match: none is adopted, both are named.
	diags = nil
	got = adoptUncertainCreate(t.Context(), &diags, "storage", createErr, list, keys, "n", types.StringUnknown(), []string{"a", "b"})
	if got != nil || diags.WarningsCount() != 1 || !strings.Contains(diags[0].Detail(), "other-type, match") {
		t.Fatalf("adopted %+v, diags %v", got, diags)
	}

	// No match: nothing adopted, nothing said (the caller reports the create error).
	diags = nil
	if got = adoptUncertainCreate(t.Context(), &diags, "storage", createErr, list, keys, "none", types.StringNull(), []string{"a", "b"}); got != nil || len(diags) != 0 {
		t.Fatalf("adopted %+v, diags %v", got, diags)
	}

	if createOutcomeUncertain(&itwin.APIError{Status: 429}) || createOutcomeUncertain(&itwin.APIError{Status: 409}) ||
		!createOutcomeUncertain(&itwin.APIError{Status: 502}) || !createOutcomeUncertain(createErr) {
		t.Error("createOutcomeUncertain: 5xx and transport errors are uncertain, 4xx (429 included) are not")
	}
}
