package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func TestWarnUserConnection(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	c := f.client()
	var diags diag.Diagnostics
	warnUserConnection(context.Background(), c, &wire.Connection{ID: "x", AuthenticationType: "Service"}, &diags)
	if len(diags) != 0 || f.requests("GET") != 0 {
		t.Fatalf("service connections need no check: %v", diags)
	}
	warnUserConnection(context.Background(), c, &wire.Connection{ID: "x", AuthenticationType: "User"}, &diags)
	if diags.WarningsCount() != 1 || !strings.Contains(diags[0].Detail(), "/local/consent/abc") {
		t.Fatalf("diags = %v, want one warning with the consent page", diags)
	}
	f.userAuthed = true
	diags = nil
	warnUserConnection(context.Background(), c, &wire.Connection{ID: "x"}, &diags) // unset = User
	if len(diags) != 0 {
		t.Fatalf("consent given: %v", diags)
	}
}
