package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var _ datasource.DataSourceWithConfigure = &imodelDataSource{}

// NewIModelDataSource returns the itwin_imodel data source.
func NewIModelDataSource() datasource.DataSource { return &imodelDataSource{} }

type imodelDataSource struct {
	client *itwin.Client
}

type imodelDataSourceModel struct {
	ID                types.String `tfsdk:"id"`
	Name              types.String `tfsdk:"name"`
	Description       types.String `tfsdk:"description"`
	State             types.String `tfsdk:"state"`
	ITwinID           types.String `tfsdk:"itwin_id"`
	CreatedAt         types.String `tfsdk:"created_at"`
	IncludeChangesets types.Bool   `tfsdk:"include_changesets"`
	Changesets        types.List   `tfsdk:"changesets"`
}

var changesetAttrTypes = map[string]attr.Type{
	"id":            types.StringType,
	"index":         types.Int64Type,
	"description":   types.StringType,
	"pushed_at":     types.StringType,
	"changed_files": types.ListType{ElemType: types.StringType},
	"task_id":       types.StringType,
}

func (d *imodelDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_imodel"
}

func (d *imodelDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Reads an iModel by id and, on request, its changesets (the changes synchronization pushed).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Required:    true,
				Description: "Id of the iModel.",
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name":        schema.StringAttribute{Computed: true, Description: "Name of the iModel."},
			"description": schema.StringAttribute{Computed: true, Description: "Description of the iModel, when set."},
			"state":       schema.StringAttribute{Computed: true, Description: "State of the iModel: `initialized` or `notInitialized`."},
			"itwin_id":    schema.StringAttribute{Computed: true, Description: "Id of the iTwin that owns the iModel."},
			"created_at":  schema.StringAttribute{Computed: true, Description: "When the iModel was created (RFC 3339, UTC)."},
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
						"pushed_at":   schema.StringAttribute{Computed: true, Description: "When the changeset was pushed (RFC 3339, UTC)."},
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

func (d *imodelDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *imodelDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m imodelDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	im, err := d.client.GetIModel(ctx, m.ID.ValueString())
	if err != nil {
		if itwin.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "iModel not found",
				"reading iModel: no iModel "+m.ID.ValueString()+" is visible to this client: "+err.Error())
			return
		}
		addAPIError(&resp.Diagnostics, "reading iModel", err, nil)
		return
	}
	name := im.Name
	if name == "" {
		name = im.DisplayName
	}
	m.Name = types.StringValue(name)
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
