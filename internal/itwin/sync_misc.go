package itwin

import (
	"context"
	"net/http"
	"net/url"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// GetAuthorizationInformation tells whether the caller consented to User connections running on its behalf, and
// where to consent (C2).
func (c *Client) GetAuthorizationInformation(ctx context.Context, redirectURL string) (*wire.AuthorizationInformation, error) {
	cl := call{method: http.MethodGet, path: "/synchronization/imodels/connections/authorizationinformation",
		query: url.Values{"redirectUrl": {redirectURL}}, err: need("redirect URL", redirectURL)}
	return sendJSON(ctx, c, cl, func(e *wire.AuthorizationInformationEnvelope) *wire.AuthorizationInformation {
		return &e.AuthorizationInformation
	})
}

// GetReports lists the diagnostic reports of a run, optionally of one task (R1, not paged). Each report's SasURI
// is pre-signed: treat it as a secret.
func (c *Client) GetReports(ctx context.Context, imodelID, runID, taskID string) ([]wire.DiagnosticReport, error) {
	q := filters(map[string]string{"imodelId": imodelID, "runId": runID, "taskId": taskID})
	var list wire.DiagnosticReportList
	cl := call{method: http.MethodGet, path: "/synchronization/reports", query: q, err: need("iModel id", imodelID, "run id", runID)}
	if _, err := c.doJSON(ctx, cl, &list); err != nil {
		return nil, err
	}
	if list.Reports == nil {
		list.Reports = []wire.DiagnosticReport{}
	}
	return list.Reports, nil
}
