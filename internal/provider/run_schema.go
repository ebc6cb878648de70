package provider

// The Terraform shape of a run: its outputs are described once (runOutputFields) and rendered into resource and
// data source schemas and attribute types, so the run resources, the data sources and the flattening agree.

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

type fieldKind int

const (
	fString fieldKind = iota
	fInt
	fFloat
	fBool
	fStringList
	fObject
	fObjectList
	fTime // an RFC 3339 string (timetypes.RFC3339)
)

type outField struct {
	name, desc string
	kind       fieldKind
	fields     []outField // fObject, fObjectList
}

func (f outField) fieldName() string { return f.name }

// describedField is a field of a schema DSL (outField here, inField in manifest_body.go).
type describedField interface{ fieldName() string }

// attributesOf renders fields into an attribute (or attribute type) map, keyed by field name.
func attributesOf[F describedField, A any](fields []F, render func(F) A) map[string]A {
	out := make(map[string]A, len(fields))
	for _, f := range fields {
		out[f.fieldName()] = render(f)
	}
	return out
}

// runOutputFields are the computed attributes every run-shaped object has (id excluded: resources and data
// sources describe it differently).
var runOutputFields = []outField{
	{name: "state", desc: "Run state: `NotStarted`, `Queued`, `WaitingToExecute`, `Executing`, `WaitingToRetry`, `Finalizing` or `Completed` (the only terminal state).", kind: fString},
	{name: "result", desc: "Run result: `Undetermined` until the run is completed, then `Success`, `PartialSuccess`, `Error`, `Skipped`, `Cancelled` or `TimedOut`.", kind: fString},
	{name: "phase", desc: "Last phase the run reached (`Preprocessor`, `MasterFile`, `ReferenceFile`); null before it executes.", kind: fString},
	{name: "started_at", desc: "When the run was accepted (RFC 3339).", kind: fTime},
	{name: "ended_at", desc: "When the run completed (RFC 3339); null while it is active.", kind: fTime},
	{name: "duration_seconds", desc: "Seconds from start to end, rounded to the millisecond; null while the run is active.", kind: fFloat},
	{name: "error", desc: "Run-level failure (for example `UserNotAuthenticated`); null when the run did not fail as a whole.", kind: fObject, fields: runErrorFields},
	{name: "tasks", desc: "One entry per processed source file: file, connector, state, result, retries and error.", kind: fObjectList, fields: taskFields},
	{name: "changesets", desc: "Changesets the run pushed to the iModel (matched on the task ids), in index order. Empty when nothing changed.", kind: fObjectList, fields: changesetFields},
	{name: "reports", desc: "Diagnostic reports of the run. Only ids are kept: the report download URLs are pre-signed and never stored in state; list them with `GET /synchronization/reports?imodelId=…&runId=…` when needed.", kind: fObjectList, fields: reportFields},
}

var runErrorFields = []outField{
	{name: "key", desc: "Error key of the run-level failure, e.g. `UserNotAuthenticated`.", kind: fString},
	{name: "description", desc: "Description of the run-level failure.", kind: fString},
}

var taskErrorFields = []outField{
	{name: "code", desc: "Error code, e.g. `TAE_PARSE_ERROR`.", kind: fString},
	{name: "message", desc: "Short error message.", kind: fString},
	{name: "details", desc: "Technical details.", kind: fString},
	{name: "description", desc: "What the user can do about the error.", kind: fString},
	{name: "kb_article_link", desc: "Knowledge base article about the error; null when the server gives none.", kind: fString},
	{name: "can_user_fix", desc: "Whether the service says the user can fix the error, in the source file or in how it is mapped (its connector type).", kind: fBool},
}

var taskFields = []outField{
	{name: "id", desc: "Task id. Changesets the task pushed carry it as `synchronizationInfo.taskId`.", kind: fString},
	{name: "storage_file_id", desc: "Storage file the task processed (storage connections); null otherwise.", kind: fString},
	{name: "source_file_id", desc: "External document id the task processed (manifest connections); null otherwise.", kind: fString},
	{name: "file_name", desc: "Name of the processed file, when known.", kind: fString},
	{name: "connector_type", desc: "Connector type of the task's job.", kind: fString},
	{name: "state", desc: "Task state (`NotStarted` … `Completed`).", kind: fString},
	{name: "result", desc: "Task result (`Undetermined` until completed, then `Success`, `Error`, …).", kind: fString},
	{name: "retry_attempts", desc: "How many times the task was retried after a transient failure (0 to 2).", kind: fInt},
	{name: "started_at", desc: "When the task started (RFC 3339), if it did.", kind: fTime},
	{name: "ended_at", desc: "When the task ended (RFC 3339), if it did.", kind: fTime},
	{name: "error", desc: "Why the task failed or is retrying; null when it did not fail.", kind: fObject, fields: taskErrorFields},
}

var changesetFields = []outField{
	{name: "id", desc: "Changeset id (40 hex digits).", kind: fString},
	{name: "index", desc: "Changeset index in the iModel.", kind: fInt},
	{name: "description", desc: "Changeset description.", kind: fString},
	{name: "pushed_at", desc: "When the changeset was pushed (RFC 3339).", kind: fTime},
	{name: "task_id", desc: "Id of the task that pushed the changeset.", kind: fString},
	{name: "changed_files", desc: "Names of the files whose changes the changeset carries.", kind: fStringList},
}

var reportFields = []outField{
	{name: "id", desc: "Report id.", kind: fString},
	{name: "task_id", desc: "Task the report is about.", kind: fString},
	{name: "created_at", desc: "When the report was written (RFC 3339).", kind: fTime},
}

func (f outField) attrType() attr.Type {
	switch f.kind {
	case fInt:
		return types.Int64Type
	case fFloat:
		return types.Float64Type
	case fBool:
		return types.BoolType
	case fStringList:
		return types.ListType{ElemType: types.StringType}
	case fObject:
		return types.ObjectType{AttrTypes: fieldAttrTypes(f.fields)}
	case fObjectList:
		return types.ListType{ElemType: types.ObjectType{AttrTypes: fieldAttrTypes(f.fields)}}
	case fTime:
		return timetypes.RFC3339Type{}
	default:
		return types.StringType
	}
}

// objectType is the object type whose attributes are fields.
func objectType(fields []outField) types.ObjectType {
	return types.ObjectType{AttrTypes: fieldAttrTypes(fields)}
}

func fieldAttrTypes(fields []outField) map[string]attr.Type {
	return attributesOf(fields, outField.attrType)
}

// resourceOutputAttributes renders the run outputs as computed resource attributes. Top-level outputs keep
// their state when no run starts (UseStateForUnknown on the whole value, never on nested children); when a
// run starts Terraform plans a create, where everything is unknown.
func resourceOutputAttributes() map[string]rschema.Attribute {
	return resourceOutAttrs(runOutputFields, true)
}

func resourceOutAttrs(fields []outField, top bool) map[string]rschema.Attribute {
	return attributesOf(fields, func(f outField) rschema.Attribute { return resourceOutAttr(f, top) })
}

// keepIfTop is the UseStateForUnknown plan modifier m of a top-level output, none for a nested one.
func keepIfTop[T any](top bool, m T) []T {
	if !top {
		return nil
	}
	return []T{m}
}

func resourceOutAttr(f outField, top bool) rschema.Attribute {
	switch f.kind {
	case fInt:
		return rschema.Int64Attribute{Computed: true, Description: f.desc,
			PlanModifiers: keepIfTop(top, int64planmodifier.UseStateForUnknown())}
	case fFloat:
		return rschema.Float64Attribute{Computed: true, Description: f.desc,
			PlanModifiers: keepIfTop(top, float64planmodifier.UseStateForUnknown())}
	case fBool:
		return rschema.BoolAttribute{Computed: true, Description: f.desc}
	case fStringList:
		return rschema.ListAttribute{Computed: true, Description: f.desc, ElementType: types.StringType}
	case fObject:
		return rschema.SingleNestedAttribute{Computed: true, Description: f.desc, Attributes: resourceOutAttrs(f.fields, false),
			PlanModifiers: keepIfTop(top, objectplanmodifier.UseStateForUnknown())}
	case fObjectList:
		return rschema.ListNestedAttribute{Computed: true, Description: f.desc,
			NestedObject:  rschema.NestedAttributeObject{Attributes: resourceOutAttrs(f.fields, false)},
			PlanModifiers: keepIfTop(top, listplanmodifier.UseStateForUnknown())}
	default:
		a := rschema.StringAttribute{Computed: true, Description: f.desc,
			PlanModifiers: keepIfTop(top, stringplanmodifier.UseStateForUnknown())}
		if f.kind == fTime {
			a.CustomType = timetypes.RFC3339Type{}
		}
		return a
	}
}

// dataSourceOutputAttributes renders the run outputs as computed data source attributes.
func dataSourceOutputAttributes(fields []outField) map[string]dschema.Attribute {
	return attributesOf(fields, dataSourceOutAttr)
}

func dataSourceOutAttr(f outField) dschema.Attribute {
	switch f.kind {
	case fInt:
		return dschema.Int64Attribute{Computed: true, Description: f.desc}
	case fFloat:
		return dschema.Float64Attribute{Computed: true, Description: f.desc}
	case fBool:
		return dschema.BoolAttribute{Computed: true, Description: f.desc}
	case fStringList:
		return dschema.ListAttribute{Computed: true, Description: f.desc, ElementType: types.StringType}
	case fObject:
		return dschema.SingleNestedAttribute{Computed: true, Description: f.desc, Attributes: dataSourceOutputAttributes(f.fields)}
	case fObjectList:
		return dschema.ListNestedAttribute{Computed: true, Description: f.desc,
			NestedObject: dschema.NestedAttributeObject{Attributes: dataSourceOutputAttributes(f.fields)}}
	case fTime:
		return dschema.StringAttribute{Computed: true, Description: f.desc, CustomType: timetypes.RFC3339Type{}}
	default:
		return dschema.StringAttribute{Computed: true, Description: f.desc}
	}
}

// runResourceAttributes are the attributes both run resources share: id, the re-run triggers and the local wait
// settings. Only connection_id and triggers start a new run; wait, allowed_results and timeouts change locally.
func runResourceAttributes(ctx context.Context) map[string]rschema.Attribute {
	attrs := resourceOutputAttributes()
	attrs["id"] = computedStringAttribute("Id of the run this resource started.")
	attrs["connection_id"] = connectionIDAttribute("Id of the connection to run. Changing it starts a new run.")
	attrs["triggers"] = rschema.MapAttribute{
		Optional:    true,
		ElementType: types.StringType,
		Description: "Arbitrary values; changing any of them starts a new run. Key it on what should re-synchronize, e.g. the `source_hash` of uploaded files. " +
			"After an import the API cannot tell the triggers, so the first apply records the configured ones without starting a run.",
		PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplaceIf(triggersReplaceUnlessImported,
			"Changing triggers starts a new run, except on a freshly imported run, whose configured triggers are adopted in place.",
			"Changing triggers starts a new run, except on a freshly imported run, whose configured triggers are adopted in place.")},
	}
	attrs["wait"] = rschema.BoolAttribute{
		Optional:    true,
		Computed:    true,
		Default:     booldefault.StaticBool(true),
		Description: "Wait for the run to complete and enforce `allowed_results` (default `true`). With `false` the apply records the accepted run and returns; refreshes update its outputs. Changing it does not start a run.",
	}
	attrs["allowed_results"] = rschema.SetAttribute{
		Optional:    true,
		Computed:    true,
		ElementType: types.StringType,
		Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{types.StringValue(wire.ResultSuccess)})),
		Description: "Run results that count as success when waiting (default `[\"Success\"]`). Any other result fails the apply with one error per failed file and taints the resource. " +
			allowedResultsText + " Changing it does not start a run.",
		Validators: allowedResultsValidators,
	}
	to := timeouts.Attributes(ctx, timeouts.Opts{
		Create: true,
		CreateDescription: "How long to start and wait for the run, as a Go duration such as `90m` (default `60m`). " +
			"When it expires the run keeps going on the server; the resource is saved with the run id and tainted.",
	}).(rschema.SingleNestedAttribute)
	to.Description = "Operation timeouts. Only `create` applies: starting and waiting for the run. Changing it does not start a run."
	attrs["timeouts"] = to
	return attrs
}

// allowedResultValues are the results allowed_results may list (the run resources' and the action's): every
// result a completed run can have, that is every result but Undetermined.
var allowedResultValues = slices.DeleteFunc(slices.Clone(wire.ExecutionResults), func(r string) bool { return r == wire.ResultUndetermined })

// allowedResultsText and allowedResultsValidators document and check allowed_results wherever it appears.
var (
	allowedResultsText       = "Allowed values: `" + strings.Join(allowedResultValues, "`, `") + "`."
	allowedResultsValidators = []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(stringvalidator.OneOf(allowedResultValues...))}
)

// allowedResults reads allowed_results, defaulting to Success.
func allowedResults(ctx context.Context, set types.Set, diags *diag.Diagnostics) []string {
	if set.IsNull() || set.IsUnknown() {
		return []string{wire.ResultSuccess}
	}
	var out []string
	diags.Append(set.ElementsAs(ctx, &out, false)...)
	sort.Strings(out)
	return out
}
