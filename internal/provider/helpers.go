package provider

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// describedAs gives a validator or plan modifier its description, the same in plain text and Markdown.
type describedAs string

func (d describedAs) Description(context.Context) string { return string(d) }

func (d describedAs) MarkdownDescription(context.Context) string { return string(d) }

// modelSource is where a request carries a model: its plan, state or config.
type modelSource interface {
	Get(ctx context.Context, target any) diag.Diagnostics
}

// load reads a request's plan, state or config into model, and reports whether that worked; when it did not, the
// diagnostics say why and the caller returns.
func load(ctx context.Context, from modelSource, model any, diags *diag.Diagnostics) bool {
	diags.Append(from.Get(ctx, model)...)
	return !diags.HasError()
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

// loadChange reads the plan and the prior state of a ModifyPlan that changes an existing object; false for a
// create or a destroy (nothing to compare), or when reading failed.
func loadChange(ctx context.Context, req resource.ModifyPlanRequest, plan, state any, diags *diag.Diagnostics) bool {
	return !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull() &&
		load(ctx, req.Plan, plan, diags) && load(ctx, req.State, state, diags)
}

// someOrNull is a PATCH value that sets s, or clears the field when s is "" (APIs that do not tell "" from absent).
func someOrNull(s string) wire.Optional[string] {
	if s == "" {
		return wire.Null[string]()
	}
	return wire.Some(s)
}

// readFailed handles the error of the GET in a Read: a 404 means the object was deleted outside Terraform, so
// the resource leaves the state (removeGone); any other error is reported. It reports whether there was an
// error, so Read returns.
func readFailed(ctx context.Context, resp *resource.ReadResponse, err error, what, id string) bool {
	switch {
	case err == nil:
		return false
	case itwin.IsNotFound(err):
		removeGone(ctx, resp, what, id)
	default:
		addAPIError(&resp.Diagnostics, "reading "+what, err, nil)
	}
	return true
}

// readByID is the Read of a resource whose object the API reads by its id alone: it stores the identity, GETs
// the object (see readFailed) and stores what fill makes of it.
func readByID[M, T any](ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse, what string,
	get func(context.Context, string) (*T, error), fill func(*M, *T)) {
	var state M
	var id types.String
	if !load(ctx, req.State, &state, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	setIdentity(ctx, resp.Identity, idIdentity{ID: id}, &resp.Diagnostics)
	got, err := get(ctx, id.ValueString())
	if readFailed(ctx, resp, err, what, id.ValueString()) {
		return
	}
	fill(&state, got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// deleteByID is the Delete of a resource whose object the API deletes by its id alone. A 404 is success: the
// object is already gone, which is what Delete wants.
func deleteByID(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse, what string, del func(context.Context, string) error) {
	var id types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := del(ctx, id.ValueString()); err != nil && !itwin.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "deleting "+what, err, nil)
	}
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

// replacingStringAttribute is a required, non-empty string that the API cannot change (the id of the object a
// resource lives in, a class): changing it replaces the resource.
func replacingStringAttribute(description string) schema.StringAttribute {
	return schema.StringAttribute{
		Required:      true,
		Description:   description,
		Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
}

// nameAttribute is a required name of at most 255 characters, the limit of the iTwin, iModel and Storage APIs.
func nameAttribute(description string) schema.StringAttribute {
	return schema.StringAttribute{Required: true, Description: description, Validators: []validator.String{stringvalidator.LengthBetween(1, 255)}}
}
