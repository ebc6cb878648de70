package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ resource.ResourceWithConfigure      = &manifestRunResource{}
	_ resource.ResourceWithModifyPlan     = &manifestRunResource{}
	_ resource.ResourceWithIdentity       = &manifestRunResource{}
	_ resource.ResourceWithImportState    = &manifestRunResource{}
	_ resource.ResourceWithValidateConfig = &manifestRunResource{}
)

// NewSyncManifestConnectionRunResource is itwin_sync_manifest_connection_run: one run of a manifest connection
// with the files to process. Their URLs are pre-authenticated, so they are write-only and never stored.
func NewSyncManifestConnectionRunResource() resource.Resource { return &manifestRunResource{} }

type manifestRunResource struct {
	client *itwin.Client
	clock  clock
}

type manifestRunModel struct {
	ID                         types.String   `tfsdk:"id"`
	ConnectionID               types.String   `tfsdk:"connection_id"`
	Triggers                   types.Map      `tfsdk:"triggers"`
	Wait                       types.Bool     `tfsdk:"wait"`
	AllowedResults             types.Set      `tfsdk:"allowed_results"`
	Timeouts                   timeouts.Value `tfsdk:"timeouts"`
	DocumentAttributeSchemaURL types.String   `tfsdk:"document_attribute_schema_url"`
	SourceFiles                types.List     `tfsdk:"source_files"`
	runOutputsModel
}

// manifestFileModel is one master file of the manifest body; children use the same model without action and
// children.
type manifestFileModel struct {
	SourceFileID      types.String            `tfsdk:"source_file_id"`
	Name              types.String            `tfsdk:"name"`
	RelativePath      types.String            `tfsdk:"relative_path"`
	URL               types.String            `tfsdk:"url"`
	ConnectorType     types.String            `tfsdk:"connector_type"`
	Action            types.String            `tfsdk:"action"`
	DocumentAttribute *documentAttributeModel `tfsdk:"document_attribute"`
	Children          []manifestChildModel    `tfsdk:"children"`
}

type manifestChildModel struct {
	SourceFileID      types.String            `tfsdk:"source_file_id"`
	Name              types.String            `tfsdk:"name"`
	RelativePath      types.String            `tfsdk:"relative_path"`
	URL               types.String            `tfsdk:"url"`
	ConnectorType     types.String            `tfsdk:"connector_type"`
	DocumentAttribute *documentAttributeModel `tfsdk:"document_attribute"`
}

type documentAttributeModel struct {
	ClassName  types.String `tfsdk:"class_name"`
	Properties types.Map    `tfsdk:"properties"`
}

// --- manifest body schema: described once, rendered for the resource (write-only URLs) and the action ---

type inKind int

const (
	inString inKind = iota
	inStringMap
	inObject
	inObjectList
)

type inField struct {
	name, desc string
	kind       inKind
	required   bool
	secret     bool // pre-authenticated URL: write-only in resources
	validators []validator.String
	fields     []inField
}

var documentAttributeFields = []inField{
	{name: "class_name", desc: "Class of the document element's attribute, e.g. `PlantDocs:DocumentLink` (defined by `document_attribute_schema_url`).", kind: inString, required: true,
		validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
	{name: "properties", desc: "Property values of the document attribute.", kind: inStringMap},
}

func manifestFileFields(master bool) []inField {
	fields := []inField{
		{name: "source_file_id", desc: "Id of the document in the external system; it must be registered on the connection (its `source_files`).", kind: inString, required: true,
			validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
		{name: "name", desc: "File name including its extension; the extension decides whether the connector accepts the file.", kind: inString, required: true,
			validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
		{name: "relative_path", desc: "Folder path of the file in the external system.", kind: inString},
		{name: "url", desc: "Pre-authenticated download URL of the file (for example from the `itwin_storage_file_url` ephemeral resource, or an Azure SAS URL). " +
			"The service downloads it without credentials. In resources it is write-only: never stored in plan or state (Terraform 1.11 or later).",
			kind: inString, required: true, secret: true, validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
		{name: "connector_type", desc: "Connector type that processes the file. One of the current connector types (`itwin_sync_connector_types`).", kind: inString, required: true,
			validators: []validator.String{stringvalidator.OneOf(wire.CurrentConnectorTypeNames()...)}},
	}
	if master {
		fields = append(fields, inField{name: "action", desc: "`bridge` (default) synchronizes the file; `unmap` removes its elements from the iModel.", kind: inString,
			validators: []validator.String{stringvalidator.OneOf(wire.ManifestActionBridge, wire.ManifestActionUnmap)}})
	}
	fields = append(fields, inField{name: "document_attribute", desc: "Properties attached to the file's document element.", kind: inObject, fields: documentAttributeFields})
	if master {
		fields = append(fields, inField{name: "children", desc: "Reference files of this master file, processed inside its task.", kind: inObjectList, fields: manifestFileFields(false)})
	}
	return fields
}

var manifestBodyFields = []inField{
	{name: "document_attribute_schema_url", desc: "Pre-authenticated URL of the schema that defines the classes used in `document_attribute`. Write-only in resources (never stored).",
		kind: inString, secret: true},
	{name: "source_files", desc: "Master files of the run, each with a pre-authenticated URL. Without files the run completes as `Skipped`.", kind: inObjectList,
		fields: manifestFileFields(true)},
}

func resourceInAttr(f inField) rschema.Attribute {
	opt := !f.required
	switch f.kind {
	case inStringMap:
		return rschema.MapAttribute{Required: f.required, Optional: opt, Description: f.desc, ElementType: types.StringType}
	case inObject:
		attrs := map[string]rschema.Attribute{}
		for _, c := range f.fields {
			attrs[c.name] = resourceInAttr(c)
		}
		return rschema.SingleNestedAttribute{Required: f.required, Optional: opt, Description: f.desc, Attributes: attrs}
	case inObjectList:
		attrs := map[string]rschema.Attribute{}
		for _, c := range f.fields {
			attrs[c.name] = resourceInAttr(c)
		}
		return rschema.ListNestedAttribute{Required: f.required, Optional: opt, Description: f.desc, NestedObject: rschema.NestedAttributeObject{Attributes: attrs}}
	default:
		return rschema.StringAttribute{Required: f.required, Optional: opt, Description: f.desc, Validators: f.validators, WriteOnly: f.secret}
	}
}

func actionInAttr(f inField) actionschema.Attribute {
	opt := !f.required
	switch f.kind {
	case inStringMap:
		return actionschema.MapAttribute{Required: f.required, Optional: opt, Description: f.desc, ElementType: types.StringType}
	case inObject:
		attrs := map[string]actionschema.Attribute{}
		for _, c := range f.fields {
			attrs[c.name] = actionInAttr(c)
		}
		return actionschema.SingleNestedAttribute{Required: f.required, Optional: opt, Description: f.desc, Attributes: attrs}
	case inObjectList:
		attrs := map[string]actionschema.Attribute{}
		for _, c := range f.fields {
			attrs[c.name] = actionInAttr(c)
		}
		return actionschema.ListNestedAttribute{Required: f.required, Optional: opt, Description: f.desc, NestedObject: actionschema.NestedAttributeObject{Attributes: attrs}}
	default:
		// Action configuration is never stored, so URLs need no write-only marking there.
		return actionschema.StringAttribute{Required: f.required, Optional: opt, Description: f.desc, Validators: f.validators}
	}
}

// manifestBody builds the M6 body from the configured files (URLs read from configuration).
func manifestBody(ctx context.Context, schemaURL types.String, files []manifestFileModel) wire.ManifestRunCreate {
	body := wire.ManifestRunCreate{DocumentAttributeSchemaURL: schemaURL.ValueString()}
	for _, f := range files {
		rf := wire.ManifestRunFile{
			ID: f.SourceFileID.ValueString(), Action: f.Action.ValueString(), Name: f.Name.ValueString(),
			RelativePath: f.RelativePath.ValueString(), URL: f.URL.ValueString(), ConnectorType: f.ConnectorType.ValueString(),
			DocumentAttribute: documentAttribute(ctx, f.DocumentAttribute),
		}
		for _, c := range f.Children {
			rf.Children = append(rf.Children, wire.ManifestChildFile{
				ID: c.SourceFileID.ValueString(), ParentID: rf.ID, Name: c.Name.ValueString(), RelativePath: c.RelativePath.ValueString(),
				URL: c.URL.ValueString(), ConnectorType: c.ConnectorType.ValueString(), DocumentAttribute: documentAttribute(ctx, c.DocumentAttribute),
			})
		}
		body.SourceFiles = append(body.SourceFiles, rf)
	}
	return body
}

func documentAttribute(ctx context.Context, m *documentAttributeModel) *wire.DocumentAttribute {
	if m == nil {
		return nil
	}
	da := &wire.DocumentAttribute{ClassName: m.ClassName.ValueString()}
	if !m.Properties.IsNull() && !m.Properties.IsUnknown() {
		props := map[string]string{}
		m.Properties.ElementsAs(ctx, &props, false)
		da.Properties = map[string]any{}
		for k, v := range props {
			da.Properties[k] = v
		}
	}
	return da
}

// manifestFileNames maps source_file_id → name for the task outputs and diagnostics.
func manifestFileNames(files []manifestFileModel) map[string]string {
	names := map[string]string{}
	for _, f := range files {
		names[f.SourceFileID.ValueString()] = f.Name.ValueString()
	}
	return names
}

// validateManifestFiles checks what the server would reject with a 422, at plan time: duplicate ids, and
// warns when the connector type does not handle the file's extension.
func validateManifestFiles(files []manifestFileModel, diags *diag.Diagnostics) {
	seen := map[string]int{}
	check := func(p path.Path, id, name, connector types.String) {
		if id.IsUnknown() || name.IsUnknown() || connector.IsUnknown() {
			return
		}
		if prev, dup := seen[id.ValueString()]; dup {
			diags.AddAttributeError(p.AtName("source_file_id"), "Duplicate source_file_id",
				fmt.Sprintf("source_file_id %q is already used by source_files[%d]; each file may appear once in a run.", id.ValueString(), prev))
		}
		if !wire.ConnectorAccepts(connector.ValueString(), name.ValueString()) {
			diags.AddAttributeWarning(p.AtName("connector_type"), "Connector type may not accept this file",
				fmt.Sprintf("Connector type %s does not list the extension of %q; the task will likely fail with TAE_UNSUPPORTED_FORMAT.", connector.ValueString(), name.ValueString()))
		}
	}
	for i, f := range files {
		p := path.Root("source_files").AtListIndex(i)
		check(p, f.SourceFileID, f.Name, f.ConnectorType)
		seen[f.SourceFileID.ValueString()] = i
		for j, c := range f.Children {
			check(p.AtName("children").AtListIndex(j), c.SourceFileID, c.Name, c.ConnectorType)
		}
	}
}

func (r *manifestRunResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sync_manifest_connection_run"
}

func (r *manifestRunResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := runResourceAttributes(ctx)
	for _, f := range manifestBodyFields {
		attrs[f.name] = resourceInAttr(f)
	}
	resp.Schema = rschema.Schema{
		Description: "Runs a manifest connection once with the given files: starts a synchronization run when created and waits for it to " +
			"complete. File URLs are pre-authenticated, so they are write-only and cannot be compared between plans: a new run starts only " +
			"when `connection_id` or `triggers` change (key `triggers` on the files' versions or hashes). Changing the file list alone does not " +
			"start a run. Runs cannot be cancelled or deleted: destroying this resource only forgets the run.",
		Attributes: attrs,
	}
}

func (r *manifestRunResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = connectionChildIdentitySchema("manifest connection", "run")
}

func (r *manifestRunResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client, r.clock = configured(req.ProviderData, &resp.Diagnostics)
}

func (r *manifestRunResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var files types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("source_files"), &files)...)
	if files.IsNull() || files.IsUnknown() {
		return
	}
	var models []manifestFileModel
	if d := files.ElementsAs(ctx, &models, false); d.HasError() {
		return // some values are unknown until apply; the server validates them then
	}
	validateManifestFiles(models, &resp.Diagnostics)
}

// ModifyPlan warns at plan time about a User connection without consent when a run will start.
func (r *manifestRunResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() || r.client == nil {
		return
	}
	var connID types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("connection_id"), &connID)...)
	if connID.IsUnknown() || connID.IsNull() {
		return
	}
	conn, err := r.client.GetManifestConnection(ctx, connID.ValueString())
	if err != nil {
		tflog.Debug(ctx, "could not read the connection at plan time", map[string]any{"error": err.Error()})
		return
	}
	warnUserConnection(ctx, r.client, conn, &resp.Diagnostics)
}

// readManifestFiles decodes source_files of a plan, state or configuration.
func readManifestFiles(ctx context.Context, v types.List, diags *diag.Diagnostics) []manifestFileModel {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var files []manifestFileModel
	diags.Append(v.ElementsAs(ctx, &files, false)...)
	return files
}

func (r *manifestRunResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config manifestRunModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	// Write-only values (the URLs) exist only in the configuration.
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultRunTimeout)
	resp.Diagnostics.Append(d...)
	files := readManifestFiles(ctx, config.SourceFiles, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.clock.WithTimeout(ctx, timeout)
	defer cancel()

	body := manifestBody(ctx, config.DocumentAttributeSchemaURL, files)
	t := runTarget{client: r.client, kind: wire.KindManifest, connectionID: plan.ConnectionID.ValueString(), manifest: &body}
	allowed := allowedResults(ctx, plan.AllowedResults, &resp.Diagnostics)
	names := manifestFileNames(files)
	_, diags := executeRun(ctx, t, callerResource, plan.Wait.ValueBool(), allowed, func(context.Context) map[string]string { return names }, runOps{clock: r.clock},
		func(runID string, outs runOutputsModel) diag.Diagnostics {
			plan.ID = types.StringValue(runID)
			plan.runOutputsModel = outs
			diags := resp.State.Set(ctx, &plan)
			setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: plan.ConnectionID, ID: plan.ID}, &diags)
			return diags
		})
	resp.Diagnostics.Append(diags...)
}

func (r *manifestRunResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state manifestRunModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: state.ConnectionID, ID: state.ID}, &resp.Diagnostics)
	connID, runID := state.ConnectionID.ValueString(), state.ID.ValueString()
	t := runTarget{client: r.client, kind: wire.KindManifest, connectionID: connID}
	names := manifestFileNames(readManifestFiles(ctx, state.SourceFiles, &resp.Diagnostics))
	if !refreshRunState(ctx, t, runID, &state.runOutputsModel, func(context.Context) map[string]string { return names }, resp) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update records local settings, the (non-secret part of the) file list and the triggers adopted after an
// import, without any API call.
func (r *manifestRunResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan manifestRunModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	clearImportedRun(ctx, resp)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: plan.ConnectionID, ID: plan.ID}, &resp.Diagnostics)
}

// Delete forgets the run: runs cannot be deleted or cancelled.
func (r *manifestRunResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	forgetRun(ctx, req)
}

func (r *manifestRunResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importRunState(ctx, req, resp)
}
