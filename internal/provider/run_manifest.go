package provider

// The manifest kind's run hooks: the files to process (manifest_body.go), posted with the run and named in its
// task outputs.

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// manifestRunModel adds the manifest body to the run. Its URLs are write-only: in the plan and state they are null.
type manifestRunModel struct {
	runModel
	DocumentAttributeSchemaURL types.String `tfsdk:"document_attribute_schema_url"`
	SourceFiles                types.List   `tfsdk:"source_files"`
}

func manifestRunAttributes() map[string]rschema.Attribute {
	return attributesOf(manifestBodyFields, resourceInAttr)
}

// validateManifestRunConfig checks the configured files at plan time (the resource's and the action's).
func validateManifestRunConfig(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) {
	var files types.List
	diags.Append(config.GetAttribute(ctx, path.Root("source_files"), &files)...)
	if files.IsNull() || files.IsUnknown() {
		return
	}
	var models []manifestFileModel
	if d := files.ElementsAs(ctx, &models, false); d.HasError() {
		return // some values are unknown until apply; they are checked then
	}
	validateManifestFiles(models, diags)
}

// prepare builds the run body from the configuration, where the URLs are.
func (m *manifestRunModel) prepare(ctx context.Context, _ *itwin.Client, config *manifestRunModel, diags *diag.Diagnostics) (*wire.ManifestRunCreate, namesFunc) {
	files := readManifestFiles(ctx, config.SourceFiles, diags)
	body := manifestBody(ctx, config.DocumentAttributeSchemaURL, files, diags)
	names := manifestFileNames(files)
	return &body, func(context.Context) map[string]string { return names }
}

// taskNames names the tasks after the configured files (the API does not know a manifest file's name).
func (m *manifestRunModel) taskNames(ctx context.Context, _ *itwin.Client, diags *diag.Diagnostics) namesFunc {
	names := manifestFileNames(readManifestFiles(ctx, m.SourceFiles, diags))
	return func(context.Context) map[string]string { return names }
}

// planReplace: a manifest run is replaced only for connection_id or triggers, which the schema handles.
func (m *manifestRunModel) planReplace(context.Context, *itwin.Client, *manifestRunModel, resource.ModifyPlanRequest, *resource.ModifyPlanResponse) {
}
