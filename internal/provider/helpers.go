package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// diagnosticsSink adds attribute errors to a diagnostics list; it keeps config checks short.
type diagnosticsSink struct {
	diags *diag.Diagnostics
}

func (s *diagnosticsSink) attr(p path.Path, summary, detail string) {
	s.diags.AddAttributeError(p, summary, detail)
}

// clientFrom turns the provider data handed to a resource, data source, ephemeral resource or action into the
// shared client. It returns nil without a diagnostic while the provider is not configured yet (validation
// calls), and nil with a diagnostic when the data has an unexpected type.
func clientFrom(providerData any, diags *diag.Diagnostics) *itwin.Client {
	if providerData == nil {
		return nil
	}
	client, ok := providerData.(*itwin.Client)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *itwin.Client, got %T. This is a bug in the provider; please report it.", providerData))
		return nil
	}
	return client
}
