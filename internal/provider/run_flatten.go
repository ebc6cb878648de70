package provider

// Flattening a run into Terraform values, and refreshing it: the outputs are built from typed models.

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// runStatusModel is what every run-shaped object shows, run history entries included.
type runStatusModel struct {
	State           types.String      `tfsdk:"state"`
	Result          types.String      `tfsdk:"result"`
	Phase           types.String      `tfsdk:"phase"`
	StartedAt       timetypes.RFC3339 `tfsdk:"started_at"`
	EndedAt         timetypes.RFC3339 `tfsdk:"ended_at"`
	DurationSeconds types.Float64     `tfsdk:"duration_seconds"`
	Error           types.Object      `tfsdk:"error"`
	Tasks           types.List        `tfsdk:"tasks"`
}

// runOutputsModel holds the computed run outputs; resource and data source models embed it. The attributes are
// Terraform values (not nested Go structs) because a plan holds them unknown.
type runOutputsModel struct {
	runStatusModel
	Changesets types.List `tfsdk:"changesets"`
	Reports    types.List `tfsdk:"reports"`
}

// The elements of the outputs, typed. Their attributes are runOutputFields'; flattenRun builds the values from
// these with types.ObjectValueFrom / ListValueFrom.
type (
	runErrorModel struct {
		Key         types.String `tfsdk:"key"`
		Description types.String `tfsdk:"description"`
	}
	taskModel struct {
		ID            types.String      `tfsdk:"id"`
		StorageFileID types.String      `tfsdk:"storage_file_id"`
		SourceFileID  types.String      `tfsdk:"source_file_id"`
		FileName      types.String      `tfsdk:"file_name"`
		ConnectorType types.String      `tfsdk:"connector_type"`
		State         types.String      `tfsdk:"state"`
		Result        types.String      `tfsdk:"result"`
		RetryAttempts types.Int64       `tfsdk:"retry_attempts"`
		StartedAt     timetypes.RFC3339 `tfsdk:"started_at"`
		EndedAt       timetypes.RFC3339 `tfsdk:"ended_at"`
		Error         *taskErrorModel   `tfsdk:"error"`
	}
	taskErrorModel struct {
		Code          types.String `tfsdk:"code"`
		Message       types.String `tfsdk:"message"`
		Details       types.String `tfsdk:"details"`
		Description   types.String `tfsdk:"description"`
		KbArticleLink types.String `tfsdk:"kb_article_link"`
		CanUserFix    types.Bool   `tfsdk:"can_user_fix"`
	}
	changesetModel struct {
		ID           types.String      `tfsdk:"id"`
		Index        types.Int64       `tfsdk:"index"`
		Description  types.String      `tfsdk:"description"`
		PushedAt     timetypes.RFC3339 `tfsdk:"pushed_at"`
		TaskID       types.String      `tfsdk:"task_id"`
		ChangedFiles []string          `tfsdk:"changed_files"`
	}
	reportModel struct {
		ID        types.String      `tfsdk:"id"`
		TaskID    types.String      `tfsdk:"task_id"`
		CreatedAt timetypes.RFC3339 `tfsdk:"created_at"`
	}
)

// emptyRunOutputs is the known, empty value of every output, used in partial state (unknown values must never
// reach state).
func emptyRunOutputs() runOutputsModel {
	return runOutputsModel{
		runStatusModel: runStatusModel{
			State:           types.StringNull(),
			Result:          types.StringNull(),
			Phase:           types.StringNull(),
			StartedAt:       timetypes.NewRFC3339Null(),
			EndedAt:         timetypes.NewRFC3339Null(),
			DurationSeconds: types.Float64Null(),
			Error:           types.ObjectNull(fieldAttrTypes(runErrorFields)),
			Tasks:           types.ListValueMust(objectType(taskFields), nil),
		},
		Changesets: types.ListValueMust(objectType(changesetFields), nil),
		Reports:    types.ListValueMust(objectType(reportFields), nil),
	}
}

// runSeconds is a finished run's duration in seconds, rounded to milliseconds. Built from whole milliseconds
// because Duration.Seconds() adds the fraction in binary and shows float noise (3.5540000000000003 for 3554 ms).
func runSeconds(r *wire.Run) float64 {
	return float64(r.EndDateTime.Sub(r.StartDateTime.Time).Round(time.Millisecond).Milliseconds()) / 1000
}

// runDetails is a run with everything its outputs show.
type runDetails struct {
	run        *wire.Run
	fileNames  map[string]string // task source id (storageFileId or sourceFileId) → file name
	changesets []wire.Changeset
	reports    []wire.DiagnosticReport
}

// flattenRun turns a run and its details into the output values.
func flattenRun(ctx context.Context, d runDetails) (runOutputsModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := emptyRunOutputs()
	r := d.run
	if r == nil {
		return out, diags
	}
	out.State = stringOrNullValue(r.State)
	out.Result = stringOrNullValue(r.Result)
	out.Phase = stringOrNullValue(r.Phase)
	out.StartedAt = timestampValue(r.StartDateTime)
	out.EndedAt = timestampValue(r.EndDateTime)
	if !r.StartDateTime.IsZero() && !r.EndDateTime.IsZero() {
		out.DurationSeconds = types.Float64Value(runSeconds(r))
	}
	if r.Error != nil {
		out.Error = objectFrom(ctx, runErrorFields, runErrorModel{
			Key: types.StringValue(r.Error.ErrorKey), Description: types.StringValue(itwin.RedactText(r.Error.Description)),
		}, &diags)
	}

	tasks := []taskModel{}
	for _, j := range r.Jobs {
		for _, t := range j.Tasks {
			tm := taskModel{
				ID: types.StringValue(t.ID), StorageFileID: stringOrNullValue(t.StorageFileID), SourceFileID: stringOrNullValue(t.SourceFileID),
				FileName: stringOrNullValue(d.fileNames[taskSourceID(t)]), ConnectorType: stringOrNullValue(j.ConnectorType),
				State: stringOrNullValue(t.State), Result: stringOrNullValue(t.Result), RetryAttempts: types.Int64Value(int64(t.RetryAttempts)),
				StartedAt: timestampValue(t.StartDateTime), EndedAt: timestampValue(t.EndDateTime),
			}
			if e := t.Error; e != nil {
				tm.Error = &taskErrorModel{
					Code: stringOrNullValue(e.ErrorCode), Message: redactedValue(e.Message), Details: redactedValue(e.Details),
					Description: redactedValue(e.Description), KbArticleLink: redactedValue(e.KbArticleLink), CanUserFix: types.BoolValue(e.CanUserFix),
				}
			}
			tasks = append(tasks, tm)
		}
	}
	out.Tasks = listFrom(ctx, taskFields, tasks, &diags)

	changesets := []changesetModel{}
	for _, c := range d.changesets {
		cm := changesetModel{ID: types.StringValue(c.ID), Index: types.Int64Value(int64(c.Index)), Description: types.StringValue(c.Description),
			PushedAt: timestampValue(c.PushDateTime), TaskID: types.StringNull(), ChangedFiles: []string{}}
		if si := c.SynchronizationInfo; si != nil {
			cm.TaskID = stringOrNullValue(si.TaskID)
			cm.ChangedFiles = append(cm.ChangedFiles, si.ChangedFiles...)
		}
		changesets = append(changesets, cm)
	}
	out.Changesets = listFrom(ctx, changesetFields, changesets, &diags)

	reports := []reportModel{}
	for _, rp := range d.reports {
		reports = append(reports, reportModel{ID: types.StringValue(rp.ID), TaskID: stringOrNullValue(rp.TaskID), CreatedAt: timestampValue(rp.CreatedTimeStamp)})
	}
	out.Reports = listFrom(ctx, reportFields, reports, &diags)
	return out, diags
}

// redactedValue is stringOrNullValue over server-written free text, scrubbed of secrets first: connector errors
// may quote the pre-signed URL of a manifest file, and state must never hold one (internal/itwin/redact.go).
func redactedValue(s string) types.String { return stringOrNullValue(itwin.RedactText(s)) }

// objectFrom builds an object value with the attributes of fields from a typed model.
func objectFrom(ctx context.Context, fields []outField, v any, diags *diag.Diagnostics) types.Object {
	o, d := types.ObjectValueFrom(ctx, fieldAttrTypes(fields), v)
	diags.Append(d...)
	return o
}

// listFrom builds a list of objects with the attributes of fields from a slice of typed models.
func listFrom(ctx context.Context, fields []outField, v any, diags *diag.Diagnostics) types.List {
	l, d := types.ListValueFrom(ctx, objectType(fields), v)
	diags.Append(d...)
	return l
}

// collectRunDetails adds the changesets a completed run pushed (matched on synchronizationInfo.taskId) and its
// diagnostic reports. Both are extras: a failure to read them becomes a warning, never a failed apply.
func collectRunDetails(ctx context.Context, client *itwin.Client, imodelID string, run *wire.Run, names map[string]string, diags *diag.Diagnostics) runDetails {
	d := runDetails{run: run, fileNames: names}
	if run == nil || run.State != wire.StateCompleted || imodelID == "" {
		return d
	}
	ids := runTaskIDs(run)
	if len(ids) > 0 {
		all, err := client.ListChangesets(ctx, imodelID)
		if err != nil {
			diags.AddWarning("Could not read the run's changesets",
				fmt.Sprintf("Listing the changesets of iModel %s failed, so the changesets output of run %s is empty until the next refresh: %s", imodelID, run.ID, err))
		}
		for _, cs := range all {
			if cs.SynchronizationInfo != nil && ids[cs.SynchronizationInfo.TaskID] {
				d.changesets = append(d.changesets, cs)
			}
		}
		sort.Slice(d.changesets, func(i, j int) bool { return d.changesets[i].Index < d.changesets[j].Index })
	}
	reports, err := client.GetReports(ctx, imodelID, run.ID, "")
	if err != nil {
		diags.AddWarning("Could not read the run's diagnostic reports",
			fmt.Sprintf("Listing the diagnostic reports of run %s failed, so the reports output is empty until the next refresh: %s", run.ID, err))
	}
	d.reports = reports
	return d
}

// runTaskIDs returns the ids of all tasks of the run.
func runTaskIDs(run *wire.Run) map[string]bool {
	ids := map[string]bool{}
	for _, j := range run.Jobs {
		for _, t := range j.Tasks {
			ids[t.ID] = true
		}
	}
	return ids
}

// fileNamesFromTasks recovers source id → file name from a tasks output value.
func fileNamesFromTasks(ctx context.Context, tasks types.List) map[string]string {
	names := map[string]string{}
	var models []taskModel
	if tasks.IsNull() || tasks.IsUnknown() || tasks.ElementsAs(ctx, &models, false).HasError() {
		return names
	}
	for _, t := range models {
		for _, id := range []types.String{t.StorageFileID, t.SourceFileID} {
			if !id.IsNull() && !t.FileName.IsNull() {
				names[id.ValueString()] = t.FileName.ValueString()
			}
		}
	}
	return names
}

// refreshRun re-reads a run for Read and the data sources. A run that was already Completed in prior keeps its
// changesets and reports (they cannot change any more), so a refresh of a finished run costs one GET.
func refreshRun(ctx context.Context, t runTarget, runID string, prior *runOutputsModel, names func(context.Context) map[string]string, diags *diag.Diagnostics) (runOutputsModel, error) {
	run, err := t.getRun(ctx, runID)
	if err != nil {
		return runOutputsModel{}, err
	}
	if prior != nil && prior.State.ValueString() == wire.StateCompleted && run.State == wire.StateCompleted {
		outs, dd := flattenRun(ctx, runDetails{run: run, fileNames: fileNamesFromTasks(ctx, prior.Tasks)})
		diags.Append(dd...)
		outs.Changesets, outs.Reports = prior.Changesets, prior.Reports
		return outs, nil
	}
	imodelID := ""
	if run.State == wire.StateCompleted {
		conn, err := t.getConnection(ctx)
		if err != nil {
			return runOutputsModel{}, err
		}
		imodelID = conn.IModelID
	}
	fileNames := names(ctx)
	outs, dd := flattenRun(ctx, collectRunDetails(ctx, t.client, imodelID, run, fileNames, diags))
	diags.Append(dd...)
	return outs, nil
}

// readMissingRun handles a 404 on a run resource's Read. Runs live as long as their connection, but the service
// may purge a connection's run history: removing the resource then would make the next apply start
// a run nobody asked for. So the connection decides: gone → the run is gone with it; still there → keep the state
// with the run's last known outputs and warn.
func readMissingRun(ctx context.Context, t runTarget, runID string, resp *resource.ReadResponse) {
	_, err := t.getConnection(ctx)
	switch {
	case err == nil:
		tflog.Warn(ctx, "run not found but its connection exists; keeping it in state", map[string]any{"run_id": runID, "connection_id": t.connectionID})
		resp.Diagnostics.AddWarning("Synchronization run no longer found",
			fmt.Sprintf("Run %s was not found on %s %s, although the connection still exists: the service has probably purged the "+
				"connection's run history. The resource keeps the run's last known outputs and nothing new is started; this warning "+
				"repeats at every refresh. To synchronize again, change triggers (or apply with -replace on this resource); to stop "+
				"tracking the run, remove the resource from the configuration (destroying it only forgets the run).",
				runID, t.noun(), t.connectionID))
	case itwin.IsNotFound(err):
		removeGone(ctx, resp, "synchronization run (its "+t.noun()+" "+t.connectionID+" was deleted)", runID)
	default:
		addAPIError(&resp.Diagnostics, "reading "+t.noun()+" "+t.connectionID+" (its run "+runID+" was not found)", err, nil)
	}
}
