package provider

import (
	"context"
	"fmt"
	"maps"

	actiontimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ action.ActionWithConfigure      = &syncRunAction{}
	_ action.ActionWithValidateConfig = &syncRunAction{}
)

// NewSyncRunAction is the itwin_sync_run action (Terraform 1.14+): "synchronize now" for any connection, with
// the same start, wait and result rules as the run resources.
func NewSyncRunAction() action.Action { return &syncRunAction{} }

type syncRunAction struct {
	client *itwin.Client
	clock  clock
}

type syncRunActionModel struct {
	ConnectionID               types.String         `tfsdk:"connection_id"`
	Wait                       types.Bool           `tfsdk:"wait"`
	AllowedResults             types.Set            `tfsdk:"allowed_results"`
	Timeouts                   actiontimeouts.Value `tfsdk:"timeouts"`
	DocumentAttributeSchemaURL types.String         `tfsdk:"document_attribute_schema_url"`
	SourceFiles                types.List           `tfsdk:"source_files"`
}

func (a *syncRunAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sync_run"
}

func (a *syncRunAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	to := actiontimeouts.AttributesWithOpts(ctx, actiontimeouts.Opts{
		InvokeDescription: "How long to start and wait for the run, as a Go duration such as `90m` (default `60m`). The run continues on the server when it expires.",
	}).(actionschema.SingleNestedAttribute)
	to.Description = "Timeouts of the invocation."
	attrs := map[string]actionschema.Attribute{
		"connection_id": actionschema.StringAttribute{Required: true, Description: "Id of the storage or manifest connection to run.",
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
		"wait": actionschema.BoolAttribute{Optional: true,
			Description: "Wait for the run to complete and enforce `allowed_results` (default `true`). With `false` the action returns once the run is accepted."},
		"allowed_results": actionschema.SetAttribute{Optional: true, ElementType: types.StringType,
			Description: "Run results that count as success (default `[\"Success\"]`). " + allowedResultsText,
			Validators:  allowedResultsValidators},
		"timeouts": to,
	}
	maps.Copy(attrs, attributesOf(manifestBodyFields, actionInAttr))
	resp.Schema = actionschema.Schema{
		Description: "Starts a synchronization run of a connection now, waits for it with progress messages, and fails with one error per " +
			"failed file when the result is not allowed. For manifest connections, give the files to process in `source_files`. " +
			"Requires Terraform 1.14 or later; the run resources offer the same behaviour declaratively.",
		Attributes: attrs,
	}
}

func (a *syncRunAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client, a.clock = configured(req.ProviderData, &resp.Diagnostics)
}

func (a *syncRunAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	validateManifestRunConfig(ctx, req.Config, &resp.Diagnostics)
}

func (a *syncRunAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m syncRunActionModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	timeout, d := m.Timeouts.Invoke(ctx, defaultRunTimeout)
	resp.Diagnostics.Append(d...)
	files := readManifestFiles(ctx, m.SourceFiles, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := a.clock.WithTimeout(ctx, timeout)
	defer cancel()

	t, _, ok := runTargetFor(ctx, a.client, m.ConnectionID.ValueString(), &resp.Diagnostics)
	if !ok {
		return
	}
	hasBody := len(files) > 0 || !m.DocumentAttributeSchemaURL.IsNull()
	if t.kind == wire.KindStorage && hasBody {
		resp.Diagnostics.AddAttributeError(path.Root("source_files"), "Manifest body on a storage connection",
			fmt.Sprintf("Connection %s is a storage connection: it runs the files mapped to it, so source_files and document_attribute_schema_url apply only to manifest connections.", t.connectionID))
		return
	}
	names := kindOf(t.kind).names(t.client, t.connectionID)
	if t.kind == wire.KindManifest {
		body := manifestBody(ctx, m.DocumentAttributeSchemaURL, files, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		t.manifest = &body
		fileNames := manifestFileNames(files)
		names = func(context.Context) map[string]string { return fileNames }
	}

	ops := runOps{clock: a.clock}
	ops.progress = func(ctx context.Context, msg string) {
		tflog.Info(ctx, msg)
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
	}
	wait := m.Wait.IsNull() || m.Wait.ValueBool()
	allowed := allowedResults(ctx, m.AllowedResults, &resp.Diagnostics)
	_, diags := executeRun(ctx, t, callerAction, wait, allowed, names, ops, nil)
	resp.Diagnostics.Append(diags...)
}
