package provider

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// diagnosticsSink adds attribute errors to a diagnostics list; it keeps config checks short.
type diagnosticsSink struct {
	diags *diag.Diagnostics
}

func (s *diagnosticsSink) attr(p path.Path, summary, detail string) {
	s.diags.AddAttributeError(p, summary, detail)
}

// addAPIError reports a failed API call as one diagnostic in our words: what we were doing, then the server's
// status, code and message. When the server names a field (error.target or details[].target) that maps to one
// of our attributes, the diagnostic is attached to that attribute so Terraform points at the right line.
func addAPIError(diags *diag.Diagnostics, doing string, err error, targets map[string]path.Path) {
	summary := "Error " + doing
	detail := fmt.Sprintf("%s: %s", doing, err.Error())
	if apiErr, ok := itwin.AsAPIError(err); ok {
		for _, t := range apiErrorTargets(apiErr) {
			if p, found := lookupTarget(targets, t); found {
				diags.AddAttributeError(p, summary, detail)
				return
			}
		}
	}
	diags.AddError(summary, detail)
}

func apiErrorTargets(e *itwin.APIError) []string {
	var out []string
	if e.Target != "" {
		out = append(out, e.Target)
	}
	for _, d := range e.Details {
		if d.Target != "" {
			out = append(out, d.Target)
		}
	}
	return out
}

// lookupTarget matches a server target case-insensitively; "sourceFiles[3].connectorType" also matches a
// mapping for "sourceFiles".
func lookupTarget(targets map[string]path.Path, target string) (path.Path, bool) {
	if len(targets) == 0 {
		return path.Empty(), false
	}
	candidates := []string{target}
	if i := strings.IndexAny(target, "[."); i > 0 {
		candidates = append(candidates, target[:i])
	}
	for _, c := range candidates {
		for k, p := range targets {
			if strings.EqualFold(k, c) {
				return p, true
			}
		}
	}
	return path.Empty(), false
}

// removeGone drops a resource whose remote object no longer exists, with a warning so the user sees why the
// next plan wants to create it again.
func removeGone(ctx context.Context, resp *resource.ReadResponse, what, id string) {
	tflog.Warn(ctx, what+" no longer exists; removing it from state", map[string]any{"id": id})
	resp.Diagnostics.AddWarning(
		fmt.Sprintf("%s no longer exists", what),
		fmt.Sprintf("The %s %q was not found (it was deleted outside Terraform). It has been removed from the state; the next apply will create it again if it is still configured.", what, id),
	)
	resp.State.RemoveResource(ctx)
}

// parseImportID splits an import id of the form "a/b[/c…]" into parts, URL-unescaping each, and explains the
// expected format when it does not match.
func parseImportID(id, format string, parts ...*string) error {
	raw := strings.Split(id, "/")
	if len(raw) != len(parts) {
		return fmt.Errorf("the import id must have the form %q, got %q", format, id)
	}
	for i, r := range raw {
		v, err := url.PathUnescape(r)
		if err != nil || strings.TrimSpace(v) == "" {
			return fmt.Errorf("the import id must have the form %q; part %d of %q is empty or badly escaped", format, i+1, id)
		}
		*parts[i] = v
	}
	return nil
}

// nullTimeouts is an unset timeouts block with the given keys ("create", "delete", …): the value a resource
// object built from the API alone (a list result, an import) carries until configuration sets one.
func nullTimeouts(keys ...string) timeouts.Value {
	types := make(map[string]attr.Type, len(keys))
	for _, k := range keys {
		types[k] = basetypes.StringType{}
	}
	return timeouts.Value{Object: basetypes.NewObjectNull(types)}
}
