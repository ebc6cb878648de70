package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = &syncRunsDataSource{}

// NewSyncRunsDataSource is itwin_sync_runs: a connection's run history, newest first.
func NewSyncRunsDataSource() datasource.DataSource {
	return &syncRunsDataSource{dataSourceBase{typeName: "_sync_runs"}}
}

type syncRunsDataSource struct {
	dataSourceBase
}

type syncRunsDataSourceModel struct {
	ConnectionID   types.String `tfsdk:"connection_id"`
	Limit          types.Int64  `tfsdk:"limit"`
	ConnectionKind types.String `tfsdk:"connection_kind"`
	Runs           types.List   `tfsdk:"runs"`
}

const defaultRunsLimit = 10

// runSummaryModel is one entry of the run history.
type runSummaryModel struct {
	ID types.String `tfsdk:"id"`
	runStatusModel
}

// runSummaryFields describe one history entry (runSummaryModel): the run outputs without the per-run changeset
// and report lookups, which would cost two calls per run.
var runSummaryFields = func() []outField {
	out := []outField{{name: "id", desc: "Run id.", kind: fString}}
	for _, f := range runOutputFields {
		if f.name != "changesets" && f.name != "reports" {
			out = append(out, f)
		}
	}
	return out
}()

func (d *syncRunsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dschema.Schema{
		Description: "Lists a connection's synchronization runs, newest first (run history is kept as long as the connection exists). " +
			"Use `itwin_sync_run` for the changesets and reports of one run.",
		Attributes: map[string]dschema.Attribute{
			"connection_id": dschema.StringAttribute{Required: true, Description: "Id of the storage or manifest connection.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"limit": dschema.Int64Attribute{Optional: true, Description: "Maximum number of runs to return, newest first (1 to 1000, default 10).",
				Validators: []validator.Int64{int64validator.Between(1, 1000)}},
			"connection_kind": dschema.StringAttribute{Computed: true, Description: "Kind of the connection: `storage` or `manifest`."},
			"runs": dschema.ListNestedAttribute{Computed: true, Description: "The runs, newest first.",
				NestedObject: dschema.NestedAttributeObject{Attributes: dataSourceOutputAttributes(runSummaryFields)}},
		},
	}
}

func (d *syncRunsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m syncRunsDataSourceModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	limit := defaultRunsLimit
	if !m.Limit.IsNull() {
		limit = int(m.Limit.ValueInt64())
	}
	t, _, ok := runTargetFor(ctx, d.client, m.ConnectionID.ValueString(), &resp.Diagnostics)
	if !ok {
		return
	}
	runs, err := t.listRuns(ctx, limit)
	if err != nil {
		addAPIError(&resp.Diagnostics, "listing the runs of "+t.noun()+" "+t.connectionID, err, nil)
		return
	}
	names := kindOf(t.kind).names(t.client, t.connectionID)(ctx)
	items := make([]runSummaryModel, 0, min(len(runs), limit))
	for i := range runs[:min(len(runs), limit)] {
		outs, dd := flattenRun(ctx, runDetails{run: &runs[i], fileNames: names})
		resp.Diagnostics.Append(dd...)
		items = append(items, runSummaryModel{ID: types.StringValue(runs[i].ID), runStatusModel: outs.runStatusModel})
	}
	m.Runs = listFrom(ctx, runSummaryFields, items, &resp.Diagnostics)
	m.ConnectionKind = types.StringValue(string(t.kind))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
