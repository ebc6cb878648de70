package provider

// The plan-time consent check of runs on User connections.

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// consentRedirectURL is only echoed back by the consent page; any valid URL does for the check.
const consentRedirectURL = "http://localhost/itwin-consent-done"

// warnUserConnection adds a plan-time warning when the connection runs as a User who has not consented
// (DESIGN §4.9): such a run is accepted and then fails with UserNotAuthenticated.
func warnUserConnection(ctx context.Context, client *itwin.Client, conn *wire.Connection, diags *diag.Diagnostics) {
	if conn.AuthenticationType != "" && conn.AuthenticationType != wire.AuthenticationTypeUser {
		return
	}
	info, err := client.GetAuthorizationInformation(ctx, consentRedirectURL)
	if err != nil {
		tflog.Debug(ctx, "could not check user consent", map[string]any{"error": err.Error()})
		return
	}
	if info.IsUserAuthorized {
		return
	}
	consent := ""
	if info.Links.AuthorizationURL != nil {
		consent = " The consent page is " + itwin.RedactURL(info.Links.AuthorizationURL.Href) + "."
	}
	diags.AddAttributeWarning(pathConnectionID, "The run will fail: User connection without consent",
		fmt.Sprintf("Connection %s has authentication_type = \"User\", so it runs on behalf of its owner, and the provider's credentials "+
			"(typically a service application using client credentials) have not given consent. The server will accept the run and then "+
			"complete it with result Error (UserNotAuthenticated). Give consent once (the itwin_sync_authorization data source returns the "+
			"authorization URL)%s, or set authentication_type = \"Service\" on the connection.", conn.ID, consent))
}
