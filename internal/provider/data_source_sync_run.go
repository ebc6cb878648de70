package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var _ datasource.DataSourceWithConfigure = &syncRunDataSource{}

// NewSyncRunDataSource is itwin_sync_run: one run of a connection of either kind, by id or the latest.
func NewSyncRunDataSource() datasource.DataSource {
	return &syncRunDataSource{dataSourceBase{typeName: "_sync_run"}}
}

type syncRunDataSource struct {
	dataSourceBase
}

type syncRunDataSourceModel struct {
	ConnectionID   types.String `tfsdk:"connection_id"`
	RunID          types.String `tfsdk:"run_id"`
	ID             types.String `tfsdk:"id"`
	ConnectionKind types.String `tfsdk:"connection_kind"`
	runOutputsModel
}

func (d *syncRunDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := dataSourceOutputAttributes(runOutputFields)
	attrs["connection_id"] = dschema.StringAttribute{Required: true, Description: "Id of the storage or manifest connection.",
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
	attrs["run_id"] = dschema.StringAttribute{Optional: true, Description: "Id of the run. When omitted, the connection's latest run is read.",
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
	attrs["id"] = dschema.StringAttribute{Computed: true, Description: "Id of the run that was read."}
	attrs["connection_kind"] = dschema.StringAttribute{Computed: true, Description: "Kind of the connection: `storage` or `manifest`."}
	resp.Schema = dschema.Schema{
		Description: "Reads one synchronization run — a given run or the connection's latest — with its tasks, the changesets it pushed " +
			"and its diagnostic report ids. Useful to follow a run started with `wait = false` or by the `itwin_sync_run` action.",
		Attributes: attrs,
	}
}

// runTargetFor reads a connection of either kind and returns the run target for it.
func runTargetFor(ctx context.Context, client *itwin.Client, connID string, diags *diag.Diagnostics) (runTarget, *wire.Connection, bool) {
	conn, kind, err := client.GetConnection(ctx, connID)
	if err != nil {
		if itwin.IsNotFound(err) {
			diags.AddAttributeError(pathConnectionID, "Connection not found",
				fmt.Sprintf("No storage or manifest connection %q exists (or the provider's credentials cannot see it).", connID))
		} else {
			addAPIError(diags, "reading connection "+connID, err, nil)
		}
		return runTarget{}, nil, false
	}
	return runTarget{client: client, kind: kind, connectionID: connID}, conn, true
}

func (d *syncRunDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m syncRunDataSourceModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	connID := m.ConnectionID.ValueString()
	t, conn, ok := runTargetFor(ctx, d.client, connID, &resp.Diagnostics)
	if !ok {
		return
	}
	runID := m.RunID.ValueString()
	if runID == "" {
		runID = conn.LastRunID()
		if runID == "" {
			resp.Diagnostics.AddAttributeError(pathConnectionID, "Connection has no runs",
				fmt.Sprintf("The %s %s has not run yet, so there is no latest run to read.", t.noun(), connID))
			return
		}
	}
	outs, err := refreshRun(ctx, t, runID, nil, kindOf(t.kind).names(t.client, t.connectionID), &resp.Diagnostics)
	if err != nil {
		if itwin.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("run_id"), "Run not found",
				fmt.Sprintf("The %s %s has no run %q.", t.noun(), connID, runID))
			return
		}
		addAPIError(&resp.Diagnostics, "reading synchronization run "+runID, err, nil)
		return
	}
	m.ID = types.StringValue(runID)
	m.ConnectionKind = types.StringValue(string(t.kind))
	m.runOutputsModel = outs
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
