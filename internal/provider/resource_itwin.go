package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
	_ resource.ResourceWithConfigure   = &itwinResource{}
	_ resource.ResourceWithImportState = &itwinResource{}
	_ resource.ResourceWithIdentity    = &itwinResource{}
	_ resource.ResourceWithModifyPlan  = &itwinResource{}
)

// NewITwinResource returns the itwin_itwin resource.
func NewITwinResource() resource.Resource { return &itwinResource{resourceBase{typeName: "_itwin"}} }

type itwinResource struct {
	resourceBase
}

type itwinModel struct {
	ID                 types.String      `tfsdk:"id"`
	Class              types.String      `tfsdk:"class"`
	SubClass           types.String      `tfsdk:"sub_class"`
	DisplayName        types.String      `tfsdk:"display_name"`
	Number             types.String      `tfsdk:"number"`
	Type               types.String      `tfsdk:"type"`
	Status             types.String      `tfsdk:"status"`
	GeographicLocation types.String      `tfsdk:"geographic_location"`
	IanaTimeZone       types.String      `tfsdk:"iana_time_zone"`
	DataCenterLocation types.String      `tfsdk:"data_center_location"`
	ParentID           types.String      `tfsdk:"parent_id"`
	ITwinAccountID     types.String      `tfsdk:"itwin_account_id"`
	CreatedAt          timetypes.RFC3339 `tfsdk:"created_at"`
}

// itwinClasses are the classes the iTwins API knows (internal/wire/testdata/spec/api.md §9.2).
var itwinClasses = []string{"Thing", "Account", "Endeavor"}

// itwinTargets maps the API's field names in 422 details to attributes.
var itwinTargets = map[string]path.Path{
	"class": path.Root("class"), "subClass": path.Root("sub_class"), "displayName": path.Root("display_name"),
	"number": path.Root("number"), "type": path.Root("type"), "status": path.Root("status"),
	"geographicLocation": path.Root("geographic_location"), "ianaTimeZone": path.Root("iana_time_zone"),
	"dataCenterLocation": path.Root("data_center_location"), "parentId": path.Root("parent_id"),
}

func (r *itwinResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	optional := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{
			Optional:    true,
			Description: desc + " Updated in place; removing it clears the value.",
			// "" would be stored by the server as no value and read back as null: refuse it instead.
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
		}
	}
	resp.Schema = schema.Schema{
		Description: "An iTwin: the project, asset or account that owns iModels and Storage. Everything but `class` " +
			"and `sub_class` is updated in place. Destroying the resource (or replacing it) deletes the iTwin together " +
			"with all its iModels, their synchronized changesets, connections and Storage files.",
		Attributes: map[string]schema.Attribute{
			"id": computedStringAttribute("Id of the iTwin."),
			"class": schema.StringAttribute{
				Required: true,
				Description: "Class of the iTwin: `Thing`, `Account` or `Endeavor`. The API cannot change it, so changing it " +
					"replaces the iTwin (and deletes everything in it).",
				Validators:    []validator.String{stringvalidator.OneOf(itwinClasses...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"sub_class": replacingStringAttribute("Sub-class of the iTwin, for example `Asset` (class `Thing`), `Project` or `Program` (class " +
				"`Endeavor`), `Account` (class `Account`). The API cannot change it, so changing it replaces the iTwin " +
				"(and deletes everything in it)."),
			"display_name":        nameAttribute("Display name of the iTwin (1 to 255 characters). Updated in place."),
			"number":              optional("Number (code) of the iTwin, unique in the account on the iTwin Platform."),
			"type":                optional("Free-form type of the iTwin, for example `Bridge`."),
			"geographic_location": optional("Geographic location of the iTwin as free text, for example `Exton, PA`."),
			"iana_time_zone":      optional("IANA time zone of the iTwin, for example `America/New_York`."),
			"status": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(wire.ITwinStatusActive),
				Description: "Status of the iTwin: `Active` (the default), `Inactive` or `Trial`. Updated in place. Inactive " +
					"iTwins are hidden from lists unless asked for, but keep their data.",
				Validators: []validator.String{stringvalidator.OneOf(wire.ITwinStatusActive, wire.ITwinStatusInactive, wire.ITwinStatusTrial)},
			},
			"data_center_location": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Description: "Data center that stores the iTwin's data, for example `East US`. When unset, the server " +
					"chooses and the choice is recorded here. Changing it is sent to the API as an in-place update.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"parent_id": schema.StringAttribute{
				Optional: true,
				Description: "Id of the parent iTwin. When unset, the iTwin has no parent other than its account (the iTwin " +
					"Platform makes the account the parent; that parent is not recorded here). Updated in place; removing it " +
					"clears the parent.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"itwin_account_id": computedStringAttribute("Id of the account iTwin the iTwin belongs to; null when the server reports none."),
			"created_at": schema.StringAttribute{
				CustomType:    timetypes.RFC3339Type{},
				Computed:      true,
				Description:   "When the iTwin was created (RFC 3339, UTC).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *itwinResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("iTwin")
}

// ModifyPlan warns when the plan replaces an existing iTwin (a new class or sub_class): the replacement deletes
// the iTwin with every iModel in it.
func (r *itwinResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, state itwinModel
	if !loadChange(ctx, req, &plan, &state, &resp.Diagnostics) {
		return
	}
	attr := ""
	switch {
	case !plan.Class.Equal(state.Class):
		attr = "class"
	case !plan.SubClass.Equal(state.SubClass):
		attr = "sub_class"
	default:
		return
	}
	resp.Diagnostics.AddAttributeWarning(path.Root(attr), "This plan replaces the iTwin and deletes everything in it",
		fmt.Sprintf("Changing %s replaces the iTwin %s (%q): the iTwins API cannot change it, so the apply deletes the "+
			"iTwin with all its iModels, their synchronized changesets and connections, and its Storage files, then "+
			"creates an empty iTwin. If that is not intended, revert the change; to make Terraform refuse such plans, add "+
			"`lifecycle { prevent_destroy = true }` to the resource.", attr, state.ID.ValueString(), state.DisplayName.ValueString()))
}

// fill copies the API's view into the model. The model's own parent_id (the plan on create/update, the prior
// state on read) decides how an account parent is recorded, see parentIDValue.
func (m *itwinModel) fill(tw *wire.ITwin) {
	m.ID = types.StringValue(tw.ID)
	m.Class = types.StringValue(tw.Class)
	m.SubClass = types.StringValue(tw.SubClass)
	m.DisplayName = types.StringValue(tw.DisplayName)
	m.Number = stringOrNullValue(tw.Number)
	m.Type = stringOrNullValue(tw.Type)
	m.Status = stringOrNullValue(tw.Status)
	m.GeographicLocation = stringOrNullValue(tw.GeographicLocation)
	m.IanaTimeZone = stringOrNullValue(tw.IanaTimeZone)
	m.DataCenterLocation = stringOrNullValue(tw.DataCenterLocation)
	m.ParentID = parentIDValue(tw.ParentID, tw.ITwinAccountID, m.ParentID)
	m.ITwinAccountID = stringOrNullValue(tw.ITwinAccountID)
	m.CreatedAt = timestampValue(tw.CreatedDateTime)
}

// parentIDValue maps the API's parentId to the state. The iTwin Platform makes an iTwin created without a parent
// a child of its account, so a parent equal to the account is recorded as null unless the reference (plan or
// prior state) names it; that keeps an unset parent_id without a diff against either server.
func parentIDValue(parent, account string, ref types.String) types.String {
	if parent != "" && parent == account && (ref.IsNull() || ref.ValueString() != parent) {
		return types.StringNull()
	}
	return stringOrNullValue(parent)
}

func (r *itwinResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan itwinModel
	if !load(ctx, req.Plan, &plan, &resp.Diagnostics) {
		return
	}
	tw, err := r.client.CreateITwin(ctx, wire.ITwinCreate{
		Class:              plan.Class.ValueString(),
		SubClass:           plan.SubClass.ValueString(),
		DisplayName:        plan.DisplayName.ValueString(),
		Type:               plan.Type.ValueString(),
		Number:             plan.Number.ValueString(),
		ParentID:           plan.ParentID.ValueString(),
		Status:             plan.Status.ValueString(),
		DataCenterLocation: plan.DataCenterLocation.ValueString(), // "" while unknown: the server chooses
		IanaTimeZone:       plan.IanaTimeZone.ValueString(),
		GeographicLocation: plan.GeographicLocation.ValueString(),
	})
	if err != nil {
		if itwin.IsNotFound(err) && !plan.ParentID.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("parent_id"), "Parent iTwin not found",
				fmt.Sprintf("creating iTwin: the parent iTwin %q does not exist or is not visible to this client: %s", plan.ParentID.ValueString(), err))
			return
		}
		addAPIError(&resp.Diagnostics, "creating iTwin", err, itwinTargets)
		return
	}
	tflog.Info(ctx, "created iTwin", map[string]any{"id": tw.ID})
	plan.fill(tw)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, idIdentity{ID: plan.ID}, &resp.Diagnostics)
}

func (r *itwinResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readByID(ctx, req, resp, "iTwin", r.client.GetITwin, (*itwinModel).fill)
}

func (r *itwinResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state itwinModel
	if !load(ctx, req.Plan, &plan, &resp.Diagnostics) || !load(ctx, req.State, &state, &resp.Diagnostics) {
		return
	}
	setIdentity(ctx, resp.Identity, idIdentity{ID: state.ID}, &resp.Diagnostics)
	body, changed := itwinUpdateBody(plan, state)
	if !changed {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	tw, err := r.client.UpdateITwin(ctx, state.ID.ValueString(), body)
	if err != nil {
		if itwin.IsNotFound(err) {
			if !plan.ParentID.IsNull() && !plan.ParentID.Equal(state.ParentID) {
				resp.Diagnostics.AddAttributeError(path.Root("parent_id"), "Parent iTwin not found",
					fmt.Sprintf("updating iTwin %s: the new parent %q, or the iTwin itself, does not exist or is not visible to this client: %s",
						state.ID.ValueString(), plan.ParentID.ValueString(), err))
				return
			}
			resp.Diagnostics.AddError("iTwin no longer exists",
				fmt.Sprintf("updating iTwin: the iTwin %s was deleted outside Terraform (%s). Run `terraform apply` again to "+
					"create it anew, or remove it from the configuration.", state.ID.ValueString(), err))
			return
		}
		addAPIError(&resp.Diagnostics, "updating iTwin", err, itwinTargets)
		return
	}
	tflog.Info(ctx, "updated iTwin in place", map[string]any{"id": tw.ID})
	plan.fill(tw)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// itwinUpdateBody is the PATCH body of a plan: only the fields that differ from the state; optional fields that
// became unset are sent as null, which clears them.
func itwinUpdateBody(plan, state itwinModel) (wire.ITwinUpdate, bool) {
	var body wire.ITwinUpdate
	changed := false
	clearable := func(p, s types.String, dst *wire.Optional[string]) {
		if p.Equal(s) || p.IsUnknown() {
			return
		}
		changed = true
		if p.IsNull() {
			*dst = wire.Null[string]()
		} else {
			*dst = wire.Some(p.ValueString())
		}
	}
	required := func(p, s types.String, dst **string) {
		if p.Equal(s) || p.IsUnknown() || p.IsNull() {
			return
		}
		changed = true
		*dst = wire.Ptr(p.ValueString())
	}
	required(plan.DisplayName, state.DisplayName, &body.DisplayName)
	required(plan.Status, state.Status, &body.Status)
	required(plan.DataCenterLocation, state.DataCenterLocation, &body.DataCenterLocation)
	clearable(plan.Type, state.Type, &body.Type)
	clearable(plan.Number, state.Number, &body.Number)
	clearable(plan.IanaTimeZone, state.IanaTimeZone, &body.IanaTimeZone)
	clearable(plan.GeographicLocation, state.GeographicLocation, &body.GeographicLocation)
	clearable(plan.ParentID, state.ParentID, &body.ParentID)
	return body, changed
}

func (r *itwinResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	deleteByID(ctx, req, resp, "iTwin", r.client.DeleteITwin)
}

// ImportState takes the iTwin id, as a string or as the identity's id.
func (r *itwinResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importIDState(ctx, req, resp)
}
