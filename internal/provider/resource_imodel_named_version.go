package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ resource.ResourceWithConfigure   = &namedVersionResource{}
	_ resource.ResourceWithImportState = &namedVersionResource{}
	_ resource.ResourceWithIdentity    = &namedVersionResource{}
	_ resource.ResourceWithModifyPlan  = &namedVersionResource{}
)

const namedVersionImportFormat = "<imodel_id>/<named_version_id>"

// NewIModelNamedVersionResource returns the itwin_imodel_named_version resource.
func NewIModelNamedVersionResource() resource.Resource {
	return &namedVersionResource{resourceBase{typeName: "_imodel_named_version"}}
}

type namedVersionResource struct {
	resourceBase
}

type namedVersionModel struct {
	ID             types.String      `tfsdk:"id"`
	IModelID       types.String      `tfsdk:"imodel_id"`
	Name           types.String      `tfsdk:"name"`
	Description    types.String      `tfsdk:"description"`
	ChangesetID    types.String      `tfsdk:"changeset_id"`
	ChangesetIndex types.Int64       `tfsdk:"changeset_index"`
	State          types.String      `tfsdk:"state"`
	CreatedAt      timetypes.RFC3339 `tfsdk:"created_at"`
}

var changesetIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

func (r *namedVersionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A named version of an iModel: a name pinned on one changeset, for example a milestone after a " +
			"synchronization. `name`, `description` and `state` are updated in place. The iModels API cannot delete " +
			"a named version, so destroying the resource only removes it from the Terraform state (with a warning) and " +
			"the named version stays in the iModel; set `state = \"hidden\"` first to hide it.",
		Attributes: map[string]schema.Attribute{
			"id":        computedStringAttribute("Id of the named version."),
			"imodel_id": replacingStringAttribute("Id of the iModel. Changing it creates a named version in the other iModel."),
			"name": nameAttribute("Name of the named version, unique within the iModel. Changing it renames the named version " +
				"in place."),
			"description": schema.StringAttribute{
				Optional:    true,
				Description: "Description of the named version. Updated in place; removing it clears the description.",
			},
			"changeset_id": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Description: "Id (40 hex digits) of the changeset to name. Set at most one of `changeset_id` and " +
					"`changeset_index`; with neither, the iModel's latest changeset at creation is named, and its id is " +
					"recorded here. A changeset carries at most one named version. Changing it creates a new named " +
					"version (the old one stays in the iModel).",
				Validators: []validator.String{
					stringvalidator.RegexMatches(changesetIDPattern, "must be a changeset id: 40 hexadecimal digits"),
					stringvalidator.ConflictsWith(path.MatchRoot("changeset_index")),
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"changeset_index": schema.Int64Attribute{
				Optional: true,
				Computed: true,
				Description: "Index of the changeset to name, for example the `index` of the last entry of a run " +
					"resource's `changesets`. With neither this nor `changeset_id`, the latest changeset at creation is " +
					"named, and its index is recorded here. Changing it creates a new named version (the old one stays in " +
					"the iModel).",
				Validators:    []validator.Int64{int64validator.AtLeast(0)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown(), int64planmodifier.RequiresReplace()},
			},
			"state": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(wire.NamedVersionStateVisible),
				Description: "Visibility of the named version: `visible` (the default) or `hidden` (kept, but left out " +
					"of the lists applications show). Updated in place.",
				Validators: []validator.String{stringvalidator.OneOf(wire.NamedVersionStateVisible, wire.NamedVersionStateHidden)},
			},
			"created_at": schema.StringAttribute{
				CustomType:    timetypes.RFC3339Type{},
				Computed:      true,
				Description:   "When the named version was created (RFC 3339, UTC).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *namedVersionResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = childIdentitySchema("imodel_id", "iModel", "iModel", "named version")
}

// ModifyPlan refuses a replacement that keeps the name in the same iModel: the old named version cannot be
// deleted and keeps its name, so creating the new one would fail with NamedVersionExists after the plan was
// approved.
func (r *namedVersionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, state namedVersionModel
	if !loadChange(ctx, req, &plan, &state, &resp.Diagnostics) {
		return
	}
	changesetChanged := ""
	switch {
	case !plan.ChangesetIndex.Equal(state.ChangesetIndex):
		changesetChanged = "changeset_index"
	case !plan.ChangesetID.Equal(state.ChangesetID):
		changesetChanged = "changeset_id"
	}
	if changesetChanged == "" || !plan.IModelID.Equal(state.IModelID) || plan.Name.IsUnknown() || !plan.Name.Equal(state.Name) {
		return
	}
	resp.Diagnostics.AddAttributeError(path.Root("name"), "A new named version needs a new name",
		fmt.Sprintf("Changing %s creates a new named version, but the current one (%s) cannot be deleted: it stays in the iModel "+
			"with the name %q, and names are unique within an iModel. Give the new named version another name (for example one "+
			"that contains the changeset index), or keep %s.", changesetChanged, state.ID.ValueString(), state.Name.ValueString(), changesetChanged))
}

// fill copies the API's view into the model; the model's own description decides between null and "".
func (m *namedVersionModel) fill(imodelID string, nv *wire.NamedVersion) {
	m.ID = types.StringValue(nv.ID)
	m.IModelID = types.StringValue(imodelID)
	name := nv.Name
	if name == "" {
		name = nv.DisplayName
	}
	m.Name = types.StringValue(name)
	m.Description = descriptionValue(nv.Description, m.Description)
	m.ChangesetID = stringOrNullValue(nv.ChangesetID) // null for a baseline version (index 0)
	m.ChangesetIndex = types.Int64Value(int64(nv.ChangesetIndex))
	st := nv.State
	if st == "" {
		st = wire.NamedVersionStateVisible // a server that leaves the state out shows every version
	}
	m.State = types.StringValue(st)
	m.CreatedAt = timestampValue(nv.CreatedDateTime)
}

var namedVersionTargets = map[string]path.Path{
	"name": path.Root("name"), "description": path.Root("description"), "state": path.Root("state"),
	"changesetId": path.Root("changeset_id"), "changesetIndex": path.Root("changeset_index"),
}

func (r *namedVersionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan namedVersionModel
	if !load(ctx, req.Plan, &plan, &resp.Diagnostics) {
		return
	}
	imodelID := plan.IModelID.ValueString()
	body := wire.NamedVersionCreate{Name: plan.Name.ValueString(), Description: plan.Description.ValueString()}
	if !plan.ChangesetID.IsNull() && !plan.ChangesetID.IsUnknown() {
		body.ChangesetID = plan.ChangesetID.ValueString()
	}
	if !plan.ChangesetIndex.IsNull() && !plan.ChangesetIndex.IsUnknown() {
		body.ChangesetIndex = wire.Ptr(int(plan.ChangesetIndex.ValueInt64()))
	}
	nv, err := r.client.CreateNamedVersion(ctx, imodelID, body)
	if err != nil && itwin.IsTransient(err) {
		// The POST is not retried (a retry could name a second changeset); the version may exist all the same.
		nv = r.adopt(ctx, imodelID, body, err)
		if nv != nil {
			err = nil
		}
	}
	if err != nil {
		r.createError(ctx, &resp.Diagnostics, imodelID, body, err)
		return
	}
	tflog.Info(ctx, "created named version", map[string]any{"id": nv.ID, "changeset_index": nv.ChangesetIndex})
	// Record the id at once: if hiding it below fails, the resource is tainted instead of orphaned.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), nv.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("imodel_id"), imodelID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), plan.Name)...)
	setIdentity(ctx, resp.Identity, imodelChildIdentity{IModelID: plan.IModelID, ID: types.StringValue(nv.ID)}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if want := plan.State.ValueString(); want != "" && want != nv.State {
		nv, err = r.client.UpdateNamedVersion(ctx, imodelID, nv.ID, wire.NamedVersionUpdate{State: wire.Ptr(want)})
		if err != nil {
			addAPIError(&resp.Diagnostics, fmt.Sprintf("setting the state of the new named version to %q", want), err, namedVersionTargets)
			return
		}
	}
	plan.fill(imodelID, nv)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// adopt looks, after a create whose outcome is unknown, for the named version that create would have made: the
// one with the planned name on the planned changeset (any changeset when the plan names the latest). It returns
// nil when there is none or the lookup fails.
func (r *namedVersionResource) adopt(ctx context.Context, imodelID string, body wire.NamedVersionCreate, cause error) *wire.NamedVersion {
	list, err := r.client.ListNamedVersions(ctx, imodelID, itwin.NamedVersionListOptions{Name: body.Name})
	if err != nil {
		return nil
	}
	for _, nv := range exactMatches(list, func(v wire.NamedVersion) string { return v.Name }, body.Name) {
		if nv.Name != body.Name || (body.ChangesetID != "" && !strings.EqualFold(nv.ChangesetID, body.ChangesetID)) ||
			(body.ChangesetIndex != nil && nv.ChangesetIndex != *body.ChangesetIndex) {
			continue
		}
		tflog.Warn(ctx, "the named version create had an uncertain outcome; adopting the named version it made",
			map[string]any{"id": nv.ID, "cause": cause.Error()})
		return &nv
	}
	return nil
}

// createError explains a failed create on the attribute it concerns.
func (r *namedVersionResource) createError(ctx context.Context, diags *diag.Diagnostics, imodelID string, body wire.NamedVersionCreate, err error) {
	changesetAttr, changeset := path.Empty(), "the latest changeset"
	switch {
	case body.ChangesetID != "":
		changesetAttr, changeset = path.Root("changeset_id"), "the changeset "+body.ChangesetID
	case body.ChangesetIndex != nil:
		changesetAttr, changeset = path.Root("changeset_index"), "the changeset with index "+strconv.Itoa(*body.ChangesetIndex)
	}
	switch {
	case itwin.IsConflict(err):
		list, lerr := r.client.ListNamedVersions(ctx, imodelID, itwin.NamedVersionListOptions{})
		if lerr == nil {
			for _, nv := range list {
				if nv.Name == body.Name {
					diags.AddAttributeError(path.Root("name"), "Named version already exists",
						fmt.Sprintf("The iModel %s already has a named version named %q (id %s, on the changeset with index %d); names are "+
							"unique within an iModel. Choose another name, or bring it under Terraform with "+
							"`terraform import <address> %s/%s`. (%s)", imodelID, body.Name, nv.ID, nv.ChangesetIndex, imodelID, nv.ID, err))
					return
				}
			}
			for _, nv := range list {
				if (body.ChangesetID != "" && strings.EqualFold(nv.ChangesetID, body.ChangesetID)) ||
					(body.ChangesetIndex != nil && nv.ChangesetIndex == *body.ChangesetIndex) {
					diags.AddAttributeError(changesetAttr, "Changeset already has a named version",
						fmt.Sprintf("%s of the iModel %s already carries the named version %q (id %s); a changeset carries at most one. "+
							"Name another changeset, or bring that named version under Terraform with `terraform import <address> %s/%s`. (%s)",
							capitalize(changeset), imodelID, nv.Name, nv.ID, imodelID, nv.ID, err))
					return
				}
			}
		}
		diags.AddAttributeError(path.Root("name"), "Named version already exists",
			fmt.Sprintf("creating a named version on %s of the iModel %s: the name %q, or the changeset, already has a named version. %s",
				changeset, imodelID, body.Name, err))
	case itwin.ErrorCode(err) == "ChangesetNotFound":
		detail := fmt.Sprintf("creating a named version: the iModel %s has no %s (%s).", imodelID, strings.TrimPrefix(changeset, "the "), err)
		if changesetAttr.Equal(path.Empty()) {
			diags.AddAttributeError(path.Root("imodel_id"), "iModel has no changeset yet",
				fmt.Sprintf("creating a named version of the latest changeset: the iModel %s has none yet; synchronize first (%s).", imodelID, err))
			return
		}
		diags.AddAttributeError(changesetAttr, "Changeset not found", detail)
	case itwin.IsNotFound(err):
		diags.AddAttributeError(path.Root("imodel_id"), "iModel not found",
			fmt.Sprintf("creating a named version: the iModel %q does not exist or is not visible to this client: %s", imodelID, err))
	default:
		addAPIError(diags, "creating named version", err, namedVersionTargets)
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (r *namedVersionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state namedVersionModel
	if !load(ctx, req.State, &state, &resp.Diagnostics) {
		return
	}
	setIdentity(ctx, resp.Identity, imodelChildIdentity{IModelID: state.IModelID, ID: state.ID}, &resp.Diagnostics)
	nv, err := r.client.GetNamedVersion(ctx, state.IModelID.ValueString(), state.ID.ValueString())
	if readFailed(ctx, resp, err, "named version", state.ID.ValueString()) {
		return
	}
	state.fill(state.IModelID.ValueString(), nv)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *namedVersionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state namedVersionModel
	if !load(ctx, req.Plan, &plan, &resp.Diagnostics) || !load(ctx, req.State, &state, &resp.Diagnostics) {
		return
	}
	setIdentity(ctx, resp.Identity, imodelChildIdentity{IModelID: state.IModelID, ID: state.ID}, &resp.Diagnostics)
	body, changed := namedVersionUpdateBody(plan, state)
	if !changed {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	nv, err := r.client.UpdateNamedVersion(ctx, state.IModelID.ValueString(), state.ID.ValueString(), body)
	if err != nil {
		if itwin.IsConflict(err) {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Named version name already taken",
				fmt.Sprintf("Cannot rename the named version %s to %q: the iModel %s already has a named version with that name (%s).",
					state.ID.ValueString(), plan.Name.ValueString(), state.IModelID.ValueString(), err))
			return
		}
		addAPIError(&resp.Diagnostics, "updating named version", err, namedVersionTargets)
		return
	}
	plan.fill(state.IModelID.ValueString(), nv)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// namedVersionUpdateBody is the PATCH body of a plan: only what changed; a description going to unset or "" is
// sent as null, and a switch between those two needs no call.
func namedVersionUpdateBody(plan, state namedVersionModel) (wire.NamedVersionUpdate, bool) {
	var body wire.NamedVersionUpdate
	changed := false
	if !plan.Name.Equal(state.Name) {
		body.Name = wire.Ptr(plan.Name.ValueString())
		changed = true
	}
	if want := plan.Description.ValueString(); want != state.Description.ValueString() {
		body.Description = someOrNull(want)
		changed = true
	}
	if !plan.State.IsUnknown() && !plan.State.IsNull() && !plan.State.Equal(state.State) {
		body.State = wire.Ptr(plan.State.ValueString())
		changed = true
	}
	return body, changed
}

// Delete cannot delete: the iModels API has no such operation. The named version stays in the iModel and the
// resource only leaves the state; the warning says so, and how to hide it.
func (r *namedVersionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state namedVersionModel
	if !load(ctx, req.State, &state, &resp.Diagnostics) {
		return
	}
	tflog.Info(ctx, "named versions cannot be deleted; removing from state only", map[string]any{"id": state.ID.ValueString()})
	resp.Diagnostics.AddWarning("The named version stays in the iModel",
		fmt.Sprintf("The iModels API cannot delete named versions: the named version %q (%s) of the iModel %s was removed from "+
			"the Terraform state only and stays in the iModel (state %q). To hide it from applications, set state = \"hidden\" "+
			"and apply before removing the resource; to manage it again, import it with the id %s/%s.",
			state.Name.ValueString(), state.ID.ValueString(), state.IModelID.ValueString(), state.State.ValueString(),
			state.IModelID.ValueString(), state.ID.ValueString()))
}

// ImportState takes "<imodel_id>/<named_version_id>", or the identity's imodel_id and id.
func (r *namedVersionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importChildState(ctx, req, resp, namedVersionImportFormat, "imodel_id")
}
