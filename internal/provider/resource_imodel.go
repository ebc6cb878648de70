package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
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

var (
	_ resource.ResourceWithConfigure   = &imodelResource{}
	_ resource.ResourceWithImportState = &imodelResource{}
	_ resource.ResourceWithIdentity    = &imodelResource{}
	_ resource.ResourceWithModifyPlan  = &imodelResource{}
)

const defaultIModelCreateTimeout = 10 * time.Minute

// NewIModelResource returns the itwin_imodel resource.
func NewIModelResource() resource.Resource { return &imodelResource{resourceBase{typeName: "_imodel"}} }

type imodelResource struct {
	resourceBase
}

type imodelModel struct {
	ID          types.String      `tfsdk:"id"`
	ITwinID     types.String      `tfsdk:"itwin_id"`
	Name        types.String      `tfsdk:"name"`
	Description types.String      `tfsdk:"description"`
	Extent      types.Object      `tfsdk:"extent"`
	State       types.String      `tfsdk:"state"`
	CreatedAt   timetypes.RFC3339 `tfsdk:"created_at"`
	Timeouts    timeouts.Value    `tfsdk:"timeouts"`
}

var geoPointAttrTypes = map[string]attr.Type{"latitude": types.Float64Type, "longitude": types.Float64Type}

var extentAttrTypes = map[string]attr.Type{
	"south_west": types.ObjectType{AttrTypes: geoPointAttrTypes},
	"north_east": types.ObjectType{AttrTypes: geoPointAttrTypes},
}

func geoPointSchema(corner string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Required:    true,
		Description: "The " + corner + " corner of the extent.",
		Attributes: map[string]schema.Attribute{
			"latitude": schema.Float64Attribute{
				Required:    true,
				Description: "Latitude in degrees (-90 to 90).",
				Validators:  []validator.Float64{float64validator.Between(-90, 90)},
			},
			"longitude": schema.Float64Attribute{
				Required:    true,
				Description: "Longitude in degrees (-180 to 180).",
				Validators:  []validator.Float64{float64validator.Between(-180, 180)},
			},
		},
	}
}

func (r *imodelResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "An empty iModel in an iTwin, ready to receive synchronized changesets. `name`, `description` and " +
			"`extent` are updated in place (the iModel keeps its id and every changeset); only a new `itwin_id` replaces " +
			"the iModel, which deletes it with its data. Creation waits until the iModel is initialized. Destroying the " +
			"resource deletes the iModel together with its connections and runs.",
		Attributes: map[string]schema.Attribute{
			"id": computedStringAttribute("Id of the iModel."),
			"itwin_id": replacingStringAttribute("Id of the iTwin that owns the iModel. Changing it replaces the iModel: an iModel cannot move " +
				"between iTwins, so the old one is deleted with every changeset synchronized into it."),
			"name": nameAttribute("Name of the iModel, unique within the iTwin. Changing it renames the iModel in place; its " +
				"id, changesets, connections and runs are kept."),
			"description": schema.StringAttribute{
				Optional: true,
				Description: "Description of the iModel. Updated in place; removing it clears the description. Unset and " +
					"`\"\"` mean the same to the API.",
			},
			"extent": schema.SingleNestedAttribute{
				Optional:    true,
				Description: "Geographic extent of the iModel. Updated in place; removing it clears the extent.",
				Attributes: map[string]schema.Attribute{
					"south_west": geoPointSchema("south-west"),
					"north_east": geoPointSchema("north-east"),
				},
			},
			"state": computedStringAttribute("State of the iModel (`initialized` once it can be used)."),
			"created_at": schema.StringAttribute{
				CustomType:    timetypes.RFC3339Type{},
				Computed:      true,
				Description:   "When the iModel was created (RFC 3339, UTC).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{
				Create:            true,
				CreateDescription: "How long to wait for the new iModel to be initialized, as a Go duration (default `10m`).",
			}),
		},
	}
}

func (r *imodelResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("iModel")
}

// ModifyPlan warns when the plan replaces an existing iModel (a new itwin_id; everything else is updated in
// place): the replacement deletes it with every synchronized changeset, and the plan's "must be replaced" is easy
// to overlook.
func (r *imodelResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, state imodelModel
	if !loadChange(ctx, req, &plan, &state, &resp.Diagnostics) || plan.ITwinID.Equal(state.ITwinID) {
		return
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("itwin_id"), "This plan replaces the iModel and deletes its data",
		fmt.Sprintf("Changing itwin_id replaces the iModel %s (%q): an iModel cannot move to another iTwin, so the apply "+
			"deletes it, with every changeset synchronized into it and its connections and runs, and creates an empty one "+
			"in the new iTwin. If that is not intended, revert the change; to make Terraform refuse such plans, add "+
			"`lifecycle { prevent_destroy = true }` to the resource.", state.ID.ValueString(), state.Name.ValueString()))
}

// fillFrom copies the API's view into the model, leaving timeouts alone.
func (m *imodelModel) fillFrom(im *wire.IModel) {
	m.ID = types.StringValue(im.ID)
	m.ITwinID = types.StringValue(im.ITwinID)
	m.Name = types.StringValue(imodelName(im))
	m.Description = descriptionValue(im.Description, m.Description)
	m.State = types.StringValue(im.State)
	m.CreatedAt = timestampValue(im.CreatedDateTime)
	m.Extent = extentValue(im.Extent)
}

func geoPointValue(p wire.GeoPoint) types.Object {
	return types.ObjectValueMust(geoPointAttrTypes, map[string]attr.Value{
		"latitude":  types.Float64Value(p.Latitude),
		"longitude": types.Float64Value(p.Longitude),
	})
}

func extentValue(e *wire.Extent) types.Object {
	if e == nil {
		return types.ObjectNull(extentAttrTypes)
	}
	return types.ObjectValueMust(extentAttrTypes, map[string]attr.Value{
		"south_west": geoPointValue(e.SouthWest),
		"north_east": geoPointValue(e.NorthEast),
	})
}

type geoPointModel struct {
	Latitude  types.Float64 `tfsdk:"latitude"`
	Longitude types.Float64 `tfsdk:"longitude"`
}

type extentModel struct {
	SouthWest geoPointModel `tfsdk:"south_west"`
	NorthEast geoPointModel `tfsdk:"north_east"`
}

func (r *imodelResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan imodelModel
	if !load(ctx, req.Plan, &plan, &resp.Diagnostics) {
		return
	}
	createTimeout, d := plan.Timeouts.Create(ctx, defaultIModelCreateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.clock.WithTimeout(ctx, createTimeout)
	defer cancel()

	body := wire.IModelCreate{
		ITwinID:      plan.ITwinID.ValueString(),
		Name:         plan.Name.ValueString(),
		Description:  plan.Description.ValueString(),
		CreationMode: "empty",
	}
	ext, d := extentFromObject(ctx, plan.Extent)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	body.Extent = ext
	im, err := r.client.CreateIModel(ctx, body)
	if err != nil {
		switch {
		case itwin.IsConflict(err):
			resp.Diagnostics.AddAttributeError(path.Root("name"), "iModel already exists",
				fmt.Sprintf("The iTwin %s already has an iModel named %q (%s). Choose another name, or bring the existing iModel under Terraform with `terraform import <address> <imodel id>`.",
					plan.ITwinID.ValueString(), plan.Name.ValueString(), err))
		case itwin.IsNotFound(err):
			resp.Diagnostics.AddAttributeError(path.Root("itwin_id"), "iTwin not found",
				fmt.Sprintf("creating iModel: the iTwin %q does not exist or is not visible to this client: %s", plan.ITwinID.ValueString(), err))
		default:
			addAPIError(&resp.Diagnostics, "creating iModel", err, map[string]path.Path{
				"name": path.Root("name"), "iTwinId": path.Root("itwin_id"), "description": path.Root("description"), "extent": path.Root("extent"),
			})
		}
		return
	}
	tflog.Info(ctx, "created iModel", map[string]any{"id": im.ID, "state": im.State})
	// Record the id at once: if the wait below fails, Terraform taints the resource instead of orphaning it.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), im.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("itwin_id"), plan.ITwinID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), plan.Name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("timeouts"), plan.Timeouts)...)
	setIdentity(ctx, resp.Identity, idIdentity{ID: types.StringValue(im.ID)}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	if im.State != wire.IModelStateInitialized {
		id := im.ID
		im, err = waitIModelInitialized(ctx, func(ctx context.Context) (*wire.IModel, error) {
			return r.client.GetIModel(ctx, id)
		}, r.clock.Sleep, imodelPollMin, imodelPollMax)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				resp.Diagnostics.AddError("Timed out waiting for the iModel",
					fmt.Sprintf("The iModel %s was created but is not initialized after %s (timeouts.create). It stays in the state as tainted; the next apply replaces it. %s", id, createTimeout, err))
				return
			}
			addAPIError(&resp.Diagnostics, "waiting for the iModel to be initialized", err, nil)
			return
		}
	}
	plan.fillFrom(im)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *imodelResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readByID(ctx, req, resp, "iModel", r.client.GetIModel, (*imodelModel).fillFrom)
}

// Update renames the iModel or changes its description or extent in place (PATCH), sending only what changed.
// A change between an unset description and "" (the same to the API), or of timeouts alone, needs no call.
func (r *imodelResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state imodelModel
	if !load(ctx, req.Plan, &plan, &resp.Diagnostics) || !load(ctx, req.State, &state, &resp.Diagnostics) {
		return
	}
	setIdentity(ctx, resp.Identity, idIdentity{ID: state.ID}, &resp.Diagnostics)
	body, changed, d := imodelUpdateBody(ctx, plan, state)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if changed {
		im, err := r.client.UpdateIModel(ctx, state.ID.ValueString(), body)
		if err != nil {
			switch {
			case itwin.IsConflict(err):
				resp.Diagnostics.AddAttributeError(path.Root("name"), "iModel name already taken",
					fmt.Sprintf("Cannot rename the iModel %s to %q: the iTwin %s already has an iModel with that name (%s). "+
						"The iModel keeps its name %q. Choose another name, or rename or delete the other iModel first.",
						state.ID.ValueString(), plan.Name.ValueString(), state.ITwinID.ValueString(), err, state.Name.ValueString()))
			case itwin.IsNotFound(err):
				resp.Diagnostics.AddError("iModel no longer exists",
					fmt.Sprintf("updating iModel: the iModel %s was deleted outside Terraform (%s). Run `terraform apply` again "+
						"to create it anew, or remove it from the configuration.", state.ID.ValueString(), err))
			default:
				addAPIError(&resp.Diagnostics, "updating iModel", err, map[string]path.Path{
					"name": path.Root("name"), "description": path.Root("description"), "extent": path.Root("extent"),
				})
			}
			return
		}
		tflog.Info(ctx, "updated iModel in place", map[string]any{"id": im.ID})
		plan.fillFrom(im)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// imodelUpdateBody is the PATCH body of a plan: only the fields that differ from the state. A description going
// to unset or "" and an extent going to unset are sent as null, which clears them.
func imodelUpdateBody(ctx context.Context, plan, state imodelModel) (wire.IModelUpdate, bool, diag.Diagnostics) {
	var body wire.IModelUpdate
	var diags diag.Diagnostics
	changed := false
	if !plan.Name.Equal(state.Name) {
		body.Name = wire.Ptr(plan.Name.ValueString())
		changed = true
	}
	if want := plan.Description.ValueString(); want != state.Description.ValueString() {
		body.Description = someOrNull(want)
		changed = true
	}
	if !plan.Extent.Equal(state.Extent) {
		ext, d := extentFromObject(ctx, plan.Extent)
		diags.Append(d...)
		if ext == nil {
			body.Extent = wire.Null[wire.Extent]()
		} else {
			body.Extent = wire.Some(*ext)
		}
		changed = true
	}
	return body, changed, diags
}

// extentFromObject converts the extent attribute to the wire value; nil when it is unset.
func extentFromObject(ctx context.Context, o types.Object) (*wire.Extent, diag.Diagnostics) {
	if o.IsNull() || o.IsUnknown() {
		return nil, nil
	}
	var e extentModel
	diags := o.As(ctx, &e, basetypes.ObjectAsOptions{})
	if diags.HasError() {
		return nil, diags
	}
	return &wire.Extent{
		SouthWest: wire.GeoPoint{Latitude: e.SouthWest.Latitude.ValueFloat64(), Longitude: e.SouthWest.Longitude.ValueFloat64()},
		NorthEast: wire.GeoPoint{Latitude: e.NorthEast.Latitude.ValueFloat64(), Longitude: e.NorthEast.Longitude.ValueFloat64()},
	}, nil
}

func (r *imodelResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	deleteByID(ctx, req, resp, "iModel", r.client.DeleteIModel)
}

// ImportState takes the iModel id, as a string or as the identity's id.
func (r *imodelResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importIDState(ctx, req, resp)
}
