package provider

// The manifest body of a run (internal/wire/testdata/spec/api.md §5.2): the files to process, with their
// pre-authenticated URLs. Described once (manifestBodyFields) and rendered for the manifest run resource, where
// the URLs are write-only, and for the itwin_sync_run action.

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

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

func (f inField) fieldName() string { return f.name }

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
		return rschema.SingleNestedAttribute{Required: f.required, Optional: opt, Description: f.desc, Attributes: attributesOf(f.fields, resourceInAttr)}
	case inObjectList:
		return rschema.ListNestedAttribute{Required: f.required, Optional: opt, Description: f.desc,
			NestedObject: rschema.NestedAttributeObject{Attributes: attributesOf(f.fields, resourceInAttr)}}
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
		return actionschema.SingleNestedAttribute{Required: f.required, Optional: opt, Description: f.desc, Attributes: attributesOf(f.fields, actionInAttr)}
	case inObjectList:
		return actionschema.ListNestedAttribute{Required: f.required, Optional: opt, Description: f.desc,
			NestedObject: actionschema.NestedAttributeObject{Attributes: attributesOf(f.fields, actionInAttr)}}
	default:
		// Action configuration is never stored, so URLs need no write-only marking there.
		return actionschema.StringAttribute{Required: f.required, Optional: opt, Description: f.desc, Validators: f.validators}
	}
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
		nullPropertyErrors(p, f.DocumentAttribute, diags)
		seen[f.SourceFileID.ValueString()] = i
		for j, c := range f.Children {
			check(p.AtName("children").AtListIndex(j), c.SourceFileID, c.Name, c.ConnectorType)
			nullPropertyErrors(p.AtName("children").AtListIndex(j), c.DocumentAttribute, diags)
		}
	}
}

// manifestBody builds the M6 body from the configured files (URLs read from configuration). A property value the
// API cannot take (null) is an error on its attribute; ValidateConfig reports it at plan time already.
func manifestBody(ctx context.Context, schemaURL types.String, files []manifestFileModel, diags *diag.Diagnostics) wire.ManifestRunCreate {
	body := wire.ManifestRunCreate{DocumentAttributeSchemaURL: schemaURL.ValueString()}
	for i, f := range files {
		p := path.Root("source_files").AtListIndex(i)
		rf := wire.ManifestRunFile{
			ID: f.SourceFileID.ValueString(), Action: f.Action.ValueString(), Name: f.Name.ValueString(),
			RelativePath: f.RelativePath.ValueString(), URL: f.URL.ValueString(), ConnectorType: f.ConnectorType.ValueString(),
			DocumentAttribute: documentAttribute(ctx, p, f.DocumentAttribute, diags),
		}
		for j, c := range f.Children {
			rf.Children = append(rf.Children, wire.ManifestChildFile{
				ID: c.SourceFileID.ValueString(), ParentID: rf.ID, Name: c.Name.ValueString(), RelativePath: c.RelativePath.ValueString(),
				URL: c.URL.ValueString(), ConnectorType: c.ConnectorType.ValueString(),
				DocumentAttribute: documentAttribute(ctx, p.AtName("children").AtListIndex(j), c.DocumentAttribute, diags),
			})
		}
		body.SourceFiles = append(body.SourceFiles, rf)
	}
	return body
}

func documentAttribute(ctx context.Context, file path.Path, m *documentAttributeModel, diags *diag.Diagnostics) *wire.DocumentAttribute {
	if m == nil {
		return nil
	}
	da := &wire.DocumentAttribute{ClassName: m.ClassName.ValueString()}
	if !m.Properties.IsNull() && !m.Properties.IsUnknown() {
		if nullPropertyErrors(file, m, diags) {
			return da
		}
		props := map[string]string{}
		diags.Append(m.Properties.ElementsAs(ctx, &props, false)...)
		da.Properties = map[string]any{}
		for k, v := range props {
			da.Properties[k] = v
		}
	}
	return da
}

// nullPropertyErrors reports each document_attribute property of the file at path file that has no value (the
// API takes strings only), and whether there was one.
func nullPropertyErrors(file path.Path, m *documentAttributeModel, diags *diag.Diagnostics) bool {
	if m == nil || m.Properties.IsNull() || m.Properties.IsUnknown() {
		return false
	}
	found := false
	for _, k := range slices.Sorted(maps.Keys(m.Properties.Elements())) {
		if m.Properties.Elements()[k].IsNull() {
			found = true
			diags.AddAttributeError(file.AtName("document_attribute").AtName("properties").AtMapKey(k), "Document property without a value",
				fmt.Sprintf("The document property %q is null. Each property is sent as a string: give it a value, or leave the key out.", k))
		}
	}
	return found
}

// manifestFileNames maps source_file_id → name for the task outputs and diagnostics.
func manifestFileNames(files []manifestFileModel) map[string]string {
	names := map[string]string{}
	for _, f := range files {
		names[f.SourceFileID.ValueString()] = f.Name.ValueString()
	}
	return names
}
