package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ datasource.DataSourceWithConfigure        = &imodelDataSource{}
	_ datasource.DataSourceWithConfigValidators = &imodelDataSource{}
)

// NewIModelDataSource returns the itwin_imodel data source.
func NewIModelDataSource() datasource.DataSource {
	return &imodelDataSource{dataSourceBase{typeName: "_imodel"}}
}

type imodelDataSource struct {
	dataSourceBase
}

type imodelDataSourceModel struct {
	ID                types.String      `tfsdk:"id"`
	Name              types.String      `tfsdk:"name"`
	Description       types.String      `tfsdk:"description"`
	State             types.String      `tfsdk:"state"`
	ITwinID           types.String      `tfsdk:"itwin_id"`
	CreatedAt         timetypes.RFC3339 `tfsdk:"created_at"`
	IncludeChangesets types.Bool        `tfsdk:"include_changesets"`
	Changesets        types.List        `tfsdk:"changesets"`
}

var changesetAttrTypes = map[string]attr.Type{
	"id":            types.StringType,
	"index":         types.Int64Type,
	"description":   types.StringType,
	"pushed_at":     timetypes.RFC3339Type{},
	"changed_files": types.ListType{ElemType: types.StringType},
	"task_id":       types.StringType,
}

func (d *imodelDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Reads an iModel by id, or finds it by its exact name within an iTwin, and on request reads its " +
			"changesets (the changes synchronization pushed). Finding no iModel with the name is an error.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Description: "Id of the iModel. Set either `id`, or `name` with `itwin_id`.",
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Description: "Name of the iModel; to find the iModel, its exact name within `itwin_id`.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.AlsoRequires(path.MatchRoot("itwin_id")),
				},
			},
			"itwin_id": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Description: "Id of the iTwin that owns the iModel; required with `name`. With `id`, it is checked when set.",
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"description": schema.StringAttribute{Computed: true, Description: "Description of the iModel, when set."},
			"state":       schema.StringAttribute{Computed: true, Description: "State of the iModel: `initialized` or `notInitialized`."},
			"created_at":  schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, Description: "When the iModel was created (RFC 3339, UTC)."},
			"include_changesets": schema.BoolAttribute{
				Optional:    true,
				Description: "Also read the iModel's changesets into `changesets` (default `false`; large iModels have many).",
			},
			"changesets": schema.ListNestedAttribute{
				Computed:    true,
				Description: "The iModel's changesets in ascending index order; null unless `include_changesets = true`.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":          schema.StringAttribute{Computed: true, Description: "Id of the changeset (40 hex digits)."},
						"index":       schema.Int64Attribute{Computed: true, Description: "Index of the changeset; increases with every push."},
						"description": schema.StringAttribute{Computed: true, Description: "Description the pushing application gave."},
						"pushed_at":   schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, Description: "When the changeset was pushed (RFC 3339, UTC)."},
						"changed_files": schema.ListAttribute{
							Computed:    true,
							ElementType: types.StringType,
							Description: "Names of the source files whose synchronization produced the changeset; null when no synchronization task pushed it.",
						},
						"task_id": schema.StringAttribute{Computed: true, Description: "Id of the synchronization task that pushed the changeset, when one did."},
					},
				},
			},
		},
	}
}

func (d *imodelDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *imodelDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m imodelDataSourceModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	var im *wire.IModel
	if !m.Name.IsNull() {
		im = d.findByName(ctx, m.ITwinID.ValueString(), m.Name.ValueString(), &resp.Diagnostics)
	} else {
		var err error
		im, err = d.client.GetIModel(ctx, m.ID.ValueString())
		switch {
		case itwin.IsNotFound(err):
			resp.Diagnostics.AddAttributeError(path.Root("id"), "iModel not found",
				"reading iModel: no iModel "+m.ID.ValueString()+" is visible to this client: "+err.Error())
			return
		case err != nil:
			addAPIError(&resp.Diagnostics, "reading iModel", err, nil)
			return
		case !m.ITwinID.IsNull() && !strings.EqualFold(m.ITwinID.ValueString(), im.ITwinID):
			resp.Diagnostics.AddAttributeError(path.Root("itwin_id"), "iModel belongs to another iTwin",
				fmt.Sprintf("The iModel %s (%q) belongs to the iTwin %s, not to %s.", im.ID, im.Name, im.ITwinID, m.ITwinID.ValueString()))
			return
		}
	}
	if im == nil {
		return
	}
	m.ID = types.StringValue(im.ID)
	m.Name = types.StringValue(imodelName(im))
	m.Description = stringOrNullValue(im.Description)
	m.State = types.StringValue(im.State)
	m.ITwinID = types.StringValue(im.ITwinID)
	m.CreatedAt = timestampValue(im.CreatedDateTime)
	m.Changesets = types.ListNull(types.ObjectType{AttrTypes: changesetAttrTypes})
	if m.IncludeChangesets.ValueBool() {
		list, err := d.client.ListChangesets(ctx, im.ID)
		if err != nil {
			addAPIError(&resp.Diagnostics, "listing the iModel's changesets", err, nil)
			return
		}
		m.Changesets = changesetsValue(list)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// findByName lists the iTwin's iModels with the exact-name filter and returns the single match; none or several
// is an error on name (an unknown iTwin, on itwin_id).
func (d *imodelDataSource) findByName(ctx context.Context, itwinID, name string, diags *diag.Diagnostics) *wire.IModel {
	list, err := d.client.ListIModels(ctx, itwinID, itwin.IModelListOptions{Name: name})
	if err != nil {
		if itwin.IsNotFound(err) {
			diags.AddAttributeError(path.Root("itwin_id"), "iTwin not found",
				fmt.Sprintf("listing iModels: the iTwin %q does not exist or is not visible to this client: %s", itwinID, err))
			return nil
		}
		addAPIError(diags, fmt.Sprintf("listing the iModels of iTwin %s", itwinID), err, nil)
		return nil
	}
	matches := exactMatches(list, func(m wire.IModel) string { return imodelName(&m) }, name)
	switch len(matches) {
	case 1:
		return &matches[0]
	case 0:
		diags.AddAttributeError(path.Root("name"), "iModel not found",
			fmt.Sprintf("The iTwin %s has no iModel named %q (or none visible to this client).", itwinID, name))
	default:
		diags.AddAttributeError(path.Root("name"), "Several iModels match",
			fmt.Sprintf("%d iModels of the iTwin %s are named %q: %s. Use `id` to choose one.", len(matches), itwinID, name,
				describeMatches(matches, func(m wire.IModel) string { return m.ID }, func(m wire.IModel) string { return imodelName(&m) })))
	}
	return nil
}

// imodelName is the iModel's name; servers that send only displayName have it there.
func imodelName(im *wire.IModel) string {
	if im.Name == "" {
		return im.DisplayName
	}
	return im.Name
}

// changesetsValue converts changesets (index ascending, as ListChangesets returns them) to the list attribute.
func changesetsValue(list []wire.Changeset) types.List {
	elemType := types.ObjectType{AttrTypes: changesetAttrTypes}
	elems := make([]attr.Value, 0, len(list))
	for _, c := range list {
		files := types.ListNull(types.StringType)
		taskID := types.StringNull()
		if c.SynchronizationInfo != nil {
			taskID = stringOrNullValue(c.SynchronizationInfo.TaskID)
			if c.SynchronizationInfo.ChangedFiles != nil {
				vals := make([]attr.Value, len(c.SynchronizationInfo.ChangedFiles))
				for i, f := range c.SynchronizationInfo.ChangedFiles {
					vals[i] = types.StringValue(f)
				}
				files = types.ListValueMust(types.StringType, vals)
			}
		}
		elems = append(elems, types.ObjectValueMust(changesetAttrTypes, map[string]attr.Value{
			"id":            types.StringValue(c.ID),
			"index":         types.Int64Value(int64(c.Index)),
			"description":   types.StringValue(c.Description),
			"pushed_at":     timestampValue(c.PushDateTime),
			"changed_files": files,
			"task_id":       taskID,
		}))
	}
	return types.ListValueMust(elemType, elems)
}
